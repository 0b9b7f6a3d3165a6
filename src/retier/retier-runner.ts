import { Context, ServerDeps, onManager, systemContext } from '../context';
import { RetierStage } from '../evaluation/retier-stage';
import { TierChangeCause } from '../evaluation/tier-change.entity';
import { PublishedProgram } from '../programs/program-registry';
import { isUuid } from '../shared/ids';
import { logger } from '../shared/logger';
import { withTransaction } from '../shared/transaction';
import { RetierJob, RetierJobStatus } from './retier-job.entity';

/**
 * Locks the program's unfinished re-tier jobs. A publish takes them before the program's
 * row, the order a running chunk takes them (its job, then the program once it is done),
 * so a publish during a re-tier waits for the chunk instead of deadlocking with it.
 */
export async function lockOpenRetiers(tx: Context, programId: string): Promise<void> {
  await tx.db.query('SELECT id FROM retier_job WHERE program_id = $1 AND status IN ($2, $3) ORDER BY id FOR UPDATE', [programId, RetierJobStatus.PENDING, RetierJobStatus.RUNNING]);
}

/**
 * Enqueues the re-tier of every customer under a program version, in the caller's
 * transaction, and supersedes the program's unfinished jobs (the new one re-tiers everyone).
 */
export async function enqueueRetier(tx: Context, programId: string, version: number, cause: TierChangeCause): Promise<RetierJob> {
  await tx.db.query(`UPDATE retier_job SET status = $2, finished_at = now(), lease_until = NULL WHERE program_id = $1 AND status IN ($3, $4)`, [
    programId,
    RetierJobStatus.SUPERSEDED,
    RetierJobStatus.PENDING,
    RetierJobStatus.RUNNING,
  ]);
  const [{ count }]: { count: number }[] = await tx.db.query('SELECT count(*)::int AS count FROM customer');
  return tx.db.save(Object.assign(new RetierJob(), { programId, version, cause, status: RetierJobStatus.PENDING, total: count }));
}

export interface RetierRunnerOptions {
  chunkSize?: number;
  /** How long a worker owns a job without progress before another may take it over. */
  leaseMs?: number;
  pollMs?: number;
  /** Called after each chunk commits: customers written so far of those staged. */
  onChunk?: (progress: { jobId: string; written: number; staged: number }) => void;
  /** Called inside each chunk's transaction just before it commits (tests inject crashes here). */
  beforeCommit?: (chunk: { jobId: string; index: number; tx: Context }) => void | Promise<void>;
}

export function findRetierJob(ctx: Context, id: string): Promise<RetierJob | null> {
  return isUuid(id) ? ctx.db.findOne(RetierJob, { where: { id } }) : Promise.resolve(null);
}

export function latestRetierJob(ctx: Context, programId: string): Promise<RetierJob | null> {
  return ctx.db.findOne(RetierJob, { where: { programId }, order: { createdAt: 'DESC' } });
}

interface JobRow {
  id: string;
  program_id: string;
  version: number;
  status: RetierJobStatus;
  cause: TierChangeCause;
}

/**
 * Runs re-tier jobs from the `retier_job` table. A run stages every customer whose tier
 * changes in one set-based statement (evaluation's RetierStage), then writes them in
 * chunks, each committing its assignments, history rows and the job's counters together.
 * A crash loses nothing and repeats nothing: the next run stages again, and customers
 * already written are no longer staged. Jobs are hand-rolled rather than pg-boss because of
 * that per-chunk commit, and pg-boss 12 needs Node 22. Any number of processes may run a
 * runner: jobs are claimed with SKIP LOCKED and leased; each chunk re-reads the job row
 * under lock, and a write happens only where the stored tier is still the one staged, so
 * two runners never write a change twice.
 */
export class RetierRunner {
  private readonly chunkSize: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private again = false;
  /** Set by start(): only a started runner reacts to kick(). */
  private polling = false;
  private stopped = false;

  constructor(
    private readonly deps: ServerDeps,
    private readonly stage: RetierStage,
    private readonly options: RetierRunnerOptions = {},
  ) {
    this.chunkSize = options.chunkSize ?? 2_000;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 2_000;
  }

  start(): void {
    this.stopped = false;
    this.polling = true;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops polling and waits for the chunk in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.polling = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.draining;
  }

  /** Looks for work now (after a publish) instead of at the next poll. */
  kick(): void {
    if (!this.polling) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.again && this.polling) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Runs jobs until none is left; resolves when idle. For tests and scripts. */
  async drain(): Promise<void> {
    try {
      while (!this.stopped && (await this.runOne())) {
        // next job
      }
    } catch (error) {
      logger.error({ err: error }, 're-tier job failed; it resumes when its lease expires');
    }
  }

  /** Claims one job and runs it to the end; false when there was nothing to claim. */
  async runOne(): Promise<boolean> {
    const ctx = systemContext(this.deps, 're-tier');
    // For UPDATE … RETURNING, TypeORM's query() answers [rows, rowCount].
    const [[job]]: [JobRow[], number] = await ctx.db.query(
      `UPDATE retier_job SET status = $1, attempts = attempts + 1, started_at = COALESCE(started_at, now()),
              lease_until = now() + $2 * interval '1 millisecond'
        WHERE id = (SELECT id FROM retier_job
                     WHERE status = $3 OR (status = $1 AND lease_until < now())
                     ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
        RETURNING id, program_id, version, status, cause`,
      [RetierJobStatus.RUNNING, this.leaseMs, RetierJobStatus.PENDING],
    );
    if (!job) return false;
    logger.info({ job: job.id, version: job.version }, 're-tier job started');
    // The staged changes live in a temp table of this connection, so the run keeps one.
    const connection = this.deps.dataSource.createQueryRunner();
    await connection.connect();
    // Staging classifies every customer: it may outlast the per-statement limit meant for requests.
    await connection.query('SET statement_timeout = 0');
    try {
      const session = onManager(ctx, connection.manager);
      const published = await this.deps.registry.atVersion(session.db, job.program_id, job.version);
      if (!published) throw new Error(`re-tier job ${job.id}: version ${job.version} not found`);
      await this.stage.withStage(session, published, async ({ customers, staged }) => {
        await session.db.query(`UPDATE retier_job SET processed = $2, lease_until = now() + $3 * interval '1 millisecond' WHERE id = $1 AND status = $4`, [
          job.id,
          customers,
          this.leaseMs,
          RetierJobStatus.RUNNING,
        ]);
        logger.info({ job: job.id, customers, staged }, 're-tier job staged its changes');
        let after: string | null = null;
        let written = 0;
        for (let index = 0; !this.stopped; index += 1) {
          const outcome = await this.chunk(session, job, published, after, index);
          written += outcome.staged;
          this.options.onChunk?.({ jobId: job.id, written, staged });
          if (outcome.status !== 'more') {
            logger.info({ job: job.id, outcome: outcome.status }, 're-tier job ended');
            break;
          }
          after = outcome.lastId;
        }
      });
    } finally {
      await connection.query('RESET statement_timeout').catch(() => undefined);
      await connection.release();
    }
    return true;
  }

  private chunk(
    session: Context,
    { id: jobId, cause }: JobRow,
    published: PublishedProgram,
    after: string | null,
    index: number,
  ): Promise<{ status: 'more' | 'done' | 'superseded'; lastId: string | null; staged: number }> {
    return withTransaction(session, async (tx) => {
      const [job]: JobRow[] = await tx.db.query('SELECT id, program_id, version, status, cause FROM retier_job WHERE id = $1 FOR UPDATE', [jobId]);
      if (!job || job.status !== RetierJobStatus.RUNNING) return { status: 'superseded' as const, lastId: null, staged: 0 };
      const chunk = await this.stage.applyChunk(tx, published, after, this.chunkSize, cause);
      const done = chunk.staged < this.chunkSize;
      const [[counts]]: [{ changed: number; total: number }[], number] = await tx.db.query(
        `UPDATE retier_job SET changed = changed + $2,
                status = $3, finished_at = CASE WHEN $3 = 'DONE' THEN now() END,
                lease_until = CASE WHEN $3 = 'DONE' THEN NULL ELSE now() + $4 * interval '1 millisecond' END
          WHERE id = $1 RETURNING changed, total`,
        [jobId, chunk.changes, done ? RetierJobStatus.DONE : RetierJobStatus.RUNNING, this.leaseMs],
      );
      if (done) {
        await tx.db.query('UPDATE tier_program SET retiered_version = $2 WHERE id = $1 AND published_version = $2', [job.program_id, job.version]);
        await this.stage.finished(tx, published, { id: jobId, cause, ...counts });
      }
      await this.options.beforeCommit?.({ jobId, index, tx });
      return { status: done ? ('done' as const) : ('more' as const), lastId: chunk.lastId, staged: chunk.staged };
    });
  }
}
