import { Field, Float, ObjectType, registerEnumType } from 'type-graphql';
import { ValueKind, displayValue } from '../engine';

export enum ValueType {
  BOOLEAN = 'BOOLEAN',
  NUMBER = 'NUMBER',
  STRING = 'STRING',
  DATE = 'DATE',
  STRING_LIST = 'STRING_LIST',
}
registerEnumType(ValueType, {
  name: 'ValueType',
  description: 'The type of a fact or entitlement value: which field of TypedValue holds it.',
  valuesConfig: {
    BOOLEAN: { description: 'In boolean.' },
    NUMBER: { description: 'In number, with unit.' },
    STRING: { description: 'In string.' },
    DATE: { description: 'In string, as an ISO 8601 date or date-time.' },
    STRING_LIST: { description: 'In strings.' },
  },
});

/** A catalog value typed, so a screen shows "50 %" or "yes" without reading the catalog. */
@ObjectType({ description: 'A value with its type: read the field its type names, or display.' })
export class TypedValue {
  @Field(() => ValueType, { description: 'Which field holds the value.' })
  type: ValueType;

  @Field(() => Boolean, { nullable: true, description: 'The value of a BOOLEAN.' })
  boolean: boolean | null;

  @Field(() => Float, { nullable: true, description: 'The value of a NUMBER.' })
  number: number | null;

  @Field(() => String, { nullable: true, description: 'The value of a STRING or DATE.' })
  string: string | null;

  @Field(() => [String], { nullable: true, description: 'The value of a STRING_LIST.' })
  strings: string[] | null;

  @Field(() => String, { nullable: true, description: "The NUMBER's unit from the catalog, e.g. % or CNY." })
  unit: string | null;

  @Field({ description: 'The value as a person reads it, e.g. "50 %", "2 hours", "yes".' })
  display: string;
}

/** `value` typed as the catalog says (`kind`, `unit`). */
export function typedValue(kind: ValueKind, value: unknown, unit: string | null): TypedValue {
  return Object.assign(new TypedValue(), {
    type: kind as ValueType,
    boolean: kind === 'BOOLEAN' && typeof value === 'boolean' ? value : null,
    number: kind === 'NUMBER' && typeof value === 'number' ? value : null,
    string: (kind === 'STRING' || kind === 'DATE') && typeof value === 'string' ? value : null,
    strings: kind === 'STRING_LIST' && Array.isArray(value) ? value.map(String) : null,
    unit: kind === 'NUMBER' ? unit : null,
    display: displayValue(kind, value, unit),
  });
}
