import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../shared/node';
import { TierProgram } from '../programs/tier-program.entity';

/** SQL condition: the override (table alias `o`) counts at the instant `now` (an SQL expression). Expired overrides stop counting at once. */
export function overrideActive(o: string, now: string): string {
  return `${o}.revoked_at IS NULL AND (${o}.expires_at IS NULL OR ${o}.expires_at > ${now})`;
}

/** A tier pinned by an account manager, beating the rules until it expires or is revoked. */
@ObjectType({ implements: Node, description: 'An account manager\'s pin of a customer\'s tier in a program; the rules keep running underneath.' })
@Entity('tier_override')
@Index('tier_override_active_key', ['customerId', 'programId'], { unique: true, where: 'revoked_at IS NULL' })
@Index('tier_override_pending_expiry_idx', ['expiresAt'], { where: 'expires_at IS NOT NULL AND revoked_at IS NULL AND expiry_recorded_at IS NULL' })
export class TierOverride {
  @Field(() => ID, { description: 'Globally unique (a UUID).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID, { description: 'Strata\'s id of the customer (see customer).' })
  @Column({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  // Named, not imported: customers/ depends on this folder, not the other way.
  @ManyToOne('Customer', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id' })
  customer?: object;

  @Column({ name: 'program_id', type: 'uuid' })
  programId: string;

  @ManyToOne(() => TierProgram, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'program_id' })
  program?: TierProgram;

  @Field({ description: 'The tier pinned (see tier).' })
  @Column({ name: 'tier_key', type: 'text' })
  tierKey: string;

  @Field({ description: 'Why the tier is pinned.' })
  @Column({ type: 'text' })
  reason: string;

  @Field(() => Date, { nullable: true, description: 'The override stops counting at this instant.' })
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Field({ description: 'Name of the key that set it.' })
  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @Field({ description: 'When it was set.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it was revoked; null while it stands.' })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** When its expiry was recorded (history row, audit); null until then. */
  @Column({ name: 'expiry_recorded_at', type: 'timestamptz', nullable: true })
  expiryRecordedAt: Date | null;
}
