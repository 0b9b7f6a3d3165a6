import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, Logger } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import { testDatabaseUrl } from './database-url';

export interface TestDatabase {
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/** A fresh, migrated database cloned from the template that global setup built. */
export async function createTestDatabase(queryLogger?: Logger): Promise<TestDatabase> {
  const adminUrl = process.env.STRATA_TEST_ADMIN_URL!;
  const template = process.env.STRATA_TEST_TEMPLATE!;
  const pidSuffix = template.slice(template.lastIndexOf('_'));
  const name = `strata_test_${randomBytes(4).toString('hex')}${pidSuffix}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.end();
  const url = testDatabaseUrl(adminUrl, name);
  const dataSource = createDataSource({ url, queryLogger, poolSize: 5 });
  await dataSource.initialize();
  return {
    url,
    dataSource,
    async drop() {
      await dataSource.destroy();
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A migrated data source on a database the caller owns; drop() only disconnects. */
export async function migratedDatabase(url: string, queryLogger?: Logger): Promise<TestDatabase> {
  const dataSource = createDataSource({ url, queryLogger, poolSize: 5 });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return { url, dataSource, drop: () => dataSource.destroy() };
}
