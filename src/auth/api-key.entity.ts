import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../shared/node';
import { Role } from '../shared/role';

/** An API key; only the SHA-256 of its secret is stored. */
@ObjectType({ implements: Node })
@Entity('api_key')
export class ApiKey {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Column({ type: 'text' })
  name: string;

  @Field(() => [Role])
  @Column({ type: 'text', array: true })
  roles: Role[];

  @Index('api_key_secret_hash_key', { unique: true })
  @Column({ name: 'secret_hash', type: 'text' })
  secretHash: string;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'The key stops working at this instant.' })
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key last authenticated a request (to the minute).' })
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'Revoked keys are refused from the next request on.' })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
