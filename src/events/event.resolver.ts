import { Arg, Authorized, Ctx, Field, ID, Int, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../context';
import { pageCost } from '../limits/query-cost';
import { Role } from '../shared/role';
import { Event, EventType } from './event.entity';
import { EventLog, FEED_PAGE, FeedArgs, followEvents } from './event-log';

/** Without a wake-up (scripts, tests that build deps by hand) a subscription polls. */
const POLL = { next: () => new Promise<void>((resolve) => setTimeout(resolve, 1_000)) };

@ObjectType({ description: 'A page of the event feed.' })
export class EventFeed {
  @Field(() => [Event], { description: 'Events in feed order: gap-free, and each customer\'s in the order they happened.' })
  events: Event[];

  @Field(() => String, { nullable: true, description: 'Pass as after to read on: the last event\'s id, or the after given when no event was ready yet (null only when both are).' })
  endCursor: string | null;

  @Field({ description: 'More events are ready after this page; read on at once. When false, poll again later (or subscribe).' })
  hasMore: boolean;
}

@Resolver()
export class EventResolver {
  constructor(private readonly log: EventLog) {}

  @Authorized(Role.VIEWER)
  @Query(() => EventFeed, {
    complexity: pageCost,
    description:
      'What changed, in order, from a cursor: at-least-once, gap-free (an event that commits after a later one is given in its place, never skipped), and each customer\'s events in the order they happened. Kept for the retention period (30 days unless configured). See docs/events.md.',
  })
  events(
    @Ctx() ctx: Context,
    @Arg('after', () => String, { nullable: true, description: 'An event id (evt_…) from this feed: the page starts after it. From the oldest kept event when not given.' }) after: string | null,
    @Arg('types', () => [EventType], { nullable: true, description: 'Only these types.' }) types: EventType[] | null,
    @Arg('customerId', () => ID, { nullable: true, description: "Only this customer's events." }) customerId: string | null,
    @Arg('first', () => Int, { nullable: true, description: `How many, 1 to ${FEED_PAGE.max}; ${FEED_PAGE.default} when not given.` }) first: number | null,
  ): Promise<EventFeed> {
    return this.log.read(ctx, { after, types, customerId, first });
  }

  @Subscription(() => Event, {
    subscribe: ({ args, context }) => followEvents(context as Context, args as FeedArgs, (context as Context).deps.wake ?? POLL),
    name: 'events',
    description:
      'The feed, live (graphql-ws on /graphql; the API key in connection_init as { authorization: "Bearer …" }): every event after `after` in feed order, then each new one as it commits. Reconnect with the last id received as after and nothing is missed.',
  })
  eventsLive(
    @Root() event: Event,
    @Arg('after', () => String, { nullable: true, description: 'An event id (evt_…): start after it; from the oldest kept event when not given.' }) _after: string | null,
    @Arg('types', () => [EventType], { nullable: true, description: 'Only these types.' }) _types: EventType[] | null,
    @Arg('customerId', () => ID, { nullable: true, description: "Only this customer's events." }) _customerId: string | null,
  ): Event {
    return event;
  }
}
