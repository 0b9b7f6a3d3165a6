import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchAdmin } from './admin';
import { benchApi } from './api';
import { benchEvaluation } from './evaluation';
import { benchEvents } from './events';
import { benchWebhooks } from './webhooks';
import { benchExpiry } from './expiry';
import { benchReview } from './review';
import { benchFidelity } from './fidelity';
import { benchIsolation } from './isolation';
import { benchLoad } from './load';
import { benchSearch } from './search';
import { benchPreview } from './preview';
import { logger } from '../../src/shared/logger';
import { benchRetier } from './retier';
import { BenchDatabase, BenchOptions, Figure, benchDatabase, machine } from './support';

const SUITES = ['evaluation', 'retier', 'events', 'preview', 'api', 'webhooks', 'isolation', 'load', 'search', 'admin', 'expiry', 'review', 'fidelity'] as const;
type Suite = (typeof SUITES)[number];

const USAGE = `usage: npm run bench -- [${SUITES.join('|')} …] [options]
  (no suite: all of them, in that order)
  --customers N        customers for evaluation and the API (default 100000)
  --large N[,N…]       customers for re-tier and preview (default 100000,1000000)
  --runs N             runs per figure, medians reported (default 3)
  --cases N            fidelity cases (default 1000000)
  --load N             customers an integrator loads into an empty Strata (default 1000000)
  --search N           customers the search suite searches (default 1000000)
  --overrides N        overrides the expiry suite lets expire at one instant (default 10000),
                       among --customers customers (the review suite uses --large)
  --admin-url URL      PostgreSQL to create the bench databases on
                       (default BENCH_ADMIN_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --keep               keep the seeded databases and reuse them next time
  --out FILE           where to write the figures (default .data/bench/<timestamp>.json)`;

function count(raw: string, name: string): number {
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0, got "${raw}"\n${USAGE}`);
  return value;
}

/**
 * Every benchmark of docs/benchmarks.md, each against its baseline in the same run: seeds
 * its own databases (DOMAIN.md's distribution), measures, prints one JSON line per figure,
 * writes them all to a file and drops the databases.
 */
async function main(): Promise<void> {
  // Job progress at info level would drown the figures.
  if (!process.env.LOG_LEVEL) logger.level = 'warn';
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      customers: { type: 'string', default: '100000' },
      large: { type: 'string', default: '100000,1000000' },
      runs: { type: 'string', default: '3' },
      cases: { type: 'string', default: '1000000' },
      load: { type: 'string', default: '1000000' },
      search: { type: 'string', default: '1000000' },
      overrides: { type: 'string', default: '10000' },
      'admin-url': { type: 'string' },
      keep: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(USAGE + '\n');
  const unknown = positionals.filter((p) => !(SUITES as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`unknown suite ${unknown.join(', ')}\n${USAGE}`);
  const suites = (positionals.length ? positionals : SUITES) as Suite[];
  const customers = count(values.customers!, '--customers');
  const large = values.large!.split(',').map((n) => count(n, '--large'));
  const figures: Figure[] = [];
  const options: BenchOptions = {
    adminUrl: values['admin-url'] ?? process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    runs: count(values.runs!, '--runs'),
    keep: values.keep!,
    report(figure) {
      figures.push(figure);
      process.stdout.write(JSON.stringify(figure) + '\n');
    },
    log: (message) => process.stderr.write(message + '\n'),
  };
  const out = values.out ?? path.join('.data', 'bench', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const started = new Date();
  const withDatabase = async (n: number, work: (db: BenchDatabase) => Promise<void>) => {
    const db = await benchDatabase(options, n);
    try {
      await work(db);
    } finally {
      await db.close();
    }
  };
  if (suites.includes('evaluation')) {
    options.log('— evaluation');
    await benchEvaluation(options, customers);
  }
  // Re-tier and preview share each size's database: seeding a million customers takes a while.
  if (suites.includes('retier') || suites.includes('events') || suites.includes('preview')) {
    for (const n of large) {
      await withDatabase(n, async (db) => {
        if (suites.includes('retier')) {
          options.log(`— retier, ${n.toLocaleString('en')} customers`);
          await benchRetier(options, db);
        }
        if (suites.includes('events')) {
          options.log(`— events, ${n.toLocaleString('en')} customers`);
          await benchEvents(options, db);
        }
        if (suites.includes('preview')) {
          options.log(`— preview, ${n.toLocaleString('en')} customers`);
          await benchPreview(options, db);
        }
      });
    }
  }
  if (suites.includes('api')) {
    options.log('— api');
    await withDatabase(customers, (db) => benchApi(options, db));
  }
  if (suites.includes('webhooks')) {
    options.log('— webhooks');
    await withDatabase(customers, (db) => benchWebhooks(options, db));
  }
  if (suites.includes('isolation')) {
    options.log('— isolation');
    await withDatabase(customers, (db) => benchIsolation(options, db));
  }
  if (suites.includes('load')) {
    options.log('— load');
    // An empty database: the load is what fills it.
    await withDatabase(0, (db) => benchLoad(options, db, count(values.load!, '--load')));
  }
  if (suites.includes('search')) {
    options.log('— search');
    await withDatabase(count(values.search!, '--search'), (db) => benchSearch(options, db));
  }
  if (suites.includes('admin')) {
    options.log('— admin');
    await withDatabase(customers, (db) => benchAdmin(options, db));
  }
  if (suites.includes('expiry')) {
    options.log('— expiry');
    await withDatabase(customers, (db) => benchExpiry(options, db, count(values.overrides!, '--overrides')));
  }
  if (suites.includes('review')) {
    options.log('— review');
    for (const n of large) await withDatabase(n, (db) => benchReview(options, db));
  }
  if (suites.includes('fidelity')) {
    options.log('— fidelity');
    await benchFidelity(options, count(values.cases!, '--cases'));
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ started, finished: new Date(), machine: machine(), runs: options.runs, figures }, null, 2) + '\n');
  options.log(`figures written to ${out}`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
