import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printSchema } from 'graphql';
import { programSchema } from '../src/rules/rule-schema';
import { buildStrataSchema } from '../src/schema';

export const SCHEMA_FILE = path.resolve(__dirname, '../../schema/schema.graphql');
export const RULE_SCHEMA_FILE = path.resolve(__dirname, '../../schema/rule-document.schema.json');

/** Writes the SDL and the rule-file JSON Schema the code generates; tests fail when a committed copy is stale. */
async function main(): Promise<void> {
  const schema = await buildStrataSchema({ get: () => undefined });
  fs.writeFileSync(SCHEMA_FILE, printSchema(schema) + '\n');
  fs.writeFileSync(RULE_SCHEMA_FILE, JSON.stringify(programSchema({ file: true, rules: 'full' }), null, 2) + '\n');
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)} and ${path.relative(process.cwd(), RULE_SCHEMA_FILE)}\n`);
}

void main();
