import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { EventType } from '../events/event.entity';

/** A receiver of signed webhook calls: where to, which event types, and how far it has read the feed. */
@ObjectType({ description: 'A URL Strata calls with each event of the chosen types, signed by the Standard Webhooks spec.' })
@Entity('webhook_endpoint')
export class WebhookEndpoint {
  @Field(() => ID, { description: 'The endpoint\'s id.' })
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_webhook_endpoint' })
  id: string;

  @Field({ description: 'Where events are POSTed. Redirects are not followed.' })
  @Column({ type: 'text' })
  url: string;

  @Field({ description: 'What the endpoint is for.' })
  @Column({ type: 'text', default: '' })
  description: string;

  @Field(() => [EventType], { nullable: true, description: 'The event types sent; null: every type.' })
  @Column({ name: 'event_types', type: 'text', array: true, nullable: true })
  types: EventType[] | null;

  /** Signs every call; shown once, on create and on rotation. */
  @Column({ type: 'text' })
  secret: string;

  /** The secret before the last rotation, still signing beside the new one until previousSecretUntil. */
  @Column({ name: 'previous_secret', type: 'text', nullable: true })
  previousSecret: string | null;

  @Field(() => Date, { nullable: true, description: 'Until when calls carry a second signature by the secret before the last rotation.' })
  @Column({ name: 'previous_secret_until', type: 'timestamptz', nullable: true })
  previousSecretUntil: Date | null;

  @Field({ description: 'Whether events are sent. An endpoint is disabled by hand or when its receiver answers 410 Gone; its events wait for it.' })
  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Field(() => String, { nullable: true, description: 'Why it is disabled; null while enabled.' })
  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason: string | null;

  /** The API key that created it: an INTEGRATOR manages its own endpoints, ADMIN all. */
  @Column({ name: 'owner_key_id', type: 'text' })
  ownerKeyId: string;

  @Field({ description: 'The name of the API key that created it.' })
  @Column({ name: 'owner_name', type: 'text' })
  ownerName: string;

  /** The feed position up to which events have been queued for it (webhook-dispatcher.ts). */
  @Column({ name: 'feed_position', type: 'bigint', default: 0 })
  feedPosition: string;

  @Column({ name: 'feed_serial', type: 'bigint', default: 0 })
  feedSerial: string;

  @Field({ description: 'When it was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'When it last changed.' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
