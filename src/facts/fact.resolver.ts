import { IsOptional, MaxLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Role } from '../shared/role';
import type { Context } from '../context';
import { runMutation } from '../shared/transaction';
import { UserError } from '../shared/user-error';
import { assertValidInput } from '../shared/validation';
import { FactDefinition, FactTypeEnum } from './fact-definition.entity';
import { FactService } from './fact.service';

@InputType({ description: 'A fact catalog entry.' })
export class FactDefineInput {
  @Field({ description: 'The catalog key, e.g. balance: a lower-case letter, then letters, digits and _ (at most 63).' })
  key: string;

  @Field(() => FactTypeEnum, { description: 'The type of every value; it never changes once defined.' })
  type: FactTypeEnum;

  @Field(() => String, { nullable: true, description: 'What the fact measures, for people writing rules.' })
  @IsOptional()
  @MaxLength(1000)
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'The unit of a NUMBER, e.g. CNY or months.' })
  @IsOptional()
  @MaxLength(50)
  unit?: string | null;
}

@ObjectType({ description: 'What factDefine answers.' })
export class FactDefinePayload {
  @Field(() => FactDefinition, { nullable: true, description: 'The catalog entry as stored; null when refused.' })
  fact: FactDefinition | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@Resolver()
export class FactResolver {
  constructor(private readonly facts: FactService) {}

  @Authorized(Role.VIEWER)
  @Query(() => [FactDefinition], { description: 'The fact catalog.' })
  factDefinitions(@Ctx() ctx: Context): Promise<FactDefinition[]> {
    return this.facts.list(ctx);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => FactDefinePayload, { description: 'Adds a fact to the catalog, or changes its description and unit (never its type). Audited.' })
  factDefine(@Arg('input', { description: 'The catalog entry.' }) input: FactDefineInput, @Ctx() ctx: Context): Promise<FactDefinePayload> {
    return runMutation(ctx, async (tx) => {
      assertValidInput(input, ['input']);
      return { fact: await this.facts.define(tx, input) };
    }, { fact: null });
  }
}
