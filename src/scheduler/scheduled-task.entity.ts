import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One recurring task of the scheduler: when it is next due, and which process holds it until when. */
@Entity('scheduled_task')
export class ScheduledTask {
  @PrimaryColumn({ type: 'text' })
  name: string;

  /** By Strata's clock (see shared/clock.ts). */
  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt: Date;

  /** By PostgreSQL's clock: a process that stops renewing it (killed, hung) loses the task. */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  @Column({ type: 'integer', default: 0 })
  runs: number;

  @Column({ name: 'last_started_at', type: 'timestamptz', nullable: true })
  lastStartedAt: Date | null;

  @Column({ name: 'last_finished_at', type: 'timestamptz', nullable: true })
  lastFinishedAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;
}
