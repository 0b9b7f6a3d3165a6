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
registerEnumType(FactTypeEnum, { name: 'FactType', description: 'DATE values are ISO 8601 strings.' });

/** A fact the catalog allows on customers, with its type. */
@ObjectType()
@Entity('fact_definition')
export class FactDefinition {
  @Field()
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Field(() => FactTypeEnum)
  @Column({ type: 'text' })
  type: FactType;

  @Field(() => String, { nullable: true })
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
