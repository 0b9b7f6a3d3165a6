import { Initial1763798400000 } from './1763798400000-initial';
import { RuleAuthoring1763884800000 } from './1763884800000-rule-authoring';
import { SetBasedRetier1764057600000 } from './1764057600000-set-based-retier';
import { IdempotentRequests1764144000000 } from './1764144000000-idempotent-requests';
import { ShownTierHistory1764662400000 } from './1764662400000-shown-tier-history';
import { ApiKeyLifecycle1764748800000 } from './1764748800000-api-key-lifecycle';
import { CustomerSearch1764835200000 } from './1764835200000-customer-search';
import { EntitlementUnit1764835300000 } from './1764835300000-entitlement-unit';
import { TierConditions1764921600000 } from './1764921600000-tier-conditions';
import { VersionPublisher1764921700000 } from './1764921700000-version-publisher';
import { TierChangeFacts1765008000000 } from './1765008000000-tier-change-facts';
import { ScheduledExpiries1765094400000 } from './1765094400000-scheduled-expiries';
import { HeldTiers1765180800000 } from './1765180800000-held-tiers';
import { FactsHistory1765267200000 } from './1765267200000-facts-history';
import { HistoryProgramIndex1765267300000 } from './1765267300000-history-program-index';
import { EventOutbox1765353600000 } from './1765353600000-event-outbox';
import { Webhooks1765353700000 } from './1765353700000-webhooks';

/** Every migration, in order; run at start-up. */
export const migrations = [Initial1763798400000, RuleAuthoring1763884800000, SetBasedRetier1764057600000, IdempotentRequests1764144000000, ShownTierHistory1764662400000, ApiKeyLifecycle1764748800000, CustomerSearch1764835200000, EntitlementUnit1764835300000, TierConditions1764921600000, VersionPublisher1764921700000, TierChangeFacts1765008000000, ScheduledExpiries1765094400000, HeldTiers1765180800000, FactsHistory1765267200000, HistoryProgramIndex1765267300000, EventOutbox1765353600000, Webhooks1765353700000];
