import fs from 'node:fs';
import path from 'node:path';
import { CriticalityLevel, DiffRule, diff } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

export const RELEASED_SCHEMA_FILE = 'schema/released.graphql';
export const CURRENT_SCHEMA_FILE = 'schema/schema.graphql';

/**
 * What in `current` would break a client written against `released`, by GraphQL
 * Inspector's rules; removing what `released` already marked deprecated is dangerous, not
 * breaking (docs/api.md: deprecate first, remove later).
 */
export async function breakingChanges(released: string, current: string): Promise<string[]> {
  const changes = await diff(buildSchema(released), buildSchema(current), [DiffRule.suppressRemovalOfDeprecatedField]);
  return changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking).map((c) => `${c.path ?? ''}: ${c.message}`);
}

/** `npm run schema:release`: the current schema becomes the released contract, unless it breaks the last one. */
async function release(root: string): Promise<void> {
  const releasedFile = path.join(root, RELEASED_SCHEMA_FILE);
  const current = fs.readFileSync(path.join(root, CURRENT_SCHEMA_FILE), 'utf8');
  const broken = fs.existsSync(releasedFile) ? await breakingChanges(fs.readFileSync(releasedFile, 'utf8'), current) : [];
  if (broken.length) {
    process.stderr.write(`not released: ${broken.length} breaking changes against ${RELEASED_SCHEMA_FILE} (deprecate first, see docs/api.md)\n${broken.join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  fs.writeFileSync(releasedFile, current);
  process.stdout.write(`released: ${RELEASED_SCHEMA_FILE} is now ${CURRENT_SCHEMA_FILE}\n`);
}

if (require.main === module) void release(path.resolve(__dirname, '../..'));
