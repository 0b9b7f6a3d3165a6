import { SingleBar, Presets } from 'cli-progress';
import { parseArgs } from 'node:util';
import { seedDemoCustomers } from '../src/demo/seed';
import { loadRuleFiles } from '../src/authoring/rule-files';
import { withDatabase } from './database';

const USAGE = 'usage: npm run seed -- [--customers N]   (default 10000; DATABASE_URL or the embedded database)';

/** Generates demo customers with DOMAIN.md's distribution, in bulk, with a progress bar. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { customers: { type: 'string', default: '10000' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(USAGE + '\n');
  const count = Number(values.customers);
  if (!Number.isInteger(count) || count < 1 || count > 10_000_000) throw new Error(`--customers must be a whole number from 1 to 10,000,000\n${USAGE}`);

  await withDatabase('seed', async ({ config, services, ctx }) => {
    await loadRuleFiles(ctx, services, config.rulesDir);

    const bars = { insert: new SingleBar({ noTTYOutput: true, notTTYSchedule: 5_000, format: 'insert   {bar} {percentage}% {value}/{total} {eta_formatted}' }, Presets.shades_classic),
                   evaluate: new SingleBar({ noTTYOutput: true, notTTYSchedule: 5_000, format: 'evaluate {bar} {percentage}% {value}/{total} {eta_formatted}' }, Presets.shades_classic) };
    let phase = null as keyof typeof bars | null;
    const started = Date.now();
    const inserted = await seedDemoCustomers(ctx, services, count, (next, done, total) => {
      if (phase !== next) {
        if (phase) bars[phase].stop();
        bars[next].start(total, 0);
        phase = next;
      }
      bars[next].setTotal(total);
      bars[next].update(done);
    });
    if (phase) bars[phase].stop();
    process.stdout.write(`inserted ${inserted} new customers (of ${count}) and assigned every program in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });
}

main().catch((error) => {
  process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
