import 'reflect-metadata';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { testDatabaseUrl } from './helpers/database-url';

/**
 * Tests use a real PostgreSQL: TEST_DATABASE_URL, else the machine's server on
 * 127.0.0.1:5432, else an embedded one under .data/test-pg. A template database is
 * migrated once; each test file clones it (see helpers/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  process.env.NODE_ENV = 'test';
  let adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!(await reachable(adminUrl))) {
    const embedded = await startEmbeddedPostgres(path.resolve('.data/test-pg'), 54330, 'postgres');
    (globalThis as { __embeddedPostgres?: unknown }).__embeddedPostgres = embedded;
    adminUrl = embedded.url;
  }
  const template = `strata_test_template_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();

  const dataSource = createDataSource({ url: testDatabaseUrl(adminUrl, template), poolSize: 1 });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();

  process.env.STRATA_TEST_ADMIN_URL = adminUrl;
  process.env.STRATA_TEST_TEMPLATE = template;
}

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}
