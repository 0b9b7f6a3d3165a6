import 'reflect-metadata';
import os from 'node:os';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Context, ServerDeps, systemContext } from '../../src/context';
import { createDataSource } from '../../src/database/data-source';
import { seedDemoCustomers } from '../../src/demo/seed';
import { ProgramDocument } from '../../src/programs/rule-set-version.entity';
import { loadRuleFiles } from '../../src/authoring/rule-files';
import { ProgramRegistry } from '../../src/programs/program-registry';
import { PublishedProgram } from '../../src/programs/program-registry';
import { Services, createServices } from '../../src/server';
import { withTransaction } from '../../src/shared/transaction';
import { systemClock } from '../../src/shared/clock';

/** One measured figure; printed as a JSON line as soon as it is known. */
export type Figure = Record<string, unknown> & { suite: string; figure: string };

export interface BenchOptions {
  adminUrl: string;
  runs: number;
  /** Keep the databases the suites seed (and reuse ones kept earlier) instead of dropping them. */
  keep: boolean;
  report(figure: Figure): void;
  log(message: string): void;
}

export interface BenchDatabase {
  name: string;
  url: string;
  customers: number;
  dataSource: DataSource;
  deps: ServerDeps;
  services: Services;
  ctx: Context;
  close(): Promise<void>;
}

/**
 * A database of its own holding the demo rules and `customers` demo customers with
 * DOMAIN.md's distribution, vacuumed and analysed; dropped on close unless `keep` (then a
 * later run with `keep` reuses it as it is).
 */
export async function benchDatabase(options: BenchOptions, customers: number): Promise<BenchDatabase> {
  const name = `strata_bench_${customers}`;
  const admin = new Client({ connectionString: options.adminUrl });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  const reuse = exists && options.keep;
  if (exists && !reuse) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  if (!reuse) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(options.adminUrl);
  url.pathname = `/${name}`;
  const dataSource = createDataSource({ url: url.toString() });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  const services = createServices();
  const deps: ServerDeps = { dataSource, registry: new ProgramRegistry(), clock: systemClock };
  const ctx = systemContext(deps, 'bench');
  await loadRuleFiles(ctx, services, 'rules');
  const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM customer');
  if (n !== customers) {
    if (n !== 0) throw new Error(`database ${name} holds ${n} customers, not ${customers}; run without --keep to start afresh`);
    const started = Date.now();
    let last = 0;
    await seedDemoCustomers(ctx, services, customers, (phase, done, total) => {
      if (Date.now() - last > 5_000) {
        last = Date.now();
        options.log(`  seeding ${customers.toLocaleString('en')}: ${phase} ${done.toLocaleString('en')}/${total.toLocaleString('en')}`);
      }
    });
    options.report({ suite: 'setup', figure: 'seed', customers, seconds: seconds(Date.now() - started) });
  }
  await dataSource.query('VACUUM ANALYZE');
  return {
    name,
    url: url.toString(),
    customers,
    dataSource,
    deps,
    services,
    ctx,
    async close() {
      await dataSource.destroy();
      if (options.keep) return;
      const client = new Client({ connectionString: options.adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function publishedProgram(db: BenchDatabase, key: string): Promise<PublishedProgram> {
  const published = await db.services.programs.published(systemContext(db.deps, 'bench'), key);
  if (!published) throw new Error(`program ${key} is not loaded`);
  return published;
}

/** Publishes `document` as the program's next version; the re-tier job it enqueues is the caller's to run. */
export async function publish(db: BenchDatabase, key: string, document: ProgramDocument): Promise<PublishedProgram> {
  await withTransaction(systemContext(db.deps, 'bench'), async (tx) => {
    const { program } = await publishedProgram(db, key);
    await db.services.publisher.publish(tx, program, document, 'ruleFilePublish', { file: 'bench' });
  });
  return publishedProgram(db, key);
}

/** A retail-bank rule change: tier `tierKey` starts at `value` (CNY of balance). */
export interface RuleChange {
  name: string;
  tierKey: string;
  value: number;
}

/** DOMAIN.md's retail ladder with C's threshold moved so that about 1 % and about 30 % of customers change tier. */
export const RULE_CHANGES: RuleChange[] = [
  { name: 'C from 10,000 to 11,000 (about 1 % move)', tierKey: 'C', value: 11_000 },
  { name: 'C from 10,000 to 300 (about 30 % move)', tierKey: 'C', value: 300 },
];

export function changed(document: ProgramDocument, change: RuleChange): ProgramDocument {
  const next = structuredClone(document);
  next.tiers.find((t) => t.key === change.tierKey)!.conditions = { all: [{ fact: 'balance', operator: 'greaterThanInclusive', value: change.value }] };
  return next;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median with the spread of the runs, rounded for reading. */
export function summary(values: number[], digits = 0): { median: number; min: number; max: number; runs: number[] } {
  const round = (x: number) => Number(x.toFixed(digits));
  return { median: round(median(values)), min: round(Math.min(...values)), max: round(Math.max(...values)), runs: values.map(round) };
}

export const seconds = (ms: number) => Number((ms / 1000).toFixed(2));

/** Peak resident memory while `work` runs, sampled every 20 ms. */
export async function peakRss<T>(work: () => Promise<T>): Promise<{ peakMb: number; result: T }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { peakMb: Math.round(peak / 2 ** 20), result };
  } finally {
    clearInterval(timer);
  }
}

export function machine(): Record<string, unknown> {
  return {
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}
