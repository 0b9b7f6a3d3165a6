import { Client, ClientConfig } from 'pg';
import { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { ApiKey } from '../auth/api-key.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { RetierJob } from '../retier/retier-job.entity';
import { RuleDraft } from '../authoring/rule-draft.entity';
import { Customer } from '../customers/customer.entity';
import { EntitlementDefinition } from '../catalog/entitlement-definition.entity';
import { EntitlementGrant } from '../entitlements/entitlement-grant.entity';
import { StoredTierAssignment } from '../evaluation/stored-tier-assignment.entity';
import { TierChange } from '../evaluation/tier-change.entity';
import { TierOverride } from '../evaluation/tier-override.entity';
import { FactDefinition } from '../facts/fact-definition.entity';
import { FactsChange } from '../facts/facts-change.entity';
import { CustomerEventPruned, Event } from '../events/event.entity';
import { WebhookAttempt, WebhookDelivery } from '../webhooks/webhook-delivery.entity';
import { WebhookEndpoint } from '../webhooks/webhook-endpoint.entity';
import { IdempotentRequest } from '../idempotency/idempotent-request.entity';
import { migrations } from '../migrations';
import { RuleSetVersion } from '../programs/rule-set-version.entity';
import { ScheduledTask } from '../scheduler/scheduled-task.entity';
import { TierEntitlement } from '../programs/tier-entitlement.entity';
import { TierProgram } from '../programs/tier-program.entity';
import { Tier } from '../programs/tier.entity';
import { logger } from '../shared/logger';

export const entities = [
  ApiKey,
  AuditEvent,
  Customer,
  CustomerEventPruned,
  EntitlementDefinition,
  EntitlementGrant,
  Event,
  FactDefinition,
  FactsChange,
  IdempotentRequest,
  RetierJob,
  RuleDraft,
  RuleSetVersion,
  ScheduledTask,
  StoredTierAssignment,
  Tier,
  TierChange,
  TierEntitlement,
  TierOverride,
  TierProgram,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
];

export interface DataSourceOptions {
  url: string;
  /** Receives every statement (tests count them); nothing is logged otherwise. */
  queryLogger?: TypeOrmLogger;
  poolSize?: number;
  /** Longest one statement may run (PostgreSQL's statement_timeout); bulk work lifts it. */
  statementTimeoutMs?: number;
}

/** A transaction left open this long (a stuck client) is ended by PostgreSQL, freeing its locks. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * A pg client that always has an 'error' listener. pg-pool listens on idle connections and
 * TypeORM on checked-out ones, but pg-pool hands a connection to the next waiter inside the
 * parse loop that may already hold PostgreSQL's termination message, before TypeORM has
 * attached its listener: that 'error' event would be unhandled and end the process.
 */
class GuardedClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', (error: Error) => logger.warn({ err: error.message }, 'PostgreSQL connection failed'));
  }
}

/** Schema changes only through migrations: `synchronize` stays off everywhere. */
export function createDataSource({ url, queryLogger, poolSize = 10, statementTimeoutMs = 30_000 }: DataSourceOptions): DataSource {
  const settings = { jit: 'off', statement_timeout: statementTimeoutMs, idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS };
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    logging: queryLogger ? ['query'] : false,
    logger: queryLogger,
    // An idle connection dying (server restart, pg_terminate_backend) must not crash Node.
    poolErrorHandler: (error: Error) => logger.warn({ err: error.message }, 'idle PostgreSQL connection failed'),
    // JIT off: compiling the large CASE expressions of compiled rules cost more than the
    // whole query saved (1.2 s of a 1.7 s classification of 100,000 customers).
    extra: {
      Client: GuardedClient,
      max: poolSize,
      connectionTimeoutMillis: 10_000,
      application_name: 'strata',
      options: Object.entries(settings)
        .map(([name, value]) => `-c ${name}=${value}`)
        .join(' '),
    },
  });
}
