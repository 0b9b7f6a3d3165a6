import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../shared/node';

/** A ladder of ranked tiers (retail deposits, corporate, telecom groups …). */
@ObjectType({ implements: Node, description: 'A tier ladder (e.g. a retail bank\'s A–D) and whom it covers; changed only through drafts.' })
@Entity('tier_program')
export class TierProgram {
  @Field(() => ID, { description: 'Globally unique (a UUID).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'The program key, e.g. retail-bank.' })
  @Index('tier_program_key_key', { unique: true })
  @Column({ type: 'text' })
  key: string;

  @Field({ description: 'Display name.' })
  @Column({ type: 'text' })
  name: string;

  @Field(() => String, { nullable: true, description: 'What the program is for.' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** The rule-set version in force; null only while the program is being created. */
  @Column({ name: 'published_version', type: 'integer', nullable: true })
  publishedVersion: number | null;

  /**
   * The version every stored assignment reflects. Behind publishedVersion while a re-tier
   * job runs; lists and counts then classify customers in SQL instead of trusting them.
   */
  @Column({ name: 'retiered_version', type: 'integer', nullable: true })
  retieredVersion: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
