import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The built service, which `npm test` and `npm run reliability` compile first. */
export const SERVICE_ENTRY = path.resolve('dist/src/index.js');

export interface ServiceProcess {
  child: ChildProcess;
  base: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node dist/src/index.js` as a process of its own (so a test can SIGTERM or SIGKILL
 * it) on a free port; with `waitReady`, resolves once /readyz answers 200.
 */
export async function startService(env: Record<string, string>, { waitReady = true } = {}): Promise<ServiceProcess> {
  if (!fs.existsSync(SERVICE_ENTRY)) throw new Error(`${SERVICE_ENTRY} is missing: npm test builds it (or run npm run build)`);
  const port = await freePort();
  const child = spawn(process.execPath, [SERVICE_ENTRY], { env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) }, stdio: 'ignore' });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const base = `http://127.0.0.1:${port}`;
  if (waitReady) {
    for (let ready = false; !ready; await sleep(50)) {
      if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode} before it was ready`);
      ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    }
  }
  return { child, base, exited };
}
