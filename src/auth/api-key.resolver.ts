import { ArrayMaxSize, MaxLength, MinLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { runMutation } from '../shared/transaction';
import { UserError } from '../shared/user-error';
import { assertValidInput } from '../shared/validation';
import { ApiKey } from './api-key.entity';
import { AuthService } from './auth.service';
import { Role } from '../shared/role';

@InputType()
export class ApiKeyCreateInput {
  @Field()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Field(() => [Role])
  @ArrayMaxSize(5)
  roles: Role[];
}

@ObjectType()
export class ApiKeyCreatePayload {
  @Field(() => ApiKey, { nullable: true })
  apiKey: ApiKey | null;

  @Field(() => String, { nullable: true, description: 'Shown once; only its hash is stored.' })
  secret: string | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@Resolver()
export class ApiKeyResolver {
  constructor(private readonly auth: AuthService) {}

  @Authorized(Role.ADMIN)
  @Mutation(() => ApiKeyCreatePayload)
  apiKeyCreate(@Arg('input') input: ApiKeyCreateInput, @Ctx() ctx: Context): Promise<ApiKeyCreatePayload> {
    return runMutation(ctx, async (tx) => {
      await assertValidInput(input, ['input']);
      return this.auth.create(tx, input);
    }, { apiKey: null, secret: null });
  }
}
