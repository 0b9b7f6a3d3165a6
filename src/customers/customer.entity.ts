import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../shared/node';
import { JSONObjectScalar } from '../shared/scalars';

/** A customer with the facts integrators push; tiers are derived from the facts. */
@ObjectType({ implements: Node })
@Entity('customer')
export class Customer {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: "The integrator's own identifier; unique." })
  @Index('customer_external_id_key', { unique: true })
  @Column({ name: 'external_id', type: 'text' })
  externalId: string;

  @Field()
  @Column({ type: 'text' })
  name: string;

  @Field(() => String, { nullable: true })
  @Index('customer_segment_idx')
  @Column({ type: 'text', nullable: true })
  segment: string | null;

  @Field(() => JSONObjectScalar, { description: 'Fact catalog key → value.' })
  @Column({ type: 'jsonb', default: () => "'{}'" })
  facts: Record<string, unknown>;

  @Field(() => Int, { description: 'Incremented on every write.' })
  @Column({ type: 'integer', default: 1 })
  version: number;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field()
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
