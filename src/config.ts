import path from 'node:path';

export interface Config {
  port: number;
  /** PostgreSQL URL; when absent the service starts an embedded PostgreSQL under dataDir. */
  databaseUrl: string | null;
  dataDir: string;
  /** Catalog and program files loaded at start-up. */
  rulesDir: string;
  embeddedPostgresPort: number;
  /** When set, an ADMIN API key with exactly this secret exists. */
  adminKey: string | null;
  /** Demo customers generated when the database has none (0 disables). */
  seedCustomers: number;
  production: boolean;
}

/** The only reader of process.env: validates once and fails with one message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const config: Config = {
    port: int('PORT', 4000, 0, 65535),
    databaseUrl: env.DATABASE_URL || null,
    dataDir: path.resolve(env.STRATA_DATA_DIR || '.data'),
    rulesDir: path.resolve(env.STRATA_RULES_DIR || 'rules'),
    embeddedPostgresPort: int('EMBEDDED_PG_PORT', 54329, 1024, 65535),
    adminKey: env.STRATA_ADMIN_KEY || null,
    seedCustomers: int('SEED_CUSTOMERS', 10_000, 0, 10_000_000),
    production: env.NODE_ENV === 'production',
  };
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }
  if (config.adminKey !== null && config.adminKey.length < 16) {
    problems.push('STRATA_ADMIN_KEY must be at least 16 characters');
  }
  if (problems.length) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return config;
}
