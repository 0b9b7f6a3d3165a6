import fs from 'node:fs';
import path from 'node:path';
import { NO_SUCH_ID } from './schema-operations';

/** A GraphQL operation the docs show, with the variables it is shown with. */
export interface DocOperation {
  /** File and line, for failures. */
  at: string;
  query: string;
  variables?: Record<string, unknown>;
}

/**
 * Every operation README.md and docs/*.md show: the README's `gql '…'` calls (JSON bodies;
 * shell variables spliced in as `'"$ID"'` stand for an id) and every ```graphql block.
 */
export function docOperations(): DocOperation[] {
  const files = ['README.md', ...fs.readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];
  const found: DocOperation[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const lineOf = (index: number) => `${file}:${text.slice(0, index).split('\n').length}`;
    for (const m of text.matchAll(/gql '(\{"query".*\})'/g)) {
      const body = JSON.parse(m[1].replace(/'"\$[A-Z_]+"'/g, NO_SUCH_ID)) as { query: string; variables?: Record<string, unknown> };
      found.push({ at: lineOf(m.index!), ...body });
    }
    for (const m of text.matchAll(/```graphql\n([\s\S]*?)```/g)) found.push({ at: lineOf(m.index!), query: m[1] });
  }
  return found;
}
