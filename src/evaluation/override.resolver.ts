import { IsOptional, MaxLength, MinLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { Role } from '../shared/role';
import type { Context } from '../context';
import { runMutation } from '../shared/transaction';
import { UserError } from '../shared/user-error';
import { assertValidInput } from '../shared/validation';
import { OverrideService } from './override.service';
import { TierChange } from './tier-change.entity';
import { TierOverride } from './tier-override.entity';

@InputType({ description: 'An override: which customer, which program, which tier, why, until when.' })
export class TierOverrideSetInput {
  @Field(() => ID, { nullable: true, description: "Strata's id of the customer; give this or customerExternalId." })
  customerId?: string | null;

  @Field(() => String, { nullable: true, description: 'Your own id of the customer; give this or customerId.' })
  customerExternalId?: string | null;

  @Field({ description: 'The program to pin the tier in.' })
  programKey: string;

  @Field({ description: 'The tier to pin; the version in force must have it.' })
  tierKey: string;

  @Field({ description: 'Why, 1 to 1,000 characters; kept in the audit log.' })
  @MinLength(1)
  @MaxLength(1000)
  reason: string;

  @Field(() => Date, { nullable: true, description: 'The override stops counting at this instant; null = until revoked.' })
  @IsOptional()
  expiresAt?: Date | null;
}

@ObjectType({ description: 'What tierOverrideSet and tierOverrideRevoke answer.' })
export class TierOverridePayload {
  @Field(() => TierOverride, { nullable: true, description: 'The override as the call left it; null when refused.' })
  override: TierOverride | null;

  @Field(() => [TierChange], { description: "The change of the customer's shown tier, if any." })
  tierChanges: TierChange[];

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@Resolver()
export class OverrideResolver {
  constructor(private readonly overrides: OverrideService) {}

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => TierOverridePayload, { description: "Pins a customer's tier in a program, replacing any override in force." })
  tierOverrideSet(@Arg('input', { description: 'The override.' }) input: TierOverrideSetInput, @Ctx() ctx: Context): Promise<TierOverridePayload> {
    return runMutation(ctx, async (tx) => {
      assertValidInput(input, ['input']);
      return this.overrides.set(tx, input);
    }, { override: null, tierChanges: [] });
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => TierOverridePayload, { description: 'Ends an override now; the rules decide the tier again.' })
  tierOverrideRevoke(@Arg('id', () => ID, { description: 'The override\'s id.' }) id: string, @Ctx() ctx: Context): Promise<TierOverridePayload> {
    return runMutation(ctx, (tx) => this.overrides.revoke(tx, id), { override: null, tierChanges: [] });
  }
}
