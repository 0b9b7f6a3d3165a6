import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { EntitlementDefinition } from '../catalog/entitlement-definition.entity';
import { JSONScalar } from '../shared/scalars';
import { Tier } from './tier.entity';

/** The value of one entitlement that a tier gives. */
@ObjectType({ description: 'The value of one entitlement that a tier gives.' })
@Entity('tier_entitlement')
export class TierEntitlement {
  @PrimaryColumn({ name: 'tier_id', type: 'uuid' })
  tierId: string;

  @ManyToOne(() => Tier, (t) => t.entitlements, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tier_id' })
  tier?: Tier;

  @PrimaryColumn({ name: 'entitlement_key', type: 'text' })
  entitlementKey: string;

  @Field(() => EntitlementDefinition, { description: 'The catalog entry.' })
  @ManyToOne(() => EntitlementDefinition, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'entitlement_key' })
  entitlement: EntitlementDefinition;

  @Field(() => JSONScalar, { description: 'The value the tier gives, typed by the catalog.' })
  @Column({ type: 'jsonb' })
  value: unknown;
}
