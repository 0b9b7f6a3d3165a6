import { Client } from 'pg';
import { logger } from '../shared/logger';

/** The channel every transaction that appends events notifies at commit (appendEventsSql). */
export const EVENTS_CHANNEL = 'strata_events';

/**
 * Wakes this process's feed followers (subscriptions) when events commit: one LISTEN
 * connection per process, NOTIFY only as a wake-up (the feed is read from its cursor either
 * way). Followers also wake every `pollMs`, so a lost connection (a PostgreSQL restart) or a
 * missed notification delays them by at most that; the connection is opened again.
 */
export class EventWake {
  private client: Client | null = null;
  private waiting = new Set<() => void>();
  private stopped = false;
  private reconnect: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    readonly pollMs = 1_000,
  ) {}

  /** Resolves at the next notification, or after pollMs. */
  next(): Promise<void> {
    if (!this.client && !this.reconnect && !this.stopped) void this.listen();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.pollMs);
      this.waiting.add(wake);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    this.wakeAll();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private wakeAll(): void {
    for (const wake of [...this.waiting]) wake();
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'strata-events' });
    this.client = client;
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      if (err) logger.warn({ err: err.message }, 'event wake-up connection lost; followers poll until it is back');
      if (!this.stopped) this.reconnect = setTimeout(() => ((this.reconnect = null), void this.listen()), this.pollMs).unref();
    };
    client.on('notification', () => this.wakeAll());
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      lost(err as Error);
      await client.end().catch(() => undefined);
    }
  }
}
