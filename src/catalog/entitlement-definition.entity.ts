import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Better, EntitlementValueType } from '../engine';

export enum EntitlementValueTypeEnum {
  BOOLEAN = 'BOOLEAN',
  NUMBER = 'NUMBER',
  STRING = 'STRING',
}
registerEnumType(EntitlementValueTypeEnum, { name: 'EntitlementValueType' });

export enum BetterEnum {
  HIGHER = 'HIGHER',
  LOWER = 'LOWER',
}
registerEnumType(BetterEnum, { name: 'Better', description: 'Which way a number is more generous.' });

/** A service the catalog offers (dedicated manager, fee discount %, response hours …). */
@ObjectType()
@Entity('entitlement_definition')
export class EntitlementDefinition {
  @Field()
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Field()
  @Column({ type: 'text' })
  name: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => EntitlementValueTypeEnum)
  @Column({ name: 'value_type', type: 'text' })
  valueType: EntitlementValueType;

  @Field(() => BetterEnum, { nullable: true, description: 'Numbers only; HIGHER when unset.' })
  @Column({ type: 'text', nullable: true })
  better: Better | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
