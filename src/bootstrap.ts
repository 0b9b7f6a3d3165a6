import fs from 'node:fs';
import path from 'node:path';
import { newSecret } from './auth/auth.service';
import { Config } from './config';
import { Context } from './context';
import { seedDemoCustomers } from './demo/seed';
import { loadRuleFiles } from './authoring/rule-files';
import { Services } from './server';
import { logger } from './shared/logger';

export interface BootstrapResult {
  /**
   * The demo's generated admin secret, to print: only for the embedded demo database, never
   * a secret given in STRATA_ADMIN_KEY (it would land in the logs of a real deployment).
   */
  demoAdminKey: string | null;
}

/**
 * Everything start-up does after migrations: the bootstrap admin key, the catalog and
 * programs from rules/, and demo customers on an empty embedded database.
 */
export async function bootstrap(ctx: Context, services: Services, config: Config, embedded: boolean): Promise<BootstrapResult> {
  const demoKey = !config.adminKey && embedded ? demoAdminKey(config.dataDir) : null;
  const adminKey = config.adminKey ?? demoKey;
  if (adminKey) await services.auth.ensureAdminKey(ctx, adminKey);

  const files = await loadRuleFiles(ctx, services, config.rulesDir);
  logger.info(files, 'rule files loaded');

  const [{ n }] = await ctx.db.query('SELECT count(*)::int AS n FROM customer');
  if (n === 0 && embedded && config.seedCustomers > 0) {
    logger.info({ customers: config.seedCustomers }, 'seeding demo customers');
    await seedDemoCustomers(ctx, services, config.seedCustomers);
  }
  return { demoAdminKey: demoKey };
}

/** A demo database gets an admin key of its own, kept beside the data (git-ignored). */
function demoAdminKey(dataDir: string): string {
  const file = path.join(dataDir, 'admin-key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = newSecret();
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}
