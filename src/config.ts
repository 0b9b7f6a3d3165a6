import path from 'node:path';
import { CostLimits, DEFAULT_COST_LIMITS } from './limits/cost-budgets';
import { ShutdownOptions } from './shutdown';

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
  costLimits: CostLimits;
  /** Longest a request's SQL statement may run; bulk re-tiering is exempt. */
  statementTimeoutMs: number;
  shutdown: ShutdownOptions;
  /** Customers a re-tier chunk writes (and locks) per transaction. */
  retierChunkSize: number;
  /** How often the scheduler looks for due work, and how long after a run a task is due again. */
  schedulerPollMs: number;
  schedulerPeriodMs: number;
  /** Customers whose held tier a review transaction lets fall. */
  reviewBatchSize: number;
  /** How long the event feed keeps events (the scheduler prunes older ones). */
  eventRetentionDays: number;
  /** Webhooks may call private and loopback addresses (off: only public ones, against SSRF). */
  webhookAllowPrivate: boolean;
  /** How long one webhook call may take. */
  webhookTimeoutMs: number;
  /** How often each process looks for events to queue and tries that are due. */
  webhookPollMs: number;
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
    costLimits: {
      maxCost: int('STRATA_MAX_QUERY_COST', DEFAULT_COST_LIMITS.maxCost, 1, 1_000_000),
      bucketSize: int('STRATA_COST_BUCKET', DEFAULT_COST_LIMITS.bucketSize, 1, 100_000_000),
      restorePerSecond: int('STRATA_COST_RESTORE_PER_SECOND', DEFAULT_COST_LIMITS.restorePerSecond, 1, 100_000_000),
    },
    retierChunkSize: int('STRATA_RETIER_CHUNK_SIZE', 2_000, 10, 100_000),
    schedulerPollMs: int('STRATA_SCHEDULER_POLL_MS', 5_000, 50, 60_000),
    schedulerPeriodMs: int('STRATA_SCHEDULER_PERIOD_MS', 15_000, 0, 60_000),
    eventRetentionDays: int('STRATA_EVENT_RETENTION_DAYS', 30, 1, 3_650),
    webhookAllowPrivate: ['1', 'true', 'yes'].includes((env.STRATA_WEBHOOK_ALLOW_PRIVATE ?? '').toLowerCase()),
    webhookTimeoutMs: int('STRATA_WEBHOOK_TIMEOUT_MS', 15_000, 100, 120_000),
    webhookPollMs: int('STRATA_WEBHOOK_POLL_MS', 1_000, 10, 60_000),
    reviewBatchSize: int('STRATA_REVIEW_BATCH_SIZE', 5_000, 10, 100_000),
    statementTimeoutMs: int('STRATA_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000),
    shutdown: {
      drainDelayMs: int('STRATA_SHUTDOWN_DELAY_MS', 1_000, 0, 60_000),
      graceMs: int('STRATA_SHUTDOWN_GRACE_MS', 8_000, 0, 600_000),
    },
  };
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }
  if (config.adminKey !== null && config.adminKey.length < 16) {
    problems.push('STRATA_ADMIN_KEY must be at least 16 characters');
  }
  if (config.costLimits.bucketSize < config.costLimits.maxCost) {
    problems.push('STRATA_COST_BUCKET must be at least STRATA_MAX_QUERY_COST, or the costliest allowed query could never run');
  }
  if (problems.length) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return config;
}
