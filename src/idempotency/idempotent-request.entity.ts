import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A write an integrator sent with an idempotency key: the first call's result, kept so a
 * retry with the same key replays it instead of writing again. Keys are per API key, so
 * two integrators cannot collide, and expire after a day.
 */
@Entity('idempotent_request')
@Index('idempotent_request_created_idx', ['createdAt'])
export class IdempotentRequest {
  @PrimaryColumn({ name: 'api_key_id', type: 'uuid' })
  apiKeyId: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  /** The mutation, e.g. customerUpsert. */
  @Column({ type: 'text' })
  operation: string;

  /** SHA-256 of the mutation's arguments in canonical JSON. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash: string;

  /** What the first call returned, in the form its mutation's replay reads. */
  @Column({ type: 'jsonb', nullable: true })
  response: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
