import fs from 'node:fs';
import { OperationDefinitionNode, buildSchema, parse, validate } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { docOperations } from '../helpers/doc-operations';

/** Every operation the README and docs/ show parses and validates against the checked-in schema. */
describe('GraphQL operations in the docs', () => {
  const schema = buildSchema(fs.readFileSync('schema/schema.graphql', 'utf8'));
  const operations = docOperations();

  it('finds the README and docs operations', () => {
    expect(operations.filter((o) => o.at.startsWith('README.md')).length).toBeGreaterThan(15);
    expect(operations.filter((o) => o.at.startsWith('docs/')).length).toBeGreaterThan(1);
  });

  it.each(operations.map((o) => [o.at, o] as const))('%s validates, its variables included', (_at, { query, variables }) => {
    expect(query).not.toMatch(/<[a-z ]+>|…/);
    const document = parse(query);
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    if (variables) {
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
      expect(coerced.errors?.map((e) => e.message) ?? []).toEqual([]);
    }
  });
});
