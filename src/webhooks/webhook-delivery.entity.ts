import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { EventType, eventId } from '../events/event.entity';

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet: waiting for its first try, a retry, an earlier event of the same customer, or a disabled endpoint.' },
    DELIVERED: { description: 'The receiver answered 2xx.' },
    FAILED: { description: 'Every try of the schedule failed (about a day and a half); webhookEventReplay sends it again.' },
  },
});

/** One event to send to one endpoint, retried until the receiver answers 2xx or the schedule ends. */
@ObjectType({ description: 'One event sent (or to be sent) to one endpoint: the delivery log.' })
@Entity('webhook_delivery')
@Index('webhook_delivery_endpoint_idx', ['endpointId', 'id'])
@Index('webhook_delivery_due_idx', ['endpointId', 'nextAttemptAt', 'id'], { where: `"status" = 'PENDING'` })
@Index('webhook_delivery_order_idx', ['endpointId', 'customerId', 'eventPosition', 'eventSerial'], { where: `"status" = 'PENDING'` })
export class WebhookDelivery {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'PK_webhook_delivery' })
  id: string;

  @Field(() => ID, { name: 'id', description: 'The delivery\'s id.' })
  get deliveryId(): string {
    return `WebhookDelivery:${this.id}`;
  }

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  @Column({ name: 'event_position', type: 'bigint' })
  eventPosition: string;

  @Column({ name: 'event_serial', type: 'bigint' })
  eventSerial: string;

  @Field(() => ID, { description: 'The event sent (its webhook-id): the same on every try and on a replay.' })
  get eventId(): string {
    return eventId(this.eventPosition, this.eventSerial);
  }

  @Field(() => EventType, { description: 'The event\'s type.' })
  @Column({ name: 'event_type', type: 'text' })
  eventType: EventType;

  /** A customer's deliveries to one endpoint go one at a time, in the feed's order. */
  @Field(() => ID, { nullable: true, description: 'The customer the event is about.' })
  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId: string | null;

  @Field(() => WebhookDeliveryStatus, { description: 'Where it stands.' })
  @Column({ type: 'text' })
  status: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Tries so far.' })
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Field(() => Date, { nullable: true, description: 'When it is tried next (PENDING only).' })
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  /** By PostgreSQL's clock: the process sending it holds it until then. */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was last tried.' })
  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last try; null when it got none (timeout, refused, unreachable).' })
  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus: number | null;

  @Field(() => Int, { nullable: true, description: 'How long the last try took, in milliseconds.' })
  @Column({ name: 'last_latency_ms', type: 'integer', nullable: true })
  lastLatencyMs: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last try failed; null when it did not.' })
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Field(() => Date, { nullable: true, description: 'When the receiver answered 2xx.' })
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Field({ description: 'When it was queued.' })
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** One try of a delivery, kept for the log. */
@ObjectType({ description: 'One try of a delivery.' })
@Entity('webhook_attempt')
@Index('webhook_attempt_delivery_idx', ['deliveryId', 'attempt'])
export class WebhookAttempt {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'PK_webhook_attempt' })
  id: string;

  @Column({ name: 'delivery_id', type: 'bigint' })
  deliveryId: string;

  @Field(() => Int, { description: '1 for the first try, then one more for each.' })
  @Column({ type: 'integer' })
  attempt: number;

  @Field({ description: 'When it was made.' })
  @Column({ type: 'timestamptz' })
  at: Date;

  @Field(() => Int, { nullable: true, description: 'The HTTP status answered; null when none was (timeout, refused, unreachable).' })
  @Column({ type: 'integer', nullable: true })
  status: number | null;

  @Field(() => Int, { description: 'How long it took, in milliseconds.' })
  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs: number;

  @Field(() => String, { nullable: true, description: 'Why it failed; null when the receiver answered 2xx.' })
  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Field(() => Date, { nullable: true, description: 'When the next try was set for after this one; null when none follows.' })
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;
}
