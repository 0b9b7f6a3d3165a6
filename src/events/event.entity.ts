import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { JSONObjectScalar } from '../shared/scalars';

/** What happened; the values are the names integrators see on the wire (webhooks, payloads). */
export enum EventType {
  TIER_CHANGED = 'tier.changed',
  OVERRIDE_SET = 'override.set',
  OVERRIDE_REVOKED = 'override.revoked',
  OVERRIDE_EXPIRED = 'override.expired',
  GRANT_EXPIRED = 'grant.expired',
  CUSTOMER_TIER_AT_RISK = 'customer.tier_at_risk',
  PROGRAM_PUBLISHED = 'program.published',
  RETIER_FINISHED = 'retier.finished',
}
registerEnumType(EventType, {
  name: 'EventType',
  description: "What an event says happened. Webhook bodies and payloads name it by its wire name, given with each value (for example tier.changed).",
  valuesConfig: {
    TIER_CHANGED: { description: "tier.changed: the tier a customer shows in a program changed (one per history row, with the row's cause)." },
    OVERRIDE_SET: { description: 'override.set: an account manager pinned a customer\'s tier in a program.' },
    OVERRIDE_REVOKED: { description: 'override.revoked: an override was revoked before its expiry.' },
    OVERRIDE_EXPIRED: { description: "override.expired: an override reached its expiry (occurredAt is the expiry instant)." },
    GRANT_EXPIRED: { description: 'grant.expired: an entitlement grant reached its expiry (occurredAt is the expiry instant).' },
    CUSTOMER_TIER_AT_RISK: { description: "customer.tier_at_risk: the rules' verdict fell below a tier the program's time policy holds: the customer keeps it until the review or the end of grace unless the facts recover." },
    PROGRAM_PUBLISHED: { description: 'program.published: a version of a program came into force (a publish or a rollback); its re-tier follows.' },
    RETIER_FINISHED: { description: 'retier.finished: the re-tier after a publish wrote every customer it moved: one summary per job.' },
  },
});

/**
 * One entry of the outbox: written in the transaction of the change it reports, so a change
 * rolled back leaves no event. Read in the order (position, id): position is at least the
 * writing transaction's id and at least any position a customer had before (event-log.ts),
 * so the feed can be read gap-free below the oldest running transaction and every
 * customer's events come in the order they happened.
 */
@ObjectType({ description: 'Something that happened to a customer or a program, in the order the feed gives.' })
@Entity('event')
@Index('event_customer_idx', ['customerId', 'position', 'serial'], { where: '"customer_id" IS NOT NULL' })
export class Event {
  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'PK_event' })
  position: string;

  @PrimaryGeneratedColumn('increment', { name: 'id', type: 'bigint', primaryKeyConstraintName: 'PK_event' })
  serial: string;

  @Field(() => ID, { name: 'id', description: 'Stable and unique ("evt_…"); events sort by it as the feed gives them. Pass it as after to read on from it; webhooks send it as webhook-id.' })
  get eventId(): string {
    return eventId(this.position, this.serial);
  }

  @Field(() => EventType, { description: 'What happened.' })
  @Column({ type: 'text' })
  type: EventType;

  @Field({ description: 'When it happened: the change\'s instant (an expiry or a review fall: the instant it took effect).' })
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  /** By Strata's clock: the instant of the transaction that wrote it (retention counts from it). */
  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;

  @Field(() => ID, { nullable: true, description: 'The customer it is about; null for program events.' })
  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId: string | null;

  /** Counted when read (EVENT_SEQUENCE_SQL), not stored. */
  @Field(() => Int, { nullable: true, description: "The customer's own event count: 1 for its first event, then one more for each, never reused. Null for program events." })
  sequence: number | null;

  @Field(() => String, { nullable: true, description: 'The program it is about, if any.' })
  @Column({ name: 'program_key', type: 'text', nullable: true })
  programKey: string | null;

  @Field(() => JSONObjectScalar, { description: 'What the event type says, kept thin (docs/events.md lists each type\'s fields).' })
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  /** Joined by the feed when read, not stored: an externalId may be set after the event. */
  @Field(() => String, { name: 'customerExternalId', nullable: true, description: "The customer's externalId as it is when the event is read; null for program events, customers without one and deleted customers." })
  externalId?: string | null;
}

const EVENT_ID = /^evt_([0-9a-f]{16})([0-9a-f]{16})$/;

/** evt_ and the position and serial in fixed-width hex: ids sort as the feed reads. */
export function eventId(position: string, serial: string): string {
  const hex = (value: string) => BigInt(value).toString(16).padStart(16, '0');
  return `evt_${hex(position)}${hex(serial)}`;
}

/** The position and serial inside an event id; null for anything else. */
export function parseEventId(id: string): { position: string; serial: string } | null {
  const match = EVENT_ID.exec(id);
  if (!match) return null;
  const [position, serial] = [BigInt(`0x${match[1]}`), BigInt(`0x${match[2]}`)];
  if (position > 9_223_372_036_854_775_807n || serial > 9_223_372_036_854_775_807n) return null;
  return { position: position.toString(), serial: serial.toString() };
}

/** Per customer: how many of its events were pruned, so its events keep their numbers. */
@Entity('customer_event_pruned')
export class CustomerEventPruned {
  @PrimaryColumn({ name: 'customer_id', type: 'uuid', primaryKeyConstraintName: 'PK_customer_event_pruned' })
  customerId: string;

  @Column({ type: 'bigint' })
  pruned: string;
}
