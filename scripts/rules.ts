import path from 'node:path';
import { exportRuleFiles, importRuleFiles } from '../src/authoring/rule-files';
import { withDatabase } from './database';

const USAGE = `usage: npm run rules:export -- [dir]   writes catalog.json and one file per program (default: STRATA_RULES_DIR or rules/)
       npm run rules:import -- [dir]   creates new programs and opens a draft for each program whose file differs`;

/** Round-trips programs between the database and JSON files, so rule changes can be reviewed in pull requests. */
async function main(): Promise<void> {
  const [command, dirArg] = process.argv.slice(2);
  if (command !== 'export' && command !== 'import') return void process.stdout.write(USAGE + '\n');
  await withDatabase(`rules:${command}`, async ({ config, services, ctx }) => {
    const dir = path.resolve(dirArg ?? config.rulesDir);
    if (command === 'export') {
      const { files } = await exportRuleFiles(ctx, services, dir);
      process.stdout.write(`wrote ${files.length} files to ${dir}: ${files.join(', ')}\n`);
    } else {
      const result = await importRuleFiles(ctx, services, dir);
      process.stdout.write(`created: ${result.created.join(', ') || '-'}\nunchanged: ${result.unchanged.join(', ') || '-'}\n`);
      for (const [key, id] of Object.entries(result.drafted)) process.stdout.write(`draft for ${key}: ${id} (submit and approve it through the API)\n`);
    }
  });
}

main().catch((error) => {
  process.stderr.write(`rules failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
