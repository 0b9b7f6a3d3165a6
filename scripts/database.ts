import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { Config, loadConfig } from '../src/config';
import { Context, systemContext } from '../src/context';
import { createDataSource } from '../src/database/data-source';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { ProgramRegistry } from '../src/programs/program-registry';
import { Services, createServices } from '../src/server';
import { systemClock } from '../src/shared/clock';

export interface ScriptEnvironment {
  config: Config;
  dataSource: DataSource;
  services: Services;
  ctx: Context;
}

/** Opens DATABASE_URL (or the embedded database under STRATA_DATA_DIR), migrated, for one script run. */
export async function withDatabase<T>(name: string, work: (env: ScriptEnvironment) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const embedded: EmbeddedDatabase | null = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
  const dataSource = createDataSource({ url: config.databaseUrl ?? embedded!.url });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const services = createServices();
    const ctx = systemContext({ dataSource, registry: new ProgramRegistry(), clock: systemClock }, name);
    return await work({ config, dataSource, services, ctx });
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}
