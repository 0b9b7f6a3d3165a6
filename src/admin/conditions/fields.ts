import type { Field } from 'react-querybuilder';
import type { SummaryWords } from './summary';

export type FactType = 'NUMBER' | 'STRING' | 'BOOLEAN' | 'DATE' | 'STRING_LIST';

/** The operators the validator accepts for each fact type, as the builder offers them. */
export const OPERATORS_BY_TYPE: Record<FactType, string[]> = {
  NUMBER: ['greaterThanInclusive', 'greaterThan', 'lessThan', 'lessThanInclusive', 'equal', 'notEqual', 'in', 'notIn'],
  STRING: ['equal', 'notEqual', 'in', 'notIn'],
  BOOLEAN: ['equal', 'notEqual'],
  DATE: ['equal', 'notEqual', 'in', 'notIn'],
  STRING_LIST: ['contains', 'doesNotContain'],
};

/** The catalog's facts as the builder's fields: type and unit in the label, operators and inputs by type. */
export function fieldsOf(
  facts: readonly { key: string; type: FactType; unit: string | null; description: string | null }[],
  words: SummaryWords,
  typeNames: Record<string, string>,
): Field[] {
  return facts.map((fact) => ({
    name: fact.key,
    label: `${fact.key} (${typeNames[fact.type] ?? fact.type}${fact.unit ? `, ${fact.unit}` : ''})`,
    operators: OPERATORS_BY_TYPE[fact.type].map((name) => ({ name, value: name, label: words.operators[name] ?? name })),
    inputType: fact.type === 'NUMBER' ? 'number' : fact.type === 'DATE' ? 'date' : 'text',
    valueEditorType: fact.type === 'BOOLEAN' ? 'checkbox' : undefined,
    defaultValue: fact.type === 'BOOLEAN' ? true : fact.type === 'NUMBER' ? 0 : '',
  }));
}
