import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../shared/node';
import { TierChangeCause } from '../evaluation/tier-change.entity';
import { TierProgram } from '../programs/tier-program.entity';

export enum RetierJobStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  DONE = 'DONE',
  /** A later publish replaced this version before the job finished; that job re-tiers everyone. */
  SUPERSEDED = 'SUPERSEDED',
}
registerEnumType(RetierJobStatus, { name: 'RetierJobStatus', description: 'Where a re-tier job is.', valuesConfig: { PENDING: { description: 'Enqueued, not started.' }, RUNNING: { description: 'A runner is re-tiering customers.' }, DONE: { description: 'Every customer is re-tiered.' }, SUPERSEDED: { description: 'A later version made the job unnecessary.' } } });

/**
 * Re-tiering every customer under a version: after a publish, a program's creation or a
 * seed, the one path by which a version's tiers reach stored assignments (RetierRunner). The changes are staged
 * set-wise, then each chunk's assignments, history rows and counters commit in one
 * transaction; after a crash the next run stages what remains, so nothing is lost or repeated.
 */
@ObjectType({ implements: Node, description: 'The background job that re-tiers every customer after a publish or rollback.' })
@Entity('retier_job')
@Index('retier_job_open_idx', ['status', 'createdAt'])
export class RetierJob {
  @Field(() => ID, { description: 'Globally unique (a UUID).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'program_id', type: 'uuid' })
  programId: string;

  @ManyToOne(() => TierProgram, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'program_id' })
  program?: TierProgram;

  @Field(() => Int, { description: 'The rule-set version being applied.' })
  @Column({ type: 'integer' })
  version: number;

  /** Written on each history row the job appends. */
  @Column({ type: 'text', default: TierChangeCause.RULE_PUBLISH })
  cause: TierChangeCause;

  @Field(() => RetierJobStatus, { description: 'Where the job is.' })
  @Column({ type: 'text' })
  status: RetierJobStatus;

  @Field(() => Int, { description: 'Customers classified under the version: all of them once the job has staged the changes it will write.' })
  @Column({ type: 'integer', default: 0 })
  processed: number;

  @Field(() => Int, { description: 'Customers whose stored tier the job has changed so far.' })
  @Column({ type: 'integer', default: 0 })
  changed: number;

  @Field(() => Int, { description: 'Customers when the job was enqueued.' })
  @Column({ type: 'integer' })
  total: number;

  @Field({ description: 'When the job was enqueued (at publish or rollback).' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When a runner first took the job.' })
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the job was done or superseded.' })
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** A worker owns the job until then; a crashed worker's job is taken over after it passes. */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  @Field(() => Int, { description: 'How many times a worker took the job up.' })
  @Column({ type: 'integer', default: 0 })
  attempts: number;
}
