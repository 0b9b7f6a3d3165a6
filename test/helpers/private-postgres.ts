import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export interface PrivatePostgres {
  /** The `postgres` database of the private server. */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL server for one test to stop and start at will — never the shared server the
 * other tests use. Runs in a child process (private-postgres-server.mjs).
 */
export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  // Resolved from the project root (jest's and the scripts' working directory): the .mjs
  // file is not compiled into dist/.
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [path.resolve('test/helpers/private-postgres-server.mjs'), String(port)]);
  const lines = readline.createInterface({ input: child.stdout });
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`private PostgreSQL exited (${code})`)));
    });
  const command = async (word: string) => {
    const answer = next();
    child.stdin.write(`${word}\n`);
    await answer;
  };
  const { ready } = await next();
  return {
    url: ready as string,
    stop: () => command('stop'),
    start: () => command('start'),
    destroy: () => command('exit'),
  };
}
