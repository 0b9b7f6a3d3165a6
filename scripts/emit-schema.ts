import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printSchema } from 'graphql';
import { buildStrataSchema } from '../src/schema';

export const SCHEMA_FILE = path.resolve(__dirname, '../../schema/schema.graphql');

/** Writes the SDL that the code generates; a test fails when the committed copy is stale. */
async function main(): Promise<void> {
  const schema = await buildStrataSchema({ get: () => undefined });
  fs.writeFileSync(SCHEMA_FILE, printSchema(schema) + '\n');
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}

void main();
