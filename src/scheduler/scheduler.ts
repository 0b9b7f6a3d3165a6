import { Context, ServerDeps, systemContext } from '../context';
import { logger } from '../shared/logger';
import { Poller } from '../shared/poller';

/** What a run may do besides its work: keep its lease while a long run goes on. */
export interface TaskRun {
  ctx: Context;
  /** Extends the lease; call between batches of a long run. */
  renew(): Promise<void>;
}

/** One recurring task. A run must be safe to repeat: a killed run is run again by another process. */
export interface ScheduledWork {
  name: string;
  /** How long after a run it is due again (by Strata's clock). */
  everyMs: number;
  run(task: TaskRun): Promise<void>;
}

export interface SchedulerOptions {
  /** How often each process looks for due tasks. */
  pollMs?: number;
  /** How long a process holds a task without renewing before another may take it. */
  leaseMs?: number;
  /** How long after a run each of Strata's own tasks is due again (server.ts). */
  periodMs?: number;
  /** Customers whose held tier one review transaction lets fall (server.ts). */
  reviewBatchSize?: number;
  /** How long events are kept (server.ts); 30 days unless given. */
  eventRetentionDays?: number;
  start?: boolean;
}

/**
 * Runs recurring tasks (expiries and reviews; deliveries next) in any number of Strata
 * processes on one database: each task is a row of `scheduled_task`, taken by one process
 * at a time under a lease, so a task runs once per due instant however many processes poll,
 * and a process killed mid-run loses the task to another when its lease lapses. Due times
 * follow Strata's clock (tests move it); leases follow PostgreSQL's, since they measure how
 * long a process has been silent. Hand-rolled like the re-tier runner rather than pg-boss
 * or graphile-worker: the work is set-based sweeps of "everything due by now", idempotent
 * through the rows they mark, and both queues decide what is due by PostgreSQL's now(),
 * which an injected clock cannot move.
 */
export class Scheduler {
  private readonly leaseMs: number;
  private readonly poller: Poller<string[]>;

  constructor(
    private readonly deps: ServerDeps,
    private readonly work: readonly ScheduledWork[],
    options: SchedulerOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.poller = new Poller(() => this.runDue(), options.pollMs ?? 5_000, 'scheduler tick failed');
  }

  start(): void {
    this.poller.start();
  }

  /** Stops polling and waits for the run in progress. */
  stop(): Promise<void> {
    return this.poller.stop();
  }

  /** Runs every task that is due and not held by another process; resolves with the names it ran. */
  tick(): Promise<string[]> {
    return this.poller.tick();
  }

  private async runDue(): Promise<string[]> {
    const ran: string[] = [];
    for (const work of this.work) {
      if (this.poller.stopped) break;
      if (await this.runIfDue(work)) ran.push(work.name);
    }
    return ran;
  }

  private async runIfDue(work: ScheduledWork): Promise<boolean> {
    const ctx = systemContext(this.deps, `scheduler:${work.name}`);
    const now = this.deps.clock.now();
    await ctx.db.query('INSERT INTO scheduled_task (name, due_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [work.name, now]);
    const [claimed]: [unknown[], number] = await ctx.db.query(
      `UPDATE scheduled_task SET lease_until = now() + $3 * interval '1 millisecond', runs = runs + 1, last_started_at = $2
        WHERE name = $1 AND due_at <= $2 AND (lease_until IS NULL OR lease_until < now()) RETURNING name`,
      [work.name, now, this.leaseMs],
    );
    if (claimed.length === 0) return false;
    const renew = async () => {
      await ctx.db.query(`UPDATE scheduled_task SET lease_until = now() + $2 * interval '1 millisecond' WHERE name = $1`, [work.name, this.leaseMs]);
    };
    let error: string | null = null;
    try {
      await work.run({ ctx, renew });
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      logger.error({ err, task: work.name }, 'scheduled task failed; it runs again when next due');
    }
    const finished = this.deps.clock.now();
    await ctx.db.query(`UPDATE scheduled_task SET due_at = $2, lease_until = NULL, last_finished_at = $3, last_error = $4 WHERE name = $1`, [
      work.name,
      new Date(finished.getTime() + work.everyMs),
      finished,
      error,
    ]);
    return true;
  }
}
