import { TierStatus } from '../evaluation/tier-assignment.types';
import { IsOptional, MaxLength, Min, MinLength } from 'class-validator';
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root, registerEnumType } from 'type-graphql';
import { Role } from '../shared/role';
import type { Context } from '../context';
import { CustomerEntitlement, CustomerEntitlementSet } from '../entitlements/customer-entitlement.types';
import { EntitlementService } from '../entitlements/entitlement.service';
import { EvaluationService } from '../evaluation/evaluation.service';
import { TierAsOf, TierAssignment } from '../evaluation/tier-assignment.types';
import { TierChange } from '../evaluation/tier-change.entity';
import { TierOverride } from '../evaluation/tier-override.entity';
import { EntitlementGrant } from '../entitlements/entitlement-grant.entity';
import { Event } from '../events/event.entity';
import { ConnectionType, OrderDirection, PageArgs } from '../shared/pagination';
import type { Connection } from '../shared/pagination';
import { JSONObjectScalar } from '../shared/scalars';
import { TypedValue } from '../shared/typed-value';
import { FactDefinition } from '../facts/fact-definition.entity';
import { runMutation } from '../shared/transaction';
import { UserError } from '../shared/user-error';
import { assertValidInput } from '../shared/validation';
import { IDEMPOTENCY_KEY, IdempotencyService } from '../idempotency/idempotency.service';
import { Customer } from './customer.entity';
import { CUSTOMER_BATCH_MAX, CustomerService, customerBatchReplay, customerWriteReplay } from './customer.service';
import { costsWork, pageCost, perItemCost } from '../limits/query-cost';

const CUSTOMER_ID = "Strata's id of the customer; give this or externalId.";
const CUSTOMER_EXTERNAL_ID = 'Your own id of the customer; give this or id.';

@InputType({ description: 'A customer as it should be, named by your own externalId.' })
export class CustomerUpsertInput {
  @Field({ description: 'Your own id of the customer (1 to 200 characters, unique): the customer is created, or replaced when it exists.' })
  @MinLength(1)
  @MaxLength(200)
  externalId: string;

  @Field({ description: 'Display name, 1 to 500 characters.' })
  @MinLength(1)
  @MaxLength(500)
  name: string;

  @Field(() => String, { nullable: true, description: 'Free-form grouping of your own, up to 100 characters.' })
  @IsOptional()
  @MaxLength(100)
  segment?: string | null;

  @Field(() => JSONObjectScalar, { description: 'Fact catalog key → value; replaces all facts.' })
  facts: Record<string, unknown>;

  @Field(() => Int, { nullable: true, description: 'The version you read: the write is refused with CONFLICT unless the customer is still at it. Leave out to create or overwrite.' })
  @IsOptional()
  @Min(1)
  expectedVersion?: number | null;
}

@InputType({ description: 'Which customers to list; every field given must match.' })
export class CustomerFilter {
  @Field(() => String, { nullable: true, description: 'Only customers the program covers.' })
  programKey?: string | null;

  @Field(() => String, { nullable: true, description: 'Only customers showing this tier of programKey (which it needs).' })
  tierKey?: string | null;

  @Field(() => TierStatus, { nullable: true, description: "Only customers whose tier in programKey (which it needs) has this status under the program's time policy: AT_RISK finds those who fall at the next review unless they requalify." })
  tierStatus?: TierStatus | null;

  @Field(() => String, { nullable: true, description: 'Only customers of this segment.' })
  segment?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only customers written at or after this instant: for delta sync, pass the time of your last sync.' })
  updatedSince?: Date | null;

  @Field(() => [FactRange], { nullable: true, description: 'Only customers whose NUMBER facts lie in every range given.' })
  facts?: FactRange[] | null;
}

@InputType({ description: 'An inclusive range of a NUMBER fact; a customer without the fact is outside every range.' })
export class FactRange {
  @Field({ description: 'A NUMBER fact of the catalog.' })
  fact: string;

  @Field(() => Float, { nullable: true, description: 'The smallest value kept.' })
  min?: number | null;

  @Field(() => Float, { nullable: true, description: 'The largest value kept.' })
  max?: number | null;
}

export enum CustomerOrderField {
  ID = 'ID',
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  FACT = 'FACT',
}
registerEnumType(CustomerOrderField, {
  name: 'CustomerOrderField',
  description: 'What customers are ordered by; ties are broken by id.',
  valuesConfig: {
    ID: { description: "Strata's id: stable, the default." },
    NAME: { description: 'Name.' },
    CREATED_AT: { description: 'When Strata first stored the customer.' },
    UPDATED_AT: { description: 'When the customer was last written.' },
    FACT: { description: 'A NUMBER fact, named in fact; customers without it sort as the smallest.' },
  },
});

@InputType({ description: 'How to order customers.' })
export class CustomerOrder {
  @Field(() => CustomerOrderField, { description: 'What to order by.' })
  field: CustomerOrderField;

  @Field(() => OrderDirection, { nullable: true, description: 'ASC when left out.' })
  direction?: OrderDirection | null;

  @Field(() => String, { nullable: true, description: 'The NUMBER fact, for field FACT.' })
  fact?: string | null;
}

@ObjectType({ description: 'What a customer write answers.' })
export class CustomerPayload {
  @Field(() => Customer, { nullable: true, description: 'The customer as the write left it; null when refused.' })
  customer: Customer | null;

  @Field(() => [TierChange], { description: 'The tier changes this write caused.' })
  tierChanges: TierChange[];

  @Field({ description: 'True when this answers a retry: the idempotencyKey was seen, nothing was written again, and customer and tierChanges are what the first call returned.' })
  replayed: boolean;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: "One of a customer's facts, typed by the catalog." })
export class FactValue {
  @Field({ description: 'The fact catalog key.' })
  key: string;

  @Field(() => FactDefinition, { nullable: true, description: 'The catalog entry: type, unit, description; null for a fact no longer in the catalog.' })
  definition: FactDefinition | null;

  @Field(() => TypedValue, { description: 'The value, typed, with its unit and as a person reads it.' })
  value: TypedValue;
}

@ObjectType({ description: 'What became of one item of customersUpsert; results come in the order the inputs were sent.' })
export class CustomerUpsertResult {
  @Field({ description: 'The externalId this item sent.' })
  externalId: string;

  @Field(() => Customer, { nullable: true, description: 'The customer as written; null when this item was refused.' })
  customer: Customer | null;

  @Field(() => [TierChange], { description: "The tier changes this item's write caused." })
  tierChanges: TierChange[];

  @Field(() => [UserError], { description: 'Why this item was refused, with paths from the call\'s root (["inputs", 3, "facts", "balance"]); empty when it was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: 'What customersUpsert answers: one result per input.' })
export class CustomersUpsertPayload {
  @Field(() => [CustomerUpsertResult], { description: 'One per input, in input order. Items are independent: a refused item is not written, the others are.' })
  results: CustomerUpsertResult[];

  @Field({ description: 'True when this answers a retry with the same idempotencyKey: nothing was written again.' })
  replayed: boolean;

  @Field(() => [UserError], { description: 'Problems with the call as a whole (too many inputs, a reused idempotencyKey); when any, nothing was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: 'What customerDelete answers.' })
export class CustomerDeletePayload {
  @Field(() => ID, { nullable: true, description: 'Strata\'s id of the customer deleted; null when refused.' })
  deletedId: string | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

export const CustomerConnection = ConnectionType(Customer, 'Customer');
export const TierChangeConnection = ConnectionType(TierChange, 'TierChange');

@Resolver(() => Customer)
export class CustomerResolver {
  constructor(
    private readonly customerService: CustomerService,
    private readonly evaluation: EvaluationService,
    private readonly entitlementService: EntitlementService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Authorized(Role.VIEWER)
  @Query(() => Customer, { nullable: true, description: 'By id or by externalId (exactly one).' })
  customer(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { nullable: true, description: 'Strata\'s id; give this or externalId.' }) id?: string,
    @Arg('externalId', () => String, { nullable: true, description: 'Your own id; give this or id.' }) externalId?: string,
  ): Promise<Customer | null> {
    return this.customerService.find(ctx, { id, externalId });
  }

  @Authorized(Role.VIEWER)
  @Query(() => CustomerConnection, { complexity: pageCost, description: 'Customers: searched (query), filtered (program and the tier each shows, segment, updatedSince, fact ranges) and ordered (orderBy; by id when not given). A Relay connection.' })
  customers(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => CustomerFilter, { nullable: true, description: 'Only customers matching every field given.' }) filter?: CustomerFilter,
    @Arg('query', () => String, { nullable: true, description: 'Customers whose name starts with this text (any case) or whose externalId starts with it; 1 to 100 characters.' }) query?: string,
    @Arg('orderBy', () => CustomerOrder, { nullable: true, description: 'By id when left out.' }) orderBy?: CustomerOrder,
  ): Promise<Connection<Customer>> {
    return this.customerService.list(ctx, filter ?? {}, page, query ?? null, orderBy ?? null);
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => CustomerPayload, { description: 'Create or replace by externalId; facts are checked against the catalog.' })
  customerUpsert(
    @Arg('input', { description: 'The customer as it should be.' }) input: CustomerUpsertInput,
    @Ctx() ctx: Context,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY }) idempotencyKey?: string,
  ): Promise<CustomerPayload> {
    return runMutation(ctx, async (tx) => {
      assertValidInput(input, ['input']);
      const call = { operation: 'customerUpsert', idempotencyKey, args: { input } };
      return this.idempotency.once(tx, call, customerWriteReplay, () => this.customerService.upsert(tx, input));
    }, { customer: null, tierChanges: [], replayed: false });
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => CustomersUpsertPayload, {
    complexity: perItemCost,
    description: `Creates or replaces up to ${CUSTOMER_BATCH_MAX} customers by externalId in one call, each checked and evaluated as customerUpsert would. Each item is answered on its own: a refused item is not written and does not stop the others.`,
  })
  customersUpsert(
    @Arg('inputs', () => [CustomerUpsertInput], { description: `1 to ${CUSTOMER_BATCH_MAX} customers, each externalId at most once.` }) inputs: CustomerUpsertInput[],
    @Ctx() ctx: Context,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY }) idempotencyKey?: string,
  ): Promise<CustomersUpsertPayload> {
    return runMutation(ctx, (tx) => {
      const call = { operation: 'customersUpsert', idempotencyKey, args: { inputs } };
      return this.idempotency.once(tx, call, customerBatchReplay, () => this.customerService.upsertMany(tx, inputs));
    }, { results: [], replayed: false });
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => CustomerPayload, { description: 'Merge patch: listed facts are set, a null value removes the fact.' })
  customerFactsUpdate(
    @Arg('facts', () => JSONObjectScalar, { description: 'Fact catalog key → value to set; null removes the fact.' }) facts: Record<string, unknown>,
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { nullable: true, description: CUSTOMER_ID }) id?: string,
    @Arg('externalId', () => String, { nullable: true, description: CUSTOMER_EXTERNAL_ID }) externalId?: string,
    @Arg('expectedVersion', () => Int, { nullable: true, description: 'The version you read: refused with CONFLICT unless the customer is still at it.' })
    expectedVersion?: number,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY }) idempotencyKey?: string,
  ): Promise<CustomerPayload> {
    return runMutation(ctx, (tx) => {
      const call = { operation: 'customerFactsUpdate', idempotencyKey, args: { id, externalId, facts, expectedVersion } };
      return this.idempotency.once(tx, call, customerWriteReplay, () => this.customerService.updateFacts(tx, { id, externalId }, facts, expectedVersion));
    }, { customer: null, tierChanges: [], replayed: false });
  }

  @Authorized(Role.INTEGRATOR)
  @Mutation(() => CustomerDeletePayload, { description: 'Deletes the customer with its assignments, grants and overrides; its tier history is kept. Audited.' })
  customerDelete(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { nullable: true, description: CUSTOMER_ID }) id?: string,
    @Arg('externalId', () => String, { nullable: true, description: CUSTOMER_EXTERNAL_ID }) externalId?: string,
  ): Promise<CustomerDeletePayload> {
    return runMutation(ctx, async (tx) => ({ deletedId: await this.customerService.delete(tx, { id, externalId }) }), { deletedId: null });
  }

  @FieldResolver(() => [TierAssignment], { description: 'Every program covering the customer, evaluated now.' })
  @costsWork('assignments')
  tiers(@Root() customer: Customer, @Ctx() ctx: Context): Promise<TierAssignment[]> {
    return this.evaluation.liveAssignments(ctx, customer);
  }

  @FieldResolver(() => TierAssignment, { nullable: true, description: 'Null when the program does not cover the customer.' })
  @costsWork('assignment')
  tier(@Root() customer: Customer, @Arg('programKey', { description: 'The program key.' }) programKey: string, @Ctx() ctx: Context): Promise<TierAssignment | null> {
    return this.evaluation.liveAssignment(ctx, customer, programKey);
  }

  @FieldResolver(() => TierAsOf, { description: "The tier the customer showed in a program at a past instant, with its cause, the version then in force and why, with the facts of then: the first question of a tier dispute." })
  @costsWork('assignment')
  tierAt(
    @Root() customer: Customer,
    @Arg('programKey', { description: 'The program key.' }) programKey: string,
    @Arg('at', () => Date, { description: 'The instant, not in the future.' }) at: Date,
    @Ctx() ctx: Context,
  ): Promise<TierAsOf> {
    return this.evaluation.tierAt(ctx, customer.id, programKey, at);
  }

  @FieldResolver(() => [FactValue], { description: 'The facts as a typed list in catalog order, each with its definition (facts is the same as raw JSON).' })
  factValues(@Root() customer: Customer, @Ctx() ctx: Context): Promise<FactValue[]> {
    return this.customerService.factValues(ctx, customer);
  }

  @FieldResolver(() => [CustomerEntitlement], { description: 'What the customer is entitled to now: per entitlement the most generous value of its tiers and active grants, with the source.' })
  entitlements(@Root() customer: Customer, @Ctx() ctx: Context): Promise<CustomerEntitlement[]> {
    return this.entitlementService.effective(ctx, customer);
  }

  @FieldResolver(() => TierChangeConnection, { complexity: pageCost, description: 'Every change of the tier the customer shows, newest first, with its cause.' })
  tierHistory(
    @Root() customer: Customer,
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('programKey', () => String, { nullable: true, description: 'Only changes in this program.' }) programKey?: string,
  ): Promise<Connection<TierChange>> {
    return this.evaluation.history(ctx, customer.id, programKey ?? null, page);
  }
}

@Resolver(() => CustomerEntitlementSet)
export class CustomerEntitlementSetResolver {
  constructor(private readonly customerService: CustomerService) {}

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer these entitlements are of; null when not found.' })
  customer(@Root() set: CustomerEntitlementSet, @Ctx() ctx: Context): Promise<Customer | null> {
    return this.customerService.ofEntitlementSet(ctx, set);
  }
}

/** The customer behind the customerId of history rows, overrides and grants. */
@Resolver(() => TierChange)
export class TierChangeCustomerResolver {
  constructor(private readonly customerService: CustomerService) {}

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer; null once deleted (history outlives the customer).' })
  customer(@Root() change: TierChange, @Ctx() ctx: Context): Promise<Customer | null> {
    return this.customerService.byId(ctx, change.customerId);
  }
}

@Resolver(() => Event)
export class EventCustomerResolver {
  constructor(private readonly customerService: CustomerService) {}

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer as it is now; null for program events and deleted customers.' })
  customer(@Root() event: Event, @Ctx() ctx: Context): Promise<Customer | null> {
    return event.customerId ? this.customerService.byId(ctx, event.customerId) : Promise.resolve(null);
  }
}

@Resolver(() => TierOverride)
export class TierOverrideCustomerResolver {
  constructor(private readonly customerService: CustomerService) {}

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer whose tier is pinned.' })
  customer(@Root() override: TierOverride, @Ctx() ctx: Context): Promise<Customer | null> {
    return this.customerService.byId(ctx, override.customerId);
  }
}

@Resolver(() => EntitlementGrant)
export class EntitlementGrantCustomerResolver {
  constructor(private readonly customerService: CustomerService) {}

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer the grant is for.' })
  customer(@Root() grant: EntitlementGrant, @Ctx() ctx: Context): Promise<Customer | null> {
    return this.customerService.byId(ctx, grant.customerId);
  }
}
