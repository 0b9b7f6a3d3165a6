import fs from 'node:fs';
import { printSchema } from 'graphql';
import { buildStrataSchema } from '../../src/schema';

describe('schema/schema.graphql', () => {
  it('is the SDL the code generates (run `npm run schema:emit` after changing the API)', async () => {
    const schema = await buildStrataSchema({ get: () => undefined });
    expect(fs.readFileSync('schema/schema.graphql', 'utf8')).toBe(printSchema(schema) + '\n');
  });
});
