import { createPubSub } from '@graphql-yoga/subscription';
import { GraphQLSchema } from 'graphql';
import { ContainerType, buildSchema } from 'type-graphql';
import { AuditResolver } from './audit/audit.resolver';
import { ApiKeyResolver } from './auth/api-key.resolver';
import { DraftTierEntitlementResolver, DraftTierTimeResolver, ProgramHistoryResolver, RuleDraftResolver } from './authoring/authoring.resolver';
import { authChecker } from './auth/auth-checker';
import { CustomerEntitlementSetResolver, CustomerResolver, EntitlementGrantCustomerResolver, EventCustomerResolver, TierChangeCustomerResolver, TierOverrideCustomerResolver } from './customers/customer.resolver';
import { TierChangeReferenceResolver, TierOverrideReferenceResolver } from './evaluation/references.resolver';
import { CustomerEntitlementReferenceResolver, EntitlementGrantReferenceResolver, EntitlementResolver } from './entitlements/entitlement.resolver';
import { OverrideResolver } from './evaluation/override.resolver';
import { ProgramEvaluationResolver, TierAsOfResolver, TierAssignmentResolver } from './evaluation/tier-assignment.resolver';
import { EventResolver } from './events/event.resolver';
import { WebhookDeliveryResolver, WebhookResolver } from './webhooks/webhook.resolver';
import { FactResolver } from './facts/fact.resolver';
import { NodeResolver } from './nodes/node.resolver';
import { ProgramResolver, TierRuleResolver, TierEntitlementResolver } from './programs/program.resolver';
import { DateTimeScalar } from './shared/scalars';

export const resolvers = [
  ApiKeyResolver,
  AuditResolver,
  CustomerEntitlementSetResolver,
  CustomerEntitlementReferenceResolver,
  EntitlementGrantCustomerResolver,
  EntitlementGrantReferenceResolver,
  EventCustomerResolver,
  EventResolver,
  TierChangeCustomerResolver,
  TierChangeReferenceResolver,
  TierOverrideCustomerResolver,
  TierOverrideReferenceResolver,
  CustomerResolver,
  EntitlementResolver,
  FactResolver,
  OverrideResolver,
  ProgramEvaluationResolver,
  ProgramHistoryResolver,
  DraftTierEntitlementResolver,
  DraftTierTimeResolver,
  NodeResolver,
  ProgramResolver,
  TierEntitlementResolver,
  TierRuleResolver,
  RuleDraftResolver,
  TierAssignmentResolver,
  TierAsOfResolver,
  WebhookDeliveryResolver,
  WebhookResolver,
] as const;

/** The schema; `container` hands type-graphql the resolver instances createServer wired. */
export function buildStrataSchema(container: ContainerType): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    authChecker,
    container,
    // Inputs are checked in the mutation so failures come back as userErrors, not top-level errors.
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // type-graphql wants one for any subscription; Strata's one (events) follows the feed itself, by its own subscribe.
    pubSub: createPubSub(),
  });
}
