import { ArrayMaxSize, IsOptional, MaxLength, MinLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { runMutation } from '../shared/transaction';
import { UserError } from '../shared/user-error';
import { assertValidInput } from '../shared/validation';
import { ApiKey } from './api-key.entity';
import { AuthService } from './auth.service';
import { Role } from '../shared/role';

@InputType({ description: 'A new API key.' })
export class ApiKeyCreateInput {
  @Field({ description: 'What the key is for (a person, a system); shown in the audit log as the actor.' })
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Field(() => [Role], { description: 'What the key may do: VIEWER reads, INTEGRATOR writes customers, EDITOR drafts rules, APPROVER approves and publishes, ADMIN does everything.' })
  @ArrayMaxSize(5)
  roles: Role[];

  @Field(() => Date, { nullable: true, description: 'The key stops working at this instant; leave out for a key that does not expire.' })
  @IsOptional()
  expiresAt?: Date | null;
}

@ObjectType({ description: 'What apiKeyRevoke answers.' })
export class ApiKeyRevokePayload {
  @Field(() => ApiKey, { nullable: true, description: 'The key, now revoked; null when refused.' })
  apiKey: ApiKey | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: 'What apiKeyCreate answers.' })
export class ApiKeyCreatePayload {
  @Field(() => ApiKey, { nullable: true, description: 'The key created; null when refused.' })
  apiKey: ApiKey | null;

  @Field(() => String, { nullable: true, description: 'Shown once; only its hash is stored.' })
  secret: string | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: 'The API key making the request: who it is and what it may do (a console shows or hides its controls by it).' })
export class Viewer {
  @Field(() => ID, { description: "The key's id." })
  keyId: string;

  @Field({ description: 'What the key is for, as its creator named it; the actor in the audit log.' })
  name: string;

  @Field(() => [Role], { description: 'The roles the key was given.' })
  roles: Role[];

  @Field(() => [Role], { description: 'Every role the key acts with, implied ones included: every role reads (VIEWER), ADMIN is every role.' })
  effectiveRoles: Role[];
}

@Resolver()
export class ApiKeyResolver {
  constructor(private readonly auth: AuthService) {}

  @Authorized(Role.VIEWER)
  @Query(() => Viewer, { description: 'The key making this request and what it may do.' })
  viewer(@Ctx() ctx: Context): Viewer {
    return this.auth.viewer(ctx);
  }

  @Authorized(Role.ADMIN)
  @Query(() => [ApiKey], { description: 'Every API key, newest first, with its roles, expiry, last use and revocation.' })
  apiKeys(@Ctx() ctx: Context): Promise<ApiKey[]> {
    return this.auth.list(ctx);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ApiKeyRevokePayload, { description: 'Revokes a key: it is refused from the next request on. Audited.' })
  apiKeyRevoke(@Arg('id', () => ID, { description: 'The key\'s id.' }) id: string, @Ctx() ctx: Context): Promise<ApiKeyRevokePayload> {
    return runMutation(ctx, async (tx) => ({ apiKey: await this.auth.revoke(tx, id) }), { apiKey: null });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ApiKeyCreatePayload, { description: 'Creates an API key with the roles given; its secret is answered once, never again. Audited.' })
  apiKeyCreate(@Arg('input', { description: 'The new key.' }) input: ApiKeyCreateInput, @Ctx() ctx: Context): Promise<ApiKeyCreatePayload> {
    return runMutation(ctx, async (tx) => {
      assertValidInput(input, ['input']);
      return this.auth.create(tx, input);
    }, { apiKey: null, secret: null });
  }
}
