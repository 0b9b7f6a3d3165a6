import { setTimeout as sleep } from 'node:timers/promises';
import { seedDemoCustomers } from '../../src/demo/seed';
import { TestApp, startTestApp } from '../helpers/app';
import { submitApprovePublish } from '../helpers/programs';
import { startService } from '../helpers/service-process';

const CUSTOMERS = 20_000;

/**
 * A review killed mid-run: the retail bank reviews yearly, a third of its customers are held
 * one tier above their verdict with the review due, and the built service's scheduler is
 * SIGKILLed twice while it lets them fall, 50 customers per transaction; a third process
 * finishes. Every held customer must have fallen exactly once: one REVIEW row each, from
 * the held tier to the verdict, none doubled or missing, nobody left held.
 */
describe('a review killed mid-run', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
    await seedDemoCustomers(app.systemContext(), app.strata.services, CUSTOMERS);
    const draft = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } } }`);
    const { id, revision, document } = draft.data.ruleDraftCreate.draft;
    const updated = await app.gql(`mutation($id: ID!, $r: Int!, $d: JSONObject!) { ruleDraftUpdate(id: $id, revision: $r, document: $d) { draft { revision } userErrors { message } } }`, {
      id,
      r: revision,
      d: { ...document, timePolicy: { downgrade: 'REVIEW', review: 'YEAR' } },
    });
    expect(updated.data.ruleDraftUpdate.userErrors).toEqual([]);
    await submitApprovePublish(app, { id, revision: updated.data.ruleDraftUpdate.draft.revision });
  });
  afterAll(() => app.close());

  const worker = () =>
    startService(
      { DATABASE_URL: app.db.url, STRATA_SCHEDULER_POLL_MS: '50', STRATA_SCHEDULER_PERIOD_MS: '0', STRATA_REVIEW_BATCH_SIZE: '50', STRATA_SHUTDOWN_DELAY_MS: '0' },
      { waitReady: false },
    );
  const fallen = async () => Number((await app.db.dataSource.query(`SELECT count(*)::int AS n FROM tier_change WHERE cause = 'REVIEW'`))[0].n);

  it('lets every held customer fall exactly once after 2 SIGKILLs', async () => {
    // A third of the customers below the top tier, held one tier up, their review a minute ago.
    const held: { customer_id: string; held_tier_key: string; tier_key: string | null }[] = (
      await app.db.dataSource.query(
        `UPDATE tier_assignment a
            SET held_tier_key = (ARRAY['A', 'A_SUB', 'B', 'C', 'D'])[array_position(ARRAY['A', 'A_SUB', 'B', 'C', 'D'], a.tier_key) - 1],
                below_since = now() - interval '100 days', drop_at = now() - interval '1 minute'
           FROM tier_program p
          WHERE p.key = 'retail-bank' AND a.program_id = p.id AND a.tier_key IN ('A_SUB', 'B', 'C', 'D') AND get_byte(decode(md5(a.customer_id::text), 'hex'), 0) % 3 = 0
          RETURNING a.customer_id, a.held_tier_key, a.tier_key`,
      )
    )[0];
    expect(held.length).toBeGreaterThan(3_000);

    const killedAt: number[] = [];
    for (const target of [Math.random() * 0.3, 0.3 + Math.random() * 0.3].map((share) => Math.floor(share * held.length))) {
      const { child, exited } = await worker();
      while ((await fallen()) <= Math.max(target, killedAt.at(-1) ?? 0)) await sleep(2);
      child.kill('SIGKILL');
      expect(await exited).toMatchObject({ code: null, signal: 'SIGKILL' });
      killedAt.push(await fallen());
      // The dead process's lease runs out (60 s in production; here at once).
      await app.db.dataSource.query(`UPDATE scheduled_task SET lease_until = now()`);
    }
    const last = await worker();
    for (let left = 1; left > 0; await sleep(20)) left = (await app.db.dataSource.query(`SELECT count(*)::int AS n FROM tier_assignment WHERE held_tier_key IS NOT NULL`))[0].n;
    last.child.kill('SIGTERM');
    expect(await last.exited).toMatchObject({ code: 0, signal: null });

    const rows: { customer_id: string; from_tier_key: string; to_tier_key: string | null; n: number }[] = await app.db.dataSource.query(
      `SELECT customer_id, from_tier_key, to_tier_key, count(*) OVER (PARTITION BY customer_id)::int AS n FROM tier_change WHERE cause = 'REVIEW'`,
    );
    const byCustomer = new Map(rows.map((r) => [r.customer_id, r]));
    const missing = held.filter((h) => {
      const row = byCustomer.get(h.customer_id);
      return !row || row.from_tier_key !== h.held_tier_key || row.to_tier_key !== h.tier_key;
    });
    expect({
      killedMidRun: killedAt.every((n, i) => n < held.length && (i === 0 || n >= killedAt[i - 1])),
      missing: missing.length,
      doubled: rows.filter((r) => r.n > 1).length,
      rows: rows.length,
    }).toEqual({ killedMidRun: true, missing: 0, doubled: 0, rows: held.length });
  });
});
