import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Node, sequenceNodeId } from '../shared/node';
import { type AuditAction, AuditActionEnum } from './audit-actions';
import { JSONScalar } from '../shared/scalars';

/** One change to programs, rules, catalogs, entitlements, grants, overrides or keys. */
@ObjectType({ implements: Node, description: 'Who changed what, when; written in the same transaction as the change.' })
@Entity('audit_event')
@Index('audit_event_entity_idx', ['entityType', 'entityKey', 'id'])
@Index('audit_event_actor_idx', ['actorName', 'id'])
export class AuditEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Field(() => ID, { name: 'id', description: 'Globally unique: "AuditEvent:" and the row\'s sequence number.' })
  get nodeId(): string {
    return sequenceNodeId('AuditEvent', this.id);
  }

  @Field({ description: 'When the change was committed.' })
  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;

  @Field({ description: 'Name of the API key (or "system" for start-up and scripts).' })
  @Column({ name: 'actor_name', type: 'text' })
  actorName: string;

  @Column({ name: 'actor_key_id', type: 'text' })
  actorKeyId: string;

  @Field(() => AuditActionEnum, { description: 'What the change did.' })
  @Column({ type: 'text' })
  action: AuditAction;

  @Field({ description: 'PROGRAM, RULE_DRAFT, FACT, ENTITLEMENT, GRANT, OVERRIDE, API_KEY' })
  @Column({ name: 'entity_type', type: 'text' })
  entityType: string;

  @Field({ description: 'The key or id of the thing changed.' })
  @Column({ name: 'entity_key', type: 'text' })
  entityKey: string;

  @Field(() => JSONScalar, { nullable: true, description: 'The changed thing before the change, as JSON; null for a creation.' })
  @Column({ type: 'jsonb', nullable: true })
  before: unknown;

  @Field(() => JSONScalar, { nullable: true, description: 'The changed thing after the change, as JSON; null for a deletion.' })
  @Column({ type: 'jsonb', nullable: true })
  after: unknown;

  @Field(() => String, { nullable: true, description: 'The id of the request that made the change (its x-request-id), to find its log lines.' })
  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;
}
