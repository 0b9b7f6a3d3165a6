import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { bootstrap } from './bootstrap';
import { loadConfig } from './config';
import { systemContext } from './context';
import { createDataSource } from './database/data-source';
import { EmbeddedDatabase, EmbeddedPostgresError, startEmbeddedPostgres } from './database/embedded-postgres';
import { createServer } from './server';
import { drainAndStop } from './shutdown';
import { logger } from './shared/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  let embedded: EmbeddedDatabase | null = null;
  if (!config.databaseUrl) {
    logger.info({ dataDir: config.dataDir, port: config.embeddedPostgresPort }, 'no DATABASE_URL: starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
  }
  const dataSource = createDataSource({ url: config.databaseUrl ?? embedded!.url, statementTimeoutMs: config.statementTimeoutMs });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });

  const strata = await createServer(dataSource, { production: config.production, costLimits: config.costLimits, retier: { chunkSize: config.retierChunkSize },
    scheduler: { pollMs: config.schedulerPollMs, periodMs: config.schedulerPeriodMs, reviewBatchSize: config.reviewBatchSize, eventRetentionDays: config.eventRetentionDays },
    webhooks: { allowPrivate: config.webhookAllowPrivate, timeoutMs: config.webhookTimeoutMs, pollMs: config.webhookPollMs },
  });
  const { demoAdminKey: adminKey } = await bootstrap(systemContext(strata.deps, 'start-up'), strata.services, config, embedded !== null);

  const server = strata.app.listen(config.port, () => {
    const { port } = server.address() as AddressInfo;
    const url = `http://localhost:${port}/graphql`;
    logger.info({ url }, 'Strata is listening');
    process.stdout.write(
      `\nStrata is ready.\n  Console:  http://localhost:${port}/admin\n  GraphQL:  ${url}\n  Explorer: http://localhost:${port}/explorer\n` +
        (adminKey ? `  Admin key: ${adminKey}\n  Try: curl -s ${url} -H 'content-type: application/json' -H 'authorization: Bearer ${adminKey}' -d '{"query":"{ tierPrograms { key name distribution { tierKey count } } }"}'\n\n` : '\n'),
    );
  });
  strata.attach(server);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, ...config.shutdown }, 'shutting down: readiness 503, draining requests');
    // Whatever happens below, the process ends soon after the grace period.
    setTimeout(() => process.exit(1), config.shutdown.drainDelayMs + config.shutdown.graceMs + 10_000).unref();
    const { completed } = await drainAndStop(server, strata, config.shutdown);
    await dataSource.destroy();
    await embedded?.stop();
    logger.info({ completed }, completed ? 'stopped after every request finished' : 'stopped; requests still running at the grace period were cut');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  // A failure told in words with its fix needs no stack; anything else is logged whole.
  if (error instanceof EmbeddedPostgresError) logger.fatal(`start-up failed: ${error.message}`);
  else logger.fatal({ err: error }, 'start-up failed');
  process.stderr.write(`Strata could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
