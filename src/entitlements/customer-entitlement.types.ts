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

@ObjectType()
export class CustomerEntitlementSet {
  @Field(() => ID, { nullable: true })
  customerId: string | null;

  @Field()
  externalId: string;

  @Field()
  found: boolean;

  @Field(() => [CustomerEntitlement])
  entitlements: CustomerEntitlement[];
}
