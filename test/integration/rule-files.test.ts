import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportRuleFiles, importRuleFiles } from '../../src/authoring/rule-files';
import { Role } from '../../src/shared/role';
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
      differing: [],
      drafted: {},
    });
  });

  it('reads files written in the older rule: { conditions } shape as the same program', async () => {
    const older = (file: string) => {
      const program = read(file);
      program.tiers = program.tiers.map(({ conditions, ...tier }: { conditions: unknown }) => ({ ...tier, rule: { conditions } }));
      return program;
    };
    const olderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-older-rules-'));
    try {
      for (const file of fs.readdirSync(dir)) fs.writeFileSync(path.join(olderDir, file), JSON.stringify(file === 'catalog.json' ? read(file) : older(file)));
      expect((await importRuleFiles(app.systemContext(), app.strata.services, olderDir)).unchanged).toEqual(['corporate-banking', 'retail-bank', 'telecom-group']);
    } finally {
      fs.rmSync(olderDir, { recursive: true, force: true });
    }
  });

  it('opens a draft for a changed file, validated like an API edit', async () => {
    const retail = read('retail-bank.json');
    retail.tiers[0].conditions.all[0].value = 600_000;
    fs.writeFileSync(path.join(dir, 'retail-bank.json'), JSON.stringify(retail));
    const result = await importRuleFiles(app.systemContext(), app.strata.services, dir);
    const draft = await app.gql(`query($id: ID!) { ruleDraft(id: $id) { status diff { tiers { tierKey lines } } } }`, { id: result.drafted['retail-bank'] });
    expect(draft.data.ruleDraft.status).toBe('EDITING');
    expect(draft.data.ruleDraft.diff.tiers[0]).toEqual({ tierKey: 'A', lines: ['rule: balance ≥ 500,000 → balance ≥ 600,000'] });
    await app.gql(`mutation($id: ID!) { ruleDraftDiscard(id: $id, revision: 2) { userErrors { message } } }`, { id: result.drafted['retail-bank'] });
    retail.tiers[0].conditions.all[0].value = 500_000;
    fs.writeFileSync(path.join(dir, 'retail-bank.json'), JSON.stringify(retail));
  });

  it('takes a reviewed file change through approval to a finished re-tier job, over GraphQL', async () => {
    const [editor, approver] = await Promise.all([app.keyWithRoles(Role.EDITOR), app.keyWithRoles(Role.APPROVER)]);
    const telecom = read('telecom-group.json');
    telecom.tiers[0].name = 'Strategic (A1)';
    fs.writeFileSync(path.join(dir, 'telecom-group.json'), JSON.stringify(telecom));
    const { drafted } = await importRuleFiles(app.systemContext(), app.strata.services, dir);
    const id = drafted['telecom-group'];
    // The import's system actor edited it last, so the editor may submit and the approver approve.
    await app.gql(`mutation($id: ID!) { ruleDraftSubmit(id: $id, revision: 2) { userErrors { message } } }`, { id }, editor);
    await app.gql(`mutation($id: ID!) { ruleDraftApprove(id: $id, revision: 3) { userErrors { message } } }`, { id }, approver);
    const published = await app.gql(`mutation($id: ID!) { ruleDraftPublish(id: $id) { retierJob { id } userErrors { message } } }`, { id }, approver);
    const jobId = published.data.ruleDraftPublish.retierJob.id;
    let job: { status: string; processed: number; total: number } | undefined;
    for (let i = 0; i < 100 && job?.status !== 'DONE'; i += 1) {
      job = (await app.gql(`query($id: ID!) { retierJob(id: $id) { status processed total } }`, { id: jobId }, editor)).data.retierJob;
      if (job?.status !== 'DONE') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(job).toEqual({ status: 'DONE', processed: job!.total, total: job!.total });
    const program = await app.gql(`{ tierProgram(key: "telecom-group") { publishedVersion { version } tiers { name } } }`);
    expect([program.data.tierProgram.publishedVersion.version, program.data.tierProgram.tiers[0].name]).toEqual([2, 'Strategic (A1)']);
  });

  it('refuses an invalid file naming the file and the place, and stores nothing', async () => {
    const retail = read('retail-bank.json');
    retail.tiers[1].conditions.all[0].fact = 'balanse';
    fs.writeFileSync(path.join(dir, 'retail-bank.json'), JSON.stringify(retail));
    await expect(importRuleFiles(app.systemContext(), app.strata.services, dir)).rejects.toThrow(
      /retail-bank\.json: document\.tiers\.1\.conditions\.all\.0\.fact: unknown fact "balanse"/,
    );
    const [{ n }] = await app.db.dataSource.query(`SELECT count(*)::int AS n FROM rule_draft WHERE status = 'EDITING'`);
    expect(n).toBe(0);
  });
});
