import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportRuleFiles, importRuleFiles } from '../../src/programs/program-files';
import { TestApp, startTestApp } from '../helpers/app';

describe('rules as files: export and import', () => {
  let app: TestApp;
  let dir: string;
  beforeAll(async () => {
    app = await startTestApp();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-rules-'));
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));

  it('exports what rules/ loaded, and importing it back changes nothing', async () => {
    const { files } = await exportRuleFiles(app.systemContext(), app.strata.services, dir);
    expect(files.sort()).toEqual(['catalog.json', 'corporate-banking.json', 'retail-bank.json', 'telecom-group.json']);
    const source = JSON.parse(fs.readFileSync('rules/retail-bank.json', 'utf8'));
    expect(read('retail-bank.json')).toEqual(source);
    expect(await importRuleFiles(app.systemContext(), app.strata.services, dir)).toEqual({
      created: [],
      unchanged: ['corporate-banking', 'retail-bank', 'telecom-group'],
      drafted: {},
    });
  });

  it('opens a draft for a changed file, validated like an API edit', async () => {
    const retail = read('retail-bank.json');
    retail.tiers[0].rule.conditions.all[0].value = 600_000;
    fs.writeFileSync(path.join(dir, 'retail-bank.json'), JSON.stringify(retail));
    const result = await importRuleFiles(app.systemContext(), app.strata.services, dir);
    const draft = await app.gql(`query($id: ID!) { ruleDraft(id: $id) { status diff { tiers { tierKey lines } } } }`, { id: result.drafted['retail-bank'] });
    expect(draft.data.ruleDraft.status).toBe('EDITING');
    expect(draft.data.ruleDraft.diff.tiers[0]).toEqual({ tierKey: 'A', lines: ['rule: balance ≥ 500,000 → balance ≥ 600,000'] });
    await app.gql(`mutation($id: ID!) { ruleDraftDiscard(id: $id, revision: 2) { userErrors { message } } }`, { id: result.drafted['retail-bank'] });
  });

  it('refuses an invalid file naming the file and the place, and stores nothing', async () => {
    const retail = read('retail-bank.json');
    retail.tiers[1].rule.conditions.all[0].fact = 'balanse';
    fs.writeFileSync(path.join(dir, 'retail-bank.json'), JSON.stringify(retail));
    await expect(importRuleFiles(app.systemContext(), app.strata.services, dir)).rejects.toThrow(
      /retail-bank\.json: document\.tiers\.1\.rule\.conditions\.all\.0\.fact: unknown fact "balanse"/,
    );
    const [{ n }] = await app.db.dataSource.query(`SELECT count(*)::int AS n FROM rule_draft WHERE status = 'EDITING'`);
    expect(n).toBe(0);
  });
});
