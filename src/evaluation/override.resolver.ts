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

@InputType()
export class TierOverrideSetInput {
  @Field(() => ID, { nullable: true, description: "Strata's id of the customer; give this or customerExternalId." })
  customerId?: string | null;

  @Field(() => String, { nullable: true, description: 'Your own id of the customer; give this or customerId.' })
  customerExternalId?: string | null;

  @Field()
  programKey: string;

  @Field()
  tierKey: string;

  @Field()
  @MinLength(1)
  @MaxLength(1000)
  reason: string;

  @Field(() => Date, { nullable: true, description: 'The override stops counting at this instant; null = until revoked.' })
  @IsOptional()
  expiresAt?: Date | null;
}

@ObjectType()
export class TierOverridePayload {
  @Field(() => TierOverride, { nullable: true })
  override: TierOverride | null;

  @Field(() => [TierChange], { description: "The change of the customer's shown tier, if any." })
  tierChanges: TierChange[];

  @Field(() => [UserError])
  userErrors: UserError[];
}

@Resolver()
export class OverrideResolver {
  constructor(private readonly overrides: OverrideService) {}

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => TierOverridePayload, { description: "Pins a customer's tier in a program, replacing any override in force." })
  tierOverrideSet(@Arg('input') input: TierOverrideSetInput, @Ctx() ctx: Context): Promise<TierOverridePayload> {
    return runMutation(ctx, async (tx) => {
      await assertValidInput(input, ['input']);
      return this.overrides.set(tx, input);
    }, { override: null, tierChanges: [] });
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => TierOverridePayload, { description: 'Ends an override now; the rules decide the tier again.' })
  tierOverrideRevoke(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<TierOverridePayload> {
    return runMutation(ctx, (tx) => this.overrides.revoke(tx, id), { override: null, tierChanges: [] });
  }
}
