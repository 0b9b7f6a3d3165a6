import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Better, EntitlementValueType } from '../engine';

export enum EntitlementValueTypeEnum {
  BOOLEAN = 'BOOLEAN',
  NUMBER = 'NUMBER',
  STRING = 'STRING',
}
registerEnumType(EntitlementValueTypeEnum, { name: 'EntitlementValueType', description: 'The type of an entitlement\'s values.', valuesConfig: { BOOLEAN: { description: 'true or false; true is more generous.' }, NUMBER: { description: 'A number; the catalog says whether higher or lower is more generous.' }, STRING: { description: 'Text of up to 1,000 characters; a grant beats a tier value.' } } });

export enum BetterEnum {
  HIGHER = 'HIGHER',
  LOWER = 'LOWER',
}
registerEnumType(BetterEnum, { name: 'Better', description: 'Which way a number is more generous.', valuesConfig: { HIGHER: { description: 'A higher number is more generous (a discount).' }, LOWER: { description: 'A lower number is more generous (a response time).' } } });

/** A service the catalog offers (dedicated manager, fee discount %, response hours …). */
@ObjectType({ description: 'A catalog entry: an entitlement tiers and grants may give.' })
@Entity('entitlement_definition')
export class EntitlementDefinition {
  @Field({ description: 'The catalog key tiers and grants use.' })
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Field({ description: 'Display name.' })
  @Column({ type: 'text' })
  name: string;

  @Field(() => String, { nullable: true, description: 'What the entitlement gives.' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => EntitlementValueTypeEnum, { description: 'The type of every value of this entitlement.' })
  @Column({ name: 'value_type', type: 'text' })
  valueType: EntitlementValueType;

  @Field(() => BetterEnum, { nullable: true, description: 'Numbers only; HIGHER when unset.' })
  @Column({ type: 'text', nullable: true })
  better: Better | null;

  @Field(() => String, { nullable: true, description: 'The unit of a NUMBER, e.g. % or hours.' })
  @Column({ type: 'text', nullable: true })
  unit: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
