import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const SCHEMA_FILE = path.resolve('schema/schema.graphql');
const SCALARS = { DateTime: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' };

/**
 * What a frontend team writes first against Strata, in Relay's form: the tier dashboard,
 * the customer list by tier paged both ways (@connection), the customer card refetched by
 * id (@refetchable on Customer), the integrators' batch read and the draft editor.
 */
const RELAY_FILES: Record<string, string> = {
  'TierDashboard.ts': `
    graphql\`query TierDashboardQuery {
      tierPrograms { id key name retired tiers { id key name rank } distribution { tierKey count share } latestRetierJob { id status processed total } }
    }\`;`,
  'CustomerList.ts': `
    graphql\`fragment CustomerList_query on Query
      @refetchable(queryName: "CustomerListPaginationQuery")
      @argumentDefinitions(
        programKey: { type: "String" }
        tierKey: { type: "String" }
        first: { type: "Int" }
        after: { type: "String" }
        last: { type: "Int" }
        before: { type: "String" }
      ) {
      customers(filter: { programKey: $programKey, tierKey: $tierKey }, first: $first, after: $after, last: $last, before: $before)
        @connection(key: "CustomerList_customers", filters: ["filter"]) {
        totalCount
        edges { node { id externalId name ...CustomerCard_customer } }
      }
    }\`;
    graphql\`query CustomerListQuery($programKey: String, $tierKey: String) {
      ...CustomerList_query @arguments(programKey: $programKey, tierKey: $tierKey, first: 20)
    }\`;`,
  'CustomerCard.ts': `
    graphql\`fragment CustomerCard_customer on Customer
      @refetchable(queryName: "CustomerCardRefetchQuery")
      @argumentDefinitions(historyFirst: { type: "Int", defaultValue: 10 }, historyAfter: { type: "String" }) {
      id externalId name segment version facts updatedAt
      tiers { program { id key } tier { id key name } source ruleVersion explanation { matchedTierKey nextTier { tierKey requirements { message } } } }
      entitlements { key value source programKey tierKey }
      tierHistory(first: $historyFirst, after: $historyAfter) @connection(key: "CustomerCard_tierHistory") { edges { node { id programKey fromTierKey toTierKey cause at } } }
    }\`;
    graphql\`query CustomerCardQuery($id: ID!) { customer(id: $id) { ...CustomerCard_customer } }\`;`,
  'BatchEntitlements.ts': `
    graphql\`query BatchEntitlementsQuery($externalIds: [String!]!) {
      customerEntitlements(externalIds: $externalIds) { customerId externalId found customer { id name } entitlements { key value source } }
    }\`;`,
  'DraftEditor.ts': `
    graphql\`query DraftEditorQuery($id: ID!) {
      ruleDraft(id: $id) {
        id revision status document program { id key name }
        validation { publishable errors { code field message } warnings { code field message } testResults { name passed actualTierKey } }
        diff { from to tiers { tierKey change lines } }
      }
    }\`;
    graphql\`mutation DraftEditorUpdateMutation($id: ID!, $revision: Int!, $document: JSONObject!) {
      ruleDraftUpdate(id: $id, revision: $revision, document: $document) { draft { id revision document } userErrors { code field message } }
    }\`;`,
};

/** The same screens as a graphql-codegen client would write them (no Relay directives). */
const CODEGEN_OPERATIONS = `
  query TierDashboard { tierPrograms { id key name tiers { id key rank } distribution { tierKey count share } } }
  query CustomersInTier($programKey: String!, $tierKey: String, $first: Int, $after: String, $last: Int, $before: String) {
    customers(filter: { programKey: $programKey, tierKey: $tierKey }, first: $first, after: $after, last: $last, before: $before) {
      totalCount edges { cursor node { id externalId name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
  query CustomerCard($id: ID!) {
    node(id: $id) { id ... on Customer { externalId name facts updatedAt tiers { tier { id key } source } entitlements { key value source } } }
  }
  query BatchEntitlements($externalIds: [String!]!) { customerEntitlements(externalIds: $externalIds) { customerId externalId found entitlements { key value } } }
  mutation LoadCustomers($inputs: [CustomerUpsertInput!]!) { customersUpsert(inputs: $inputs) { results { externalId userErrors { code field message } } userErrors { code message } } }
  mutation DraftUpdate($id: ID!, $revision: Int!, $document: JSONObject!) { ruleDraftUpdate(id: $id, revision: $revision, document: $document) { draft { id revision } userErrors { code field message } } }
  mutation DraftTierUpdate($id: ID!, $revision: Int!, $tierKey: String!, $tier: TierInput!) {
    ruleDraftTierUpdate(id: $id, revision: $revision, tierKey: $tierKey, tier: $tier) {
      draft { id revision tiers { key name rank conditions entitlements { key typedValue { type display unit } } } validation { testResults { name passed actualTier { key name } } } }
      userErrors { code field message }
    }
  }
`;

/**
 * graphql-codegen run as its CLI runs a preset, in a process of its own: its plugins
 * require ES modules, which Node loads and jest's module system does not.
 */
const CODEGEN_RUNNER = `
  const fs = require('node:fs');
  const { buildSchema, parse } = require('graphql');
  const { codegen } = require('@graphql-codegen/core');
  const { preset } = require('@graphql-codegen/client-preset');
  const [schemaFile, documentsFile, out, scalars] = process.argv.slice(1);
  (async () => {
    const text = fs.readFileSync(schemaFile, 'utf8');
    const sections = await preset.buildGeneratesSection({
      baseOutputDir: out, schema: parse(text), schemaAst: buildSchema(text),
      documents: [{ location: documentsFile, rawSDL: fs.readFileSync(documentsFile, "utf8"), document: parse(fs.readFileSync(documentsFile, "utf8")) }],
      config: { strictScalars: true, scalars: JSON.parse(scalars), useTypeImports: true },
      presetConfig: { fragmentMasking: false }, plugins: [], pluginMap: {},
    });
    fs.mkdirSync(out, { recursive: true });
    for (const section of sections) fs.writeFileSync(section.filename, await codegen(section));
    process.stdout.write(JSON.stringify(sections.map((s) => s.filename)));
  })().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

describe("a frontend team's tools accept the schema", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-frontend-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('relay-compiler compiles the typical screens, @connection and @refetchable included', () => {
    const project = path.join(dir, 'relay');
    fs.mkdirSync(path.join(project, 'src'), { recursive: true });
    for (const [file, text] of Object.entries(RELAY_FILES)) fs.writeFileSync(path.join(project, 'src', file), `import { graphql } from 'react-relay';\n${text}\n`);
    fs.writeFileSync(
      path.join(project, 'relay.config.json'),
      JSON.stringify({ src: './src', schema: SCHEMA_FILE, language: 'typescript', customScalarTypes: SCALARS, eagerEsModules: true }),
    );
    const run = spawnSync(process.execPath, [require.resolve('relay-compiler/cli.js')], { cwd: project, encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}`;
    expect({ status: run.status, errors: output.includes('[ERROR]') ? output : '' }).toEqual({ status: 0, errors: '' });
    const artifacts = fs.readdirSync(path.join(project, 'src', '__generated__'));
    expect(artifacts).toEqual(expect.arrayContaining(['CustomerListPaginationQuery.graphql.ts', 'CustomerCardRefetchQuery.graphql.ts', 'CustomerList_query.graphql.ts']));
  });

  it('graphql-codegen (client preset, strictScalars) generates types that type-check', async () => {
    const out = path.join(dir, 'gql') + '/';
    const documents = path.join(dir, 'operations.graphql');
    fs.writeFileSync(documents, CODEGEN_OPERATIONS);
    const run = spawnSync(process.execPath, ['-e', CODEGEN_RUNNER, SCHEMA_FILE, documents, out, JSON.stringify(SCALARS)], { cwd: process.cwd(), encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const generated: string[] = JSON.parse(run.stdout);
    const usage = path.join(dir, 'usage.ts');
    fs.writeFileSync(
      usage,
      `import type { CustomersInTierQuery, LoadCustomersMutationVariables, UserErrorCode } from './gql/graphql';
       const page = {} as CustomersInTierQuery;
       export const more: boolean = page.customers.pageInfo.hasPreviousPage;
       export const code: UserErrorCode = 'NOT_FOUND';
       export const load: LoadCustomersMutationVariables = { inputs: [{ externalId: 'crm-1', name: 'N', facts: { balance: 1 } }] };`,
    );
    const program = ts.createProgram([usage, ...generated.filter((f) => f.endsWith('.ts'))], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      typeRoots: [path.resolve('node_modules/@types')],
      baseUrl: path.resolve('.'),
      paths: { '@graphql-typed-document-node/core': [path.resolve('node_modules/@graphql-typed-document-node/core')] },
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });
});
