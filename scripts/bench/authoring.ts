import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { RetierRunner } from '../../src/authoring/retier-runner';
import { systemContext } from '../../src/context';
import { createDataSource } from '../../src/database/data-source';
import { seedDemoCustomers } from '../../src/demo/seed';
import { loadRuleFiles } from '../../src/programs/program-files';
import { ProgramDocument } from '../../src/programs/rule-set-version.entity';
import { ProgramRegistry } from '../../src/programs/program-registry';
import { createServices } from '../../src/server';
import { withTransaction } from '../../src/shared/transaction';

const USAGE = 'usage: npm run bench:authoring -- --customers N [--admin-url postgres://postgres@127.0.0.1:5432/postgres]';

/** Retail's C threshold moved so that about 1 % and about 30 % of the demo customers change tier. */
const CHANGES: { name: string; edit: (doc: ProgramDocument) => void }[] = [
  { name: 'C from 10,000 to 11,000 (about 1 % move)', edit: (doc) => threshold(doc, 'C', 11_000) },
  { name: 'C from 10,000 to 300 (about 30 % move)', edit: (doc) => threshold(doc, 'C', 300) },
];

function threshold(doc: ProgramDocument, tierKey: string, value: number): void {
  const tier = doc.tiers.find((t) => t.key === tierKey)!;
  tier.rule = { conditions: { all: [{ fact: 'balance', operator: 'greaterThanInclusive', value }] } };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Seeds N demo customers into a database of its own, then for each rule change measures
 * the impact preview (median of 3) and the publish + re-tier job end to end, and drops
 * the database. Prints one JSON line per figure.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { customers: { type: 'string', default: '100000' }, 'admin-url': { type: 'string' } } });
  const customers = Number(values.customers);
  if (!Number.isInteger(customers) || customers < 1) throw new Error(USAGE);
  const adminUrl = values['admin-url'] ?? process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `strata_bench_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dataSource = createDataSource({ url: url.toString() });
  const report = (figure: Record<string, unknown>) => process.stdout.write(JSON.stringify({ customers, ...figure }) + '\n');
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const services = createServices();
    const deps = { dataSource, registry: new ProgramRegistry() };
    const ctx = systemContext(deps, 'bench');
    await loadRuleFiles(ctx, services, 'rules');
    let started = Date.now();
    await seedDemoCustomers(ctx, services, customers);
    report({ figure: 'seed', seconds: (Date.now() - started) / 1000 });
    await dataSource.query('VACUUM ANALYZE');

    for (const change of CHANGES) {
      const draft = await withTransaction(ctx, (tx) => services.drafts.create(tx, 'retail-bank'));
      change.edit(draft.document);
      const edited = await withTransaction(ctx, (tx) => services.drafts.update(tx, draft.id, draft.revision, draft.document as never));
      const timings: number[] = [];
      let moving = 0;
      for (let run = 0; run < 3; run += 1) {
        const simulation = await services.simulation.simulate(systemContext(deps, 'bench'), edited, 5);
        timings.push(simulation.tookMs);
        moving = simulation.moving;
      }
      report({ figure: 'simulate', change: change.name, moving, movingShare: moving / customers, medianMs: median(timings), runsMs: timings });

      const published = await withTransaction(ctx, async (tx) => {
        const program = (await services.programs.published(tx, 'retail-bank'))!.program;
        const result = await services.publisher.publish(tx, program, edited.document, 'bench', {});
        await services.drafts.discard(tx, edited.id, edited.revision);
        return result;
      });
      started = Date.now();
      await new RetierRunner(deps, services.evaluation).drain();
      const [job] = await dataSource.query('SELECT processed, changed, status FROM retier_job WHERE id = $1', [published.retierJob.id]);
      report({ figure: 'retier', change: change.name, seconds: (Date.now() - started) / 1000, ...job });
      // Back to the original rules for the next change, re-tiered too.
      await withTransaction(ctx, (tx) => services.publisher.rollback(tx, 'retail-bank', 1));
      await new RetierRunner(deps, services.evaluation).drain();
    }
  } finally {
    await dataSource.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
