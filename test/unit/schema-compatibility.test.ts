import fs from 'node:fs';
import { CURRENT_SCHEMA_FILE, RELEASED_SCHEMA_FILE, breakingChanges } from '../../scripts/schema-compatibility';

describe('breaking-change discipline (docs/api.md)', () => {
  it('the schema breaks nothing a client of the released contract uses (deprecate first; npm run schema:release)', async () => {
    expect(await breakingChanges(fs.readFileSync(RELEASED_SCHEMA_FILE, 'utf8'), fs.readFileSync(CURRENT_SCHEMA_FILE, 'utf8'))).toEqual([]);
  });

  it('catches a removed field and a narrowed type, and lets a deprecated field go', async () => {
    const released = `type Query { a: String  b: Int!  old: String @deprecated(reason: "use a") }`;
    expect(await breakingChanges(released, `type Query { a: String  b: Int! }`)).toEqual([]);
    expect(await breakingChanges(released, `type Query { b: Int!  old: String @deprecated(reason: "use a") }`)).toEqual([expect.stringContaining("'a' was removed")]);
    expect(await breakingChanges(released, `type Query { a: String  b: Int  old: String @deprecated(reason: "use a") }`)).toEqual([expect.stringMatching(/Query\.b.*changed type/)]);
  });
});
