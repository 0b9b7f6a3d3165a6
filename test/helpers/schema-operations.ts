import { GraphQLArgument, GraphQLField, GraphQLInputType, GraphQLObjectType, GraphQLSchema, getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType } from 'graphql';

/** Operations generated from the schema, for tests that must cover every root field. */

export type RootKind = 'query' | 'mutation';

export const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

const SCALARS: Record<string, unknown> = { ID: NO_SUCH_ID, String: 'sample', Int: 1, Float: 1, Boolean: true, DateTime: '2099-01-01T00:00:00Z', JSON: { a: 1 }, JSONObject: { a: 1 } };

/**
 * A value of `type` that passes GraphQL's own coercion: input objects with their required
 * fields, or with every field when `allFields` (so each place in them can be tried).
 */
export function sample(type: GraphQLInputType, allFields = false): unknown {
  if (isNonNullType(type)) return sample(type.ofType, allFields);
  if (isListType(type)) return [sample(type.ofType, allFields)];
  // The name a client sends, which may differ from the value resolvers see (EventType's wire names).
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => allFields || isNonNullType(f.type));
    return Object.fromEntries(fields.map((f) => [f.name, sample(f.type, allFields)]));
  }
  if (isScalarType(type) && type.name in SCALARS) return SCALARS[type.name];
  throw new Error(`no sample for ${String(type)}`);
}

/** An operation calling `field` with `args` as variables of their own names, `__typename` selected. */
export function operation(kind: RootKind, field: GraphQLField<unknown, unknown>, args: readonly GraphQLArgument[]): string {
  const declared = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const named = getNamedType(field.type);
  const selection = isScalarType(named) || isEnumType(named) ? '' : ' { __typename }';
  return `${kind}${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`;
}

export function rootFields(schema: GraphQLSchema): { kind: RootKind; field: GraphQLField<unknown, unknown> }[] {
  const of = (kind: RootKind, type: GraphQLObjectType | null | undefined) => Object.values(type?.getFields() ?? {}).map((field) => ({ kind, field }));
  return [...of('query', schema.getQueryType()), ...of('mutation', schema.getMutationType())];
}
