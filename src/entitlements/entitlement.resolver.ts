import { IsOptional, MaxLength, MinLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { EvaluationService } from '../evaluation/evaluation.service';
import { Tier } from '../programs/tier.entity';
import { TierProgram } from '../programs/tier-program.entity';
import { Role } from '../shared/role';
import type { Context } from '../context';
import { JSONScalar } from '../shared/scalars';
import { TypedValue } from '../shared/typed-value';
import { runMutation } from '../shared/transaction';
import { UserError } from '../shared/user-error';
import { assertValidInput } from '../shared/validation';
import { CustomerEntitlement, CustomerEntitlementSet } from './customer-entitlement.types';
import { BetterEnum, EntitlementDefinition, EntitlementValueTypeEnum } from '../catalog/entitlement-definition.entity';
import { EntitlementGrant } from './entitlement-grant.entity';
import { EntitlementService, grantReplay } from './entitlement.service';
import { IDEMPOTENCY_KEY, IdempotencyService } from '../idempotency/idempotency.service';
import { perIdCost } from '../limits/query-cost';

@InputType({ description: 'An entitlement catalog entry.' })
export class EntitlementDefineInput {
  @Field({ description: 'The catalog key, e.g. feeDiscountPct: a lower-case letter, then letters, digits and _ (at most 63).' })
  key: string;

  @Field({ description: 'Display name, 1 to 200 characters.' })
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Field(() => String, { nullable: true, description: 'What the entitlement gives, for people reading the catalog.' })
  @IsOptional()
  @MaxLength(1000)
  description?: string | null;

  @Field(() => EntitlementValueTypeEnum, { description: 'The type of every value; it never changes once defined.' })
  valueType: EntitlementValueTypeEnum;

  @Field(() => BetterEnum, { nullable: true, description: 'For NUMBER: whether a higher or a lower value is more generous (HIGHER when left out).' })
  better?: BetterEnum | null;

  @Field(() => String, { nullable: true, description: 'The unit of a NUMBER, e.g. % or hours; up to 20 characters.' })
  @IsOptional()
  @MaxLength(20)
  unit?: string | null;
}

@InputType({ description: 'A grant: which customer, which entitlement, which value, why, until when.' })
export class EntitlementGrantInput {
  @Field(() => ID, { nullable: true, description: "Strata's id of the customer; give this or customerExternalId." })
  customerId?: string | null;

  @Field(() => String, { nullable: true, description: 'Your own id of the customer; give this or customerId.' })
  customerExternalId?: string | null;

  @Field({ description: 'The entitlement\'s catalog key.' })
  key: string;

  @Field(() => JSONScalar, { description: 'The value to grant, of the entitlement\'s type (a STRING up to 1,000 characters).' })
  value: unknown;

  @Field(() => Date, { nullable: true, description: 'The grant stops counting at this instant; null = until revoked.' })
  expiresAt?: Date | null;

  @Field({ description: 'Why it is granted, 1 to 1,000 characters; kept in the audit log.' })
  @MinLength(1)
  @MaxLength(1000)
  reason: string;
}

@ObjectType({ description: 'What entitlementDefine answers.' })
export class EntitlementDefinePayload {
  @Field(() => EntitlementDefinition, { nullable: true, description: 'The catalog entry as stored; null when refused.' })
  entitlement: EntitlementDefinition | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: 'What entitlementGrant and entitlementGrantRevoke answer.' })
export class EntitlementGrantPayload {
  @Field(() => EntitlementGrant, { nullable: true, description: 'The grant as stored; null when refused.' })
  grant: EntitlementGrant | null;

  @Field({ description: 'True when this answers a retry of entitlementGrant: the idempotencyKey was seen and no second grant was made.' })
  replayed: boolean;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@Resolver()
export class EntitlementResolver {
  constructor(
    private readonly entitlements: EntitlementService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Authorized(Role.VIEWER)
  @Query(() => [EntitlementDefinition], { description: 'The entitlement catalog.' })
  entitlementDefinitions(@Ctx() ctx: Context): Promise<EntitlementDefinition[]> {
    return this.entitlements.list(ctx);
  }

  @Authorized(Role.VIEWER)
  @Query(() => [CustomerEntitlementSet], { complexity: perIdCost, description: 'Up to 500 customers, answered in input order (ids, then externalIds).' })
  customerEntitlements(
    @Ctx() ctx: Context,
    @Arg('ids', () => [ID], { nullable: true, description: 'Strata\'s ids of the customers, answered first.' }) ids?: string[],
    @Arg('externalIds', () => [String], { nullable: true, description: 'Your own ids of the customers, answered after ids.' }) externalIds?: string[],
    @Arg('keys', () => [String], { nullable: true, description: 'Only these entitlements (catalog keys); all when left out.' }) keys?: string[],
  ): Promise<CustomerEntitlementSet[]> {
    return this.entitlements.forCustomers(ctx, ids ?? [], externalIds ?? [], keys ?? null);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => EntitlementDefinePayload, { description: 'Adds an entitlement to the catalog, or changes its name and description (never its type or direction). Audited.' })
  entitlementDefine(@Arg('input', { description: 'The catalog entry.' }) input: EntitlementDefineInput, @Ctx() ctx: Context): Promise<EntitlementDefinePayload> {
    return runMutation(ctx, async (tx) => {
      assertValidInput(input, ['input']);
      return { entitlement: await this.entitlements.define(tx, input) };
    }, { entitlement: null });
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => EntitlementGrantPayload, { description: 'Grants one customer an entitlement value beside its tiers (the more generous value wins), until revoked or expired. Audited.' })
  entitlementGrant(
    @Arg('input', { description: 'The grant.' }) input: EntitlementGrantInput,
    @Ctx() ctx: Context,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY }) idempotencyKey?: string,
  ): Promise<EntitlementGrantPayload> {
    return runMutation(ctx, async (tx) => {
      assertValidInput(input, ['input']);
      const call = { operation: 'entitlementGrant', idempotencyKey, args: { input } };
      return this.idempotency.once(tx, call, grantReplay, async () => ({ grant: await this.entitlements.grant(tx, input) }));
    }, { grant: null, replayed: false });
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => EntitlementGrantPayload, { description: 'Revokes a grant: it stops counting at once. Audited.' })
  entitlementGrantRevoke(@Arg('id', () => ID, { description: 'The grant\'s id.' }) id: string, @Ctx() ctx: Context): Promise<EntitlementGrantPayload> {
    return runMutation(ctx, async (tx) => ({ grant: await this.entitlements.revoke(tx, id), replayed: false }), { grant: null, replayed: false });
  }
}

/** The objects behind an entitlement's keys. */
@Resolver(() => CustomerEntitlement)
export class CustomerEntitlementReferenceResolver {
  constructor(
    private readonly entitlements: EntitlementService,
    private readonly evaluation: EvaluationService,
  ) {}

  @FieldResolver(() => EntitlementDefinition, { nullable: true, description: "The catalog entry: the entitlement's name, value type and which value is better." })
  definition(@Root() entitlement: CustomerEntitlement, @Ctx() ctx: Context): Promise<EntitlementDefinition | null> {
    return this.entitlements.definition(ctx, entitlement.key);
  }

  @FieldResolver(() => TypedValue, { description: 'The value typed by the catalog, with its unit and as a person reads it ("50 %", "yes").' })
  typedValue(@Root() entitlement: CustomerEntitlement, @Ctx() ctx: Context): Promise<TypedValue> {
    return this.entitlements.typed(ctx, entitlement.key, entitlement.value);
  }

  @FieldResolver(() => TierProgram, { nullable: true, description: 'The program whose tier gives the value (source TIER); null for a grant.' })
  program(@Root() entitlement: CustomerEntitlement, @Ctx() ctx: Context): Promise<TierProgram | null> {
    return this.evaluation.programInForce(ctx, { key: entitlement.programKey });
  }

  @FieldResolver(() => Tier, { nullable: true, description: 'The tier that gives the value (source TIER); null for a grant.' })
  tier(@Root() entitlement: CustomerEntitlement, @Ctx() ctx: Context): Promise<Tier | null> {
    return this.evaluation.tierInForce(ctx, { key: entitlement.programKey }, entitlement.tierKey);
  }
}

@Resolver(() => EntitlementGrant)
export class EntitlementGrantReferenceResolver {
  constructor(private readonly entitlements: EntitlementService) {}

  @FieldResolver(() => EntitlementDefinition, { nullable: true, description: 'The catalog entry of the entitlement granted.' })
  definition(@Root() grant: EntitlementGrant, @Ctx() ctx: Context): Promise<EntitlementDefinition | null> {
    return this.entitlements.definition(ctx, grant.key);
  }

  @FieldResolver(() => TypedValue, { description: 'The value granted, typed by the catalog.' })
  typedValue(@Root() grant: EntitlementGrant, @Ctx() ctx: Context): Promise<TypedValue> {
    return this.entitlements.typed(ctx, grant.key, grant.value);
  }
}
