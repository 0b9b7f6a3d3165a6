import { IsOptional, MaxLength } from 'class-validator';
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { EventType } from '../events/event.entity';
import { pageCost } from '../limits/query-cost';
import { ConnectionType, PageArgs } from '../shared/pagination';
import type { Connection } from '../shared/pagination';
import { Role } from '../shared/role';
import { runMutation } from '../shared/transaction';
import { UserError } from '../shared/user-error';
import { assertValidInput } from '../shared/validation';
import { WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookService } from './webhook.service';

@InputType({ description: 'A new webhook endpoint.' })
export class WebhookEndpointCreateInput {
  @Field({ description: 'Where to POST events: http(s), no credentials; private and loopback addresses only where STRATA_WEBHOOK_ALLOW_PRIVATE is set.' })
  @MaxLength(2_000)
  url: string;

  @Field(() => String, { nullable: true, description: 'What it is for.' })
  @IsOptional()
  @MaxLength(500)
  description?: string | null;

  @Field(() => [EventType], { nullable: true, description: 'The event types to send; every type when not given.' })
  @IsOptional()
  types?: EventType[] | null;
}

@InputType({ description: 'Changes to a webhook endpoint; fields not given stay as they are.' })
export class WebhookEndpointUpdateInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'A new URL.' })
  @IsOptional()
  @MaxLength(2_000)
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'A new description.' })
  @IsOptional()
  @MaxLength(500)
  description?: string | null;

  @Field(() => [EventType], { nullable: true, description: 'The event types to send from now on; give an empty list for every type.' })
  @IsOptional()
  types?: EventType[] | null;

  @Field(() => Boolean, { nullable: true, description: 'false stops sending (events wait); true sends again, what waited first.' })
  @IsOptional()
  enabled?: boolean | null;
}

@ObjectType({ description: 'What webhookEndpointCreate and webhookEndpointSecretRotate answer.' })
export class WebhookEndpointSecretPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint; null when refused.' })
  endpoint: WebhookEndpoint | null;

  @Field(() => String, { nullable: true, description: 'The signing secret (whsec_…), shown this once: verify each call\'s webhook-signature with it.' })
  secret: string | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: 'What webhookEndpointUpdate answers.' })
export class WebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint as it is now; null when refused.' })
  endpoint: WebhookEndpoint | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: 'What webhookEndpointDelete answers.' })
export class WebhookEndpointDeletePayload {
  @Field(() => ID, { nullable: true, description: 'The id of the endpoint deleted; null when refused.' })
  deletedId: string | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: 'What webhookEventReplay answers.' })
export class WebhookEventReplayPayload {
  @Field(() => WebhookDelivery, { nullable: true, description: 'The delivery queued; null when refused.' })
  delivery: WebhookDelivery | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

const WebhookDeliveryConnection = ConnectionType(WebhookDelivery, 'WebhookDelivery');

/** ADMIN manages every endpoint; an INTEGRATOR its own (another key's endpoint is not found). */
@Resolver(() => WebhookEndpoint)
export class WebhookResolver {
  constructor(private readonly webhooks: WebhookService) {}

  @Authorized(Role.INTEGRATOR)
  @Query(() => [WebhookEndpoint], { description: 'Webhook endpoints: every one for ADMIN, its own for an INTEGRATOR key.' })
  webhookEndpoints(@Ctx() ctx: Context): Promise<WebhookEndpoint[]> {
    return this.webhooks.list(ctx);
  }

  @Authorized(Role.INTEGRATOR)
  @Query(() => WebhookEndpoint, { nullable: true, description: 'One webhook endpoint the key may manage; null otherwise.' })
  webhookEndpoint(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The endpoint.' }) id: string): Promise<WebhookEndpoint | null> {
    return this.webhooks.get(ctx, id);
  }

  @FieldResolver(() => WebhookDeliveryConnection, { complexity: pageCost, description: 'The delivery log, newest first: each event sent or to be sent, its tries and what the receiver answered.' })
  deliveries(
    @Root() endpoint: WebhookEndpoint,
    @Ctx() ctx: Context,
    @Args() page: PageArgs,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true, description: 'Only deliveries in this state.' }) status: WebhookDeliveryStatus | null,
  ): Promise<Connection<WebhookDelivery>> {
    return this.webhooks.deliveries(ctx, endpoint.id, status, page);
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => WebhookEndpointSecretPayload, { description: 'Registers an endpoint for the events that follow; answers its signing secret, once.' })
  webhookEndpointCreate(@Ctx() ctx: Context, @Arg('input', { description: 'The endpoint.' }) input: WebhookEndpointCreateInput): Promise<WebhookEndpointSecretPayload> {
    return runMutation(
      ctx,
      async (tx) => {
        assertValidInput(input, ['input']);
        return this.webhooks.create(tx, input);
      },
      { endpoint: null, secret: null },
    );
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => WebhookEndpointPayload, { description: "Changes an endpoint's URL, description, types or enabled state." })
  webhookEndpointUpdate(@Ctx() ctx: Context, @Arg('input', { description: 'What changes.' }) input: WebhookEndpointUpdateInput): Promise<WebhookEndpointPayload> {
    return runMutation(
      ctx,
      async (tx) => {
        assertValidInput(input, ['input']);
        return { endpoint: await this.webhooks.update(tx, input) };
      },
      { endpoint: null },
    );
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => WebhookEndpointDeletePayload, { description: 'Deletes an endpoint and its delivery log; nothing more is sent to it.' })
  webhookEndpointDelete(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The endpoint.' }) id: string): Promise<WebhookEndpointDeletePayload> {
    return runMutation(ctx, async (tx) => ({ deletedId: await this.webhooks.remove(tx, id) }), { deletedId: null });
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => WebhookEndpointSecretPayload, { description: 'Replaces the signing secret, answered once; during the overlap each call carries a signature by each secret.' })
  webhookEndpointSecretRotate(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The endpoint.' }) id: string,
    @Arg('overlapHours', () => Int, { nullable: true, description: 'How long the old secret keeps signing beside the new one, 0 to 168 hours; 24 when not given.' }) overlapHours: number | null,
  ): Promise<WebhookEndpointSecretPayload> {
    return runMutation(ctx, (tx) => this.webhooks.rotateSecret(tx, id, overlapHours), { endpoint: null, secret: null });
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => WebhookEventReplayPayload, { description: 'Sends an event to an endpoint again, now, with the same webhook-id (receivers that already had it drop it).' })
  webhookEventReplay(
    @Ctx() ctx: Context,
    @Arg('endpointId', () => ID, { description: 'The endpoint.' }) endpointId: string,
    @Arg('eventId', () => ID, { description: 'The event (evt_…), still in the feed.' }) eventId: string,
  ): Promise<WebhookEventReplayPayload> {
    return runMutation(ctx, async (tx) => ({ delivery: await this.webhooks.replay(tx, endpointId, eventId) }), { delivery: null });
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  constructor(private readonly webhooks: WebhookService) {}

  @FieldResolver(() => [WebhookAttempt], { description: 'Every try, oldest first: when, what the receiver answered, how long it took, when the next was set for.' })
  attemptLog(@Root() delivery: WebhookDelivery, @Ctx() ctx: Context): Promise<WebhookAttempt[]> {
    return this.webhooks.attempts(ctx, delivery.id);
  }
}
