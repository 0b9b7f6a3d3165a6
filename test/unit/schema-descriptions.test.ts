import fs from 'node:fs';
import { OPERATORS } from '../../src/rules/rule-schema';
import { GraphQLEnumType, buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isSpecifiedScalarType } from 'graphql';

/** Everything public in the schema without a description: what an IDE hover would show empty. */
function undescribed(sdl: string): string[] {
  const schema = buildSchema(sdl);
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
    const root = type === schema.getQueryType() || type === schema.getMutationType() || type === schema.getSubscriptionType();
    if (!type.description && !root) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
  }
  return missing;
}

describe('documented schema', () => {
  it('describes every type, field, argument and enum value (IDE hovers are never empty)', () => {
    expect(undescribed(fs.readFileSync('schema/schema.graphql', 'utf8'))).toEqual([]);
  });

  it('finds what lacks a description', () => {
    expect(undescribed(`"""Q""" type Query { """a""" a(x: Int): E  b: Int } enum E { """one""" ONE TWO }`)).toEqual(['Query.a(x)', 'Query.b', 'E', 'E.TWO']);
  });

  it('ConditionOperator lists exactly the operators the validator accepts', () => {
    const schema = buildSchema(fs.readFileSync('schema/schema.graphql', 'utf8'));
    const values = (schema.getType('ConditionOperator') as GraphQLEnumType).getValues().map((v) => v.name);
    expect([...values].sort()).toEqual([...OPERATORS].sort());
  });
});
