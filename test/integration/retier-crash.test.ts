import { setTimeout as sleep } from 'node:timers/promises';
import { Role } from '../../src/shared/role';
import { seedDemoCustomers } from '../../src/demo/seed';
import { TestApp, startTestApp } from '../helpers/app';
import { startService } from '../helpers/service-process';

const CUSTOMERS = 20_000;

/**
 * RELIABILITY.md D9: the Strata service process is killed with SIGKILL in the middle of a
 * re-tier job 3 times; a fourth process finishes the job. The tiers must equal a
 * from-scratch evaluation and the history must hold exactly one row per customer moved.
 * Runs the built service (npm test builds it first).
 */
describe('re-tier job killed mid-run', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    await seedDemoCustomers(app.systemContext(), app.strata.services, CUSTOMERS);
  });
  afterAll(() => app.close());

  /** Not waiting for readiness: the first kill may come while it starts. */
  const worker = () => startService({ DATABASE_URL: app.db.url, STRATA_RETIER_CHUNK_SIZE: '50', STRATA_SHUTDOWN_DELAY_MS: '0' }, { waitReady: false });
  const job = async (id: string) =>
    (await app.db.dataSource.query('SELECT status, changed, attempts FROM retier_job WHERE id = $1', [id]))[0] as { status: string; changed: number; attempts: number };

  async function publishChange(): Promise<{ jobId: string; version: number }> {
    const [editor, approver] = await Promise.all([app.keyWithRoles(Role.EDITOR), app.keyWithRoles(Role.APPROVER)]);
    const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id document } } }`, {}, editor);
    const { id, document } = opened.data.ruleDraftCreate.draft;
    // Lower every balance threshold: a large share of retail customers moves up a tier.
    const lowered = JSON.parse(JSON.stringify(document), (key, value) => (key === 'value' && typeof value === 'number' && value >= 10_000 ? value / 5 : value));
    await app.gql(`mutation($id: ID!, $doc: JSONObject!) { ruleDraftUpdate(id: $id, revision: 1, document: $doc) { userErrors { message } } }`, { id, doc: lowered }, editor);
    await app.gql(`mutation($id: ID!) { ruleDraftSubmit(id: $id, revision: 2) { userErrors { message } } }`, { id }, editor);
    await app.gql(`mutation($id: ID!) { ruleDraftApprove(id: $id, revision: 3) { userErrors { message } } }`, { id }, approver);
    const published = await app.gql(`mutation($id: ID!) { ruleDraftPublish(id: $id) { version { version } retierJob { id } userErrors { message } } }`, { id }, approver);
    expect(published.data.ruleDraftPublish.userErrors).toEqual([]);
    return { jobId: published.data.ruleDraftPublish.retierJob.id, version: published.data.ruleDraftPublish.version.version };
  }

  it(`ends with from-scratch tiers and one history row per move after 3 SIGKILLs`, async () => {
    const [program] = await app.db.dataSource.query(`SELECT id FROM tier_program WHERE key = 'retail-bank'`);
    const before = new Map<string, string | null>(
      (await app.db.dataSource.query('SELECT customer_id, tier_key FROM tier_assignment WHERE program_id = $1', [program.id])).map((r: { customer_id: string; tier_key: string | null }) => [
        r.customer_id,
        r.tier_key,
      ]),
    );
    const { jobId, version } = await publishChange();
    // From scratch: json-rules-engine itself on every customer's facts.
    const published = (await app.strata.deps.registry.atVersion(app.db.dataSource.manager, program.id, version))!;
    const customers: { id: string; facts: Record<string, unknown> }[] = await app.db.dataSource.query('SELECT id, facts FROM customer');
    const expected = new Map<string, string | null>();
    for (const c of customers) {
      const evaluation = await published.evaluator.evaluate(c.facts);
      if (evaluation.applies) expected.set(c.id, evaluation.matchedTierKey);
    }
    const moved = [...expected].filter(([id, tier]) => before.get(id) !== tier);

    // Kill points by progress: one while staging (nothing written yet), two at random
    // points up to 60 % of the way, each after the one before.
    const targets = [0, Math.random() * 0.3, 0.3 + Math.random() * 0.3].map((share) => Math.floor(share * moved.length));
    const killedAt: number[] = [];
    for (const target of targets) {
      const attemptsBefore = (await job(jobId)).attempts;
      const { child, exited } = await worker();
      for (let now = await job(jobId); now.attempts <= attemptsBefore || now.changed < target; now = await job(jobId)) await sleep(2);
      child.kill('SIGKILL');
      expect(await exited).toMatchObject({ code: null, signal: 'SIGKILL' });
      const after = await job(jobId);
      expect(after.status).toBe('RUNNING');
      killedAt.push(after.changed);
      // The dead worker's lease runs out (60 s in production; here at once).
      await app.db.dataSource.query('UPDATE retier_job SET lease_until = now() WHERE id = $1', [jobId]);
    }
    const last = await worker();
    while ((await job(jobId)).status !== 'DONE') await sleep(20);
    last.child.kill('SIGTERM');
    expect(await last.exited).toMatchObject({ code: 0, signal: null });

    const stored = new Map<string, string | null>(
      (await app.db.dataSource.query('SELECT customer_id, tier_key FROM tier_assignment WHERE program_id = $1', [program.id])).map((r: { customer_id: string; tier_key: string | null }) => [
        r.customer_id,
        r.tier_key,
      ]),
    );
    const wrong = [...new Set([...expected.keys(), ...stored.keys()])].filter((id) => expected.get(id) !== stored.get(id) || expected.has(id) !== stored.has(id));

    const history: { customer_id: string; from_tier_key: string | null; to_tier_key: string | null; n: number }[] = await app.db.dataSource.query(
      `SELECT customer_id, from_tier_key, to_tier_key, count(*)::int AS n FROM tier_change
        WHERE program_id = $1 AND rule_version = $2 GROUP BY 1, 2, 3`,
      [program.id, version],
    );
    const historyByCustomer = new Map(history.map((h) => [h.customer_id, h]));
    const missing = moved.filter(([id, tier]) => {
      const h = historyByCustomer.get(id);
      return !h || h.to_tier_key !== tier || h.from_tier_key !== (before.get(id) ?? null);
    });
    const doubled = history.filter((h) => h.n !== 1 || history.filter((o) => o.customer_id === h.customer_id).length > 1);
    const { changed } = await job(jobId);
    expect({
      killedMidRun: killedAt.every((n, i) => n < moved.length && (i === 0 || n >= killedAt[i - 1])),
      wrong: wrong.length,
      missing: missing.length,
      doubled: doubled.length,
      historyRows: history.length,
      changed,
    }).toEqual({ killedMidRun: true, wrong: 0, missing: 0, doubled: 0, historyRows: moved.length, changed: moved.length });
    expect(moved.length).toBeGreaterThan(1_000);
  });
});
