import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../shared/node';
import { JSONObjectScalar } from '../shared/scalars';
import { RuleSetVersion } from './rule-set-version.entity';
import { TierEntitlement } from './tier-entitlement.entity';

/** A rung of a program's ladder, as of one rule-set version. */
@ObjectType({ implements: Node, description: 'A rung of a program\'s ladder as one version has it: its conditions and what it gives.' })
@Entity('tier')
@Index('tier_version_key_key', ['ruleSetVersionId', 'key'], { unique: true })
@Index('tier_version_rank_key', ['ruleSetVersionId', 'rank'], { unique: true })
export class Tier {
  @Field(() => ID, { description: 'Globally unique (a UUID).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'rule_set_version_id', type: 'uuid' })
  ruleSetVersionId: string;

  @ManyToOne(() => RuleSetVersion, (v) => v.tiers, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'rule_set_version_id' })
  ruleSetVersion?: RuleSetVersion;

  @Field({ description: 'The tier key, unique within the program, e.g. A.' })
  @Column({ type: 'text' })
  key: string;

  @Field({ description: 'Display name.' })
  @Column({ type: 'text' })
  name: string;

  @Field(() => Int, { description: 'Higher is better.' })
  @Column({ type: 'integer' })
  rank: number;

  @Field(() => JSONObjectScalar, {
    description: "Who earns the tier: a condition tree in the bare { all | any | not } shape of appliesTo, RuleOutcome.conditions and EvaluatedCondition paths.",
  })
  @Column({ type: 'jsonb' })
  conditions: Record<string, unknown>;

  @Field(() => [TierEntitlement], { description: 'What the tier gives.' })
  @OneToMany(() => TierEntitlement, (e) => e.tier)
  entitlements: TierEntitlement[];
}
