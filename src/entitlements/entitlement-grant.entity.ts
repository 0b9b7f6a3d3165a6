import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../shared/node';
import { JSONScalar } from '../shared/scalars';
import { EntitlementDefinition } from '../catalog/entitlement-definition.entity';

/** An entitlement given to one customer directly, beside what their tiers give. */
@ObjectType({ implements: Node, description: 'An entitlement value given to one customer beside its tiers.' })
@Entity('entitlement_grant')
@Index('entitlement_grant_customer_idx', ['customerId'])
@Index('entitlement_grant_pending_expiry_idx', ['expiresAt'], { where: 'expires_at IS NOT NULL AND revoked_at IS NULL AND expiry_recorded_at IS NULL' })
export class EntitlementGrant {
  @Field(() => ID, { description: 'Globally unique (a UUID).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID, { description: 'Strata\'s id of the customer the grant is for (see customer).' })
  @Column({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  // Named, not imported: customers/ depends on this folder, not the other way.
  @ManyToOne('Customer', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id' })
  customer?: object;

  @Field({ description: 'The entitlement\'s catalog key (see definition).' })
  @Column({ name: 'entitlement_key', type: 'text' })
  key: string;

  @ManyToOne(() => EntitlementDefinition, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'entitlement_key' })
  entitlement?: EntitlementDefinition;

  @Field(() => JSONScalar, { description: 'The value granted, typed by the catalog.' })
  @Column({ type: 'jsonb' })
  value: unknown;

  @Field(() => Date, { nullable: true, description: 'The grant stops counting at this instant.' })
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Field({ description: 'Why it was granted.' })
  @Column({ type: 'text' })
  reason: string;

  @Field(() => String, { nullable: true, description: 'Name of the API key that granted it.' })
  @Column({ name: 'granted_by', type: 'text', nullable: true })
  grantedBy: string | null;

  @Field({ description: 'When it was granted.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it was revoked; null while it stands.' })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** When its expiry was recorded (audit); null until then. */
  @Column({ name: 'expiry_recorded_at', type: 'timestamptz', nullable: true })
  expiryRecordedAt: Date | null;
}

/** SQL condition: the grant (table alias `g`) counts at the instant `now` (an SQL expression). */
export function grantActive(g: string, now: string): string {
  return `${g}.revoked_at IS NULL AND (${g}.expires_at IS NULL OR ${g}.expires_at > ${now})`;
}
