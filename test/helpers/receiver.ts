import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver answers a call: a status, headers and how long it takes to answer. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** A local webhook receiver that records every call and answers as the test says. */
export interface Receiver {
  url: string;
  calls: Received[];
  answer: (call: Received) => Answer;
  /** Stops listening (calls are refused) until start() again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hooks'): Promise<Receiver> {
  let server: Server | null = null;
  let port = 0;
  const receiver: Receiver = {
    url: '',
    calls: [],
    answer: () => ({ status: 204 }),
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const call = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
          receiver.calls.push(call);
          const { status, headers, delayMs } = receiver.answer(call);
          setTimeout(() => res.writeHead(status, headers).end(), delayMs ?? 0);
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server!.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${port}${path}`;
    },
    async stop() {
      const s = server;
      server = null;
      if (s) await new Promise((resolve) => s.close(resolve).closeAllConnections());
    },
    close() {
      return receiver.stop();
    },
  };
  await receiver.start();
  return receiver;
}
