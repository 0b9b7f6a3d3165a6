import fs from 'node:fs';
import Ajv from 'ajv';
import { printSchema } from 'graphql';
import { programSchema } from '../../src/rules/rule-schema';
import { buildStrataSchema } from '../../src/schema';

describe('schema/schema.graphql', () => {
  it('is the SDL the code generates (run `npm run schema:emit` after changing the API)', async () => {
    const schema = await buildStrataSchema({ get: () => undefined });
    expect(fs.readFileSync('schema/schema.graphql', 'utf8')).toBe(printSchema(schema) + '\n');
  });
});

describe('schema/rule-document.schema.json', () => {
  const fileSchema = programSchema({ file: true, rules: 'full' });

  it('is the JSON Schema the code generates (run `npm run schema:emit` after changing it)', () => {
    expect(JSON.parse(fs.readFileSync('schema/rule-document.schema.json', 'utf8'))).toEqual(fileSchema);
  });

  it('accepts every program file in rules/ and refuses a broken one', () => {
    const validate = new Ajv({ strict: false }).compile(fileSchema);
    const files = fs.readdirSync('rules').filter((f) => f.endsWith('.json') && f !== 'catalog.json');
    for (const file of files) expect([file, validate(JSON.parse(fs.readFileSync(`rules/${file}`, 'utf8'))), validate.errors]).toEqual([file, true, null]);
    const broken = JSON.parse(fs.readFileSync('rules/retail-bank.json', 'utf8'));
    broken.tiers[0].conditions.all[0].operator = 'atLeast';
    expect(validate(broken)).toBe(false);
  });
});
