import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../shared/node';
import { Role } from '../shared/role';

/** An API key; only the SHA-256 of its secret is stored. */
@ObjectType({ implements: Node, description: 'An API key: who calls, with which roles. The secret itself is never shown after creation.' })
@Entity('api_key')
export class ApiKey {
  @Field(() => ID, { description: 'Globally unique (a UUID).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'What the key is for, as its creator named it.' })
  @Column({ type: 'text' })
  name: string;

  @Field(() => [Role], { description: 'What the key may do; ADMIN implies every other role.' })
  @Column({ type: 'text', array: true })
  roles: Role[];

  @Index('api_key_secret_hash_key', { unique: true })
  @Column({ name: 'secret_hash', type: 'text' })
  secretHash: string;

  @Field({ description: 'When the key was created.' })
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
