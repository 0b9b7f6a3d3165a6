import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, Logger } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import { testDatabaseUrl } from './database-url';

export interface TestDatabase {
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
  const dataSource = createDataSource({ url: testDatabaseUrl(adminUrl, name), queryLogger, poolSize: 5 });
  await dataSource.initialize();
  return {
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
