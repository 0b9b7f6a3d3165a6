import { logger } from './logger';

/**
 * A background run repeated every `pollMs`, never two at once: a tick while one runs joins
 * it, and stop() waits for it. The loop of each process's scheduler and webhook dispatcher.
 */
export class Poller<T> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<T> | null = null;
  /** Set by stop(): a long run checks it between steps. */
  stopped = false;

  constructor(
    private readonly run: () => Promise<T>,
    private readonly pollMs: number,
    private readonly failure: string,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.tick().catch((err) => logger.error({ err }, this.failure)), this.pollMs);
    this.timer.unref();
  }

  /** Stops polling and waits for the run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Runs now, or joins the run in progress. */
  tick(): Promise<T> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
