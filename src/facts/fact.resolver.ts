import { IsOptional, MaxLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Role } from '../shared/role';
import type { Context } from '../context';
import { runMutation } from '../shared/transaction';
import { UserError } from '../shared/user-error';
import { assertValidInput } from '../shared/validation';
import { FactDefinition, FactTypeEnum } from './fact-definition.entity';
import { FactService } from './fact.service';

@InputType()
export class FactDefineInput {
  @Field()
  key: string;

  @Field(() => FactTypeEnum)
  type: FactTypeEnum;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(1000)
  description?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(50)
  unit?: string | null;
}

@ObjectType()
export class FactDefinePayload {
  @Field(() => FactDefinition, { nullable: true })
  fact: FactDefinition | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@Resolver()
export class FactResolver {
  constructor(private readonly facts: FactService) {}

  @Authorized(Role.VIEWER)
  @Query(() => [FactDefinition])
  factDefinitions(@Ctx() ctx: Context): Promise<FactDefinition[]> {
    return this.facts.list(ctx);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => FactDefinePayload)
  factDefine(@Arg('input') input: FactDefineInput, @Ctx() ctx: Context): Promise<FactDefinePayload> {
    return runMutation(ctx, async (tx) => {
      await assertValidInput(input, ['input']);
      return { fact: await this.facts.define(tx, input) };
    }, { fact: null });
  }
}
