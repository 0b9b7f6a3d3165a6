import { Client } from 'pg';
import { runFidelity } from '../../test/helpers/fidelity';
import { BenchOptions } from './support';

/**
 * The differential test of `npm test` at scale (`npm run bench:fidelity`): generated
 * programs and fact sets through json-rules-engine, the compiled closures and the compiled
 * SQL. Any mismatch fails the run; the first ones are printed.
 */
export async function benchFidelity(options: BenchOptions, cases: number): Promise<void> {
  const client = new Client({ connectionString: options.adminUrl, options: '-c jit=off' });
  await client.connect();
  try {
    let logged = 0;
    const report = await runFidelity({
      cases,
      seed: 20261122,
      query: async (sql, params) => (await client.query(sql, params)).rows,
      onProgress: (done, so) => {
        if (done - logged >= 100_000 || done === cases) {
          logged = done;
          options.log(`  fidelity: ${done.toLocaleString('en')}/${cases.toLocaleString('en')} cases, ${so.mismatchCount} mismatches`);
        }
      },
    });
    const { mismatches, ...figures } = report;
    options.report({ suite: 'fidelity', figure: 'differential test', ...figures });
    if (report.mismatchCount > 0) {
      throw new Error(`${report.mismatchCount} mismatches; the first:\n${mismatches.map((m) => JSON.stringify(m)).join('\n')}`);
    }
  } finally {
    await client.end();
  }
}
