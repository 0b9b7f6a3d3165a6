import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { JSONScalar } from '../shared/scalars';

export enum EntitlementSource {
  TIER = 'TIER',
  GRANT = 'GRANT',
}
registerEnumType(EntitlementSource, { name: 'EntitlementSource', description: 'Where an entitlement value comes from.', valuesConfig: { TIER: { description: 'A tier the customer holds.' }, GRANT: { description: 'A grant to the customer.' } } });

@ObjectType({ description: 'The most generous value of one entitlement across all sources, with where it came from.' })
export class CustomerEntitlement {
  @Field({ description: 'The entitlement\'s catalog key.' })
  key: string;

  @Field(() => JSONScalar, { description: 'The value in force, typed by the catalog (BOOLEAN, NUMBER or STRING).' })
  value: unknown;

  @Field(() => EntitlementSource, { description: 'Where the value comes from: a tier or a grant.' })
  source: EntitlementSource;

  @Field(() => String, { nullable: true, description: 'The program whose tier gives the value (source TIER).' })
  programKey: string | null;

  @Field(() => String, { nullable: true, description: 'The tier that gives the value (source TIER).' })
  tierKey: string | null;

  @Field(() => ID, { nullable: true, description: 'The grant that gives the value (source GRANT).' })
  grantId: string | null;

  @Field(() => Date, { nullable: true, description: 'When the grant giving the value ends; null for tier values and grants without end.' })
  expiresAt: Date | null;
}

@ObjectType({ description: "One customer's effective entitlements, as customerEntitlements answers them." })
export class CustomerEntitlementSet {
  @Field(() => ID, { nullable: true, description: "Strata's id: the id asked for, or the id of the customer found by externalId; null for an externalId no customer has." })
  customerId: string | null;

  @Field(() => String, { nullable: true, description: 'The externalId asked for, or that of the customer found by id; null for an id no customer has.' })
  externalId: string | null;

  @Field({ description: 'False when no customer has the id or externalId asked for; entitlements are then empty.' })
  found: boolean;

  @Field(() => [CustomerEntitlement], { description: 'Every effective entitlement, or those the call named in keys.' })
  entitlements: CustomerEntitlement[];
}
