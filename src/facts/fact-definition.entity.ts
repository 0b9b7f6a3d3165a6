import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { FactType } from './fact-types';

export enum FactTypeEnum {
  NUMBER = 'NUMBER',
  STRING = 'STRING',
  BOOLEAN = 'BOOLEAN',
  DATE = 'DATE',
  STRING_LIST = 'STRING_LIST',
}
registerEnumType(FactTypeEnum, { name: 'FactType', description: 'DATE values are ISO 8601 strings.', valuesConfig: { NUMBER: { description: 'A finite number.' }, STRING: { description: 'Text of up to 1,000 characters.' }, BOOLEAN: { description: 'true or false.' }, DATE: { description: 'An ISO 8601 date or date-time string.' }, STRING_LIST: { description: 'Up to 100 strings.' } } });

/** A fact the catalog allows on customers, with its type. */
@ObjectType({ description: 'A catalog entry: a fact customers carry and rules compare.' })
@Entity('fact_definition')
export class FactDefinition {
  @Field({ description: 'The catalog key facts and rules use.' })
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Field(() => FactTypeEnum, { description: 'The type of every value of this fact.' })
  @Column({ type: 'text' })
  type: FactType;

  @Field(() => String, { nullable: true, description: 'What the fact measures.' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. CNY, months' })
  @Column({ type: 'text', nullable: true })
  unit: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
