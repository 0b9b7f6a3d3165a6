import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../shared/node';
import { JSONObjectScalar } from '../shared/scalars';

/** A customer with the facts integrators push; tiers are derived from the facts. */
@ObjectType({ implements: Node, description: 'A customer with the facts integrators push; its tiers and entitlements are derived from them.' })
@Entity('customer')
// Expression indexes TypeORM cannot describe: made by migration 1764835200000, left alone by it.
@Index('customer_name_prefix_idx', { synchronize: false })
@Index('customer_external_id_prefix_idx', { synchronize: false })
@Index('customer_name_order_idx', ['name', 'id'])
@Index('customer_updated_order_idx', ['updatedAt', 'id'])
export class Customer {
  @Field(() => ID, { description: 'Strata\'s id of the customer (a UUID, globally unique); every customer write takes it, or your externalId.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: "The integrator's own identifier; unique." })
  @Index('customer_external_id_key', { unique: true })
  @Column({ name: 'external_id', type: 'text' })
  externalId: string;

  @Field({ description: 'Display name.' })
  @Column({ type: 'text' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Free-form grouping of your own, e.g. retail or sme; lists filter by it.' })
  @Index('customer_segment_idx')
  @Column({ type: 'text', nullable: true })
  segment: string | null;

  @Field(() => JSONObjectScalar, { description: 'Fact catalog key → value.' })
  @Column({ type: 'jsonb', default: () => "'{}'" })
  facts: Record<string, unknown>;

  @Field(() => Int, { description: 'Incremented on every write.' })
  @Column({ type: 'integer', default: 1 })
  version: number;

  @Field({ description: 'When Strata first stored the customer.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'When the customer was last written.' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
