import { registerEnumType } from 'type-graphql';

/**
 * A GraphQL enum from codes and what each means, so every value carries its description;
 * the codes stay a TypeScript union of string literals for the code that uses them.
 */
export function describedEnum<K extends string>(name: string, description: string, values: Readonly<Record<K, string>>): { [C in K]: C } {
  const codes = Object.fromEntries(Object.keys(values).map((code) => [code, code])) as { [C in K]: C };
  registerEnumType(codes, {
    name,
    description,
    valuesConfig: Object.fromEntries(Object.entries<string>(values).map(([code, text]) => [code, { description: text }])) as never,
  });
  return codes;
}
