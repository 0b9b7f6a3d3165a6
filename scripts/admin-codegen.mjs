// Types for the console's operations (src/admin/operations/*.graphql), checked against
// schema/schema.graphql: graphql-codegen's client preset, run as its CLI runs a preset
// (the CLI's remote loaders need Node 22). Writes src/admin/gql/, which is not committed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse } from 'graphql';
import { codegen } from '@graphql-codegen/core';
import { preset } from '@graphql-codegen/client-preset';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const schemaText = fs.readFileSync(path.join(root, 'schema/schema.graphql'), 'utf8');
const operationsDir = path.join(root, 'src/admin/operations');
const documents = fs
  .readdirSync(operationsDir)
  .filter((file) => file.endsWith('.graphql'))
  .sort()
  .map((file) => {
    const location = path.join(operationsDir, file);
    const rawSDL = fs.readFileSync(location, 'utf8');
    return { location, rawSDL, document: parse(rawSDL) };
  });
const out = path.join(root, 'src/admin/gql') + '/';
const sections = await preset.buildGeneratesSection({
  baseOutputDir: out,
  schema: parse(schemaText),
  schemaAst: buildSchema(schemaText),
  documents,
  config: {
    strictScalars: true,
    scalars: { DateTime: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
    useTypeImports: true,
    // Documents as strings: the browser needs no GraphQL library to send them.
    documentMode: 'string',
    enumsAsTypes: true,
  },
  presetConfig: { fragmentMasking: false },
  plugins: [],
  pluginMap: {},
});
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
for (const section of sections) fs.writeFileSync(section.filename, await codegen(section));
