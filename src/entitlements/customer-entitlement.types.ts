import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { JSONScalar } from '../shared/scalars';

export enum EntitlementSource {
  TIER = 'TIER',
  GRANT = 'GRANT',
}
registerEnumType(EntitlementSource, { name: 'EntitlementSource' });

@ObjectType({ description: 'The most generous value of one entitlement across all sources, with where it came from.' })
export class CustomerEntitlement {
  @Field()
  key: string;

  @Field(() => JSONScalar)
  value: unknown;

  @Field(() => EntitlementSource)
  source: EntitlementSource;

  @Field(() => String, { nullable: true })
  programKey: string | null;

  @Field(() => String, { nullable: true })
  tierKey: string | null;

  @Field(() => ID, { nullable: true })
  grantId: string | null;

  @Field(() => Date, { nullable: true })
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
