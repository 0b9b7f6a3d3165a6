import DataLoader from 'dataloader';
import { EntityManager, In } from 'typeorm';
import { Customer } from './customers/customer.entity';
import { entityColumns, queryEntities } from './shared/entity-rows';
import { Classification } from './engine';
import { EntitlementDefinition } from './catalog/entitlement-definition.entity';
import { EntitlementGrant, grantActive } from './entitlements/entitlement-grant.entity';
import { FactDefinition } from './facts/fact-definition.entity';
import { FactsAtKey, factsAt } from './facts/facts-history';
import type { EvaluatedCustomer } from './evaluation/evaluated-customer';
import { overrideActive, TierOverride } from './evaluation/tier-override.entity';
import { ProgramRegistry, PublishedProgram } from './programs/program-registry';
import { RuleSetVersion } from './programs/rule-set-version.entity';
import type { Tier } from './programs/tier.entity';
import { Clock } from './shared/clock';
import { isUuid } from './shared/ids';
import { StoredAssignment, heldOnRead } from './evaluation/held-tier';
import { assignmentKey, storedAssignments } from './evaluation/stored-assignments';
import { timingHolds } from './rules/time-policy';

export interface CustomerClassification {
  published: PublishedProgram;
  /** The rules' verdict from the compiled evaluator; explanations are computed only when asked for. */
  classification: Classification;
  /** The customer's active override in this program, if any (evaluation/shown-tier decides whether it counts). */
  override: TierOverride | null;
  /** The tier the program's time policy holds above the verdict (held-tier.ts); null when none. */
  held: string | null;
  /** What was stored for the customer in a program whose time rules can hold a tier; null otherwise. */
  stored: StoredAssignment | null;
}

/** A tier as one version of its program has it. */
export interface VersionTier {
  version: number;
  tier: Tier;
}

/** Every DataLoader of one request (or one transaction); none lives longer. */
export interface Loaders {
  /** Programs in force, read once per request. */
  programs(): Promise<PublishedProgram[]>;
  customerById: DataLoader<string, Customer | null>;
  customerByExternalId: DataLoader<string, Customer | null>;
  /** Unrevoked, unexpired grants per customer id, with their catalog entries. */
  activeGrants: DataLoader<string, EntitlementGrant[]>;
  /** Unrevoked, unexpired tier overrides per customer id. */
  activeOverrides: DataLoader<string, TierOverride[]>;
  /** Live classification of a customer in every program in force, cached per customer version. */
  classifications: DataLoader<EvaluatedCustomer, CustomerClassification[], string>;
  /** The fact catalog, read once per request. */
  factDefinitions(): Promise<FactDefinition[]>;
  /** Catalog entries by key. */
  entitlementDefinition: DataLoader<string, EntitlementDefinition | null>;
  /** Every version's tiers of a program, by program id: history names tiers of versions no longer in force. */
  programTiers: DataLoader<string, VersionTier[]>;
  /** A customer's facts at an instant, from the facts history (a page of history rows in one statement). */
  factsAt: DataLoader<FactsAtKey, Record<string, unknown> | null, string>;
  /** Forgets everything cached: call after a write the loaders may have read before. */
  clear(): void;
}

export function createLoaders(db: EntityManager, { registry, clock }: { registry: ProgramRegistry; clock: Clock }): Loaders {
  let programs: Promise<PublishedProgram[]> | undefined;
  const loadPrograms = () => (programs ??= registry.published(db));
  let factDefinitions: Promise<FactDefinition[]> | undefined;

  const loaders: Loaders = {
    programs: loadPrograms,
    customerById: new DataLoader(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length
        ? await queryEntities(db, Customer, `SELECT ${entityColumns(db, Customer, 'c')} FROM customer c WHERE c.id = ANY($1::uuid[])`, [valid])
        : [];
      const byId = new Map(rows.map((c) => [c.id, c]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    customerByExternalId: new DataLoader(async (externalIds) => {
      const rows = await queryEntities(db, Customer, `SELECT ${entityColumns(db, Customer, 'c')} FROM customer c WHERE c.external_id = ANY($1::text[])`, [
        externalIds,
      ]);
      const byExternalId = new Map(rows.map((c) => [c.externalId, c]));
      for (const c of rows) loaders.customerById.prime(c.id, c);
      return externalIds.map((id) => byExternalId.get(id) ?? null);
    }),
    activeGrants: new DataLoader(async (customerIds) => {
      const rows = await queryEntities(
        db,
        EntitlementGrant,
        `SELECT ${entityColumns(db, EntitlementGrant, 'g')}, ${entityColumns(db, EntitlementDefinition, 'd', 'entitlement.')}
           FROM entitlement_grant g JOIN entitlement_definition d ON d.key = g.entitlement_key
          WHERE g.customer_id = ANY($1::uuid[]) AND ${grantActive('g', '$2')}
          ORDER BY g.created_at`,
        [customerIds, clock.now()],
        { entitlement: EntitlementDefinition },
      );
      const byCustomer = new Map<string, EntitlementGrant[]>();
      for (const grant of rows) byCustomer.set(grant.customerId, [...(byCustomer.get(grant.customerId) ?? []), grant]);
      return customerIds.map((id) => byCustomer.get(id) ?? []);
    }),
    activeOverrides: new DataLoader(async (customerIds) => {
      const rows = await queryEntities(
        db,
        TierOverride,
        `SELECT ${entityColumns(db, TierOverride, 'o')} FROM tier_override o WHERE o.customer_id = ANY($1::uuid[]) AND ${overrideActive('o', '$2')}`,
        [customerIds, clock.now()],
      );
      const byCustomer = new Map<string, TierOverride[]>();
      for (const o of rows) byCustomer.set(o.customerId, [...(byCustomer.get(o.customerId) ?? []), o]);
      return customerIds.map((id) => byCustomer.get(id) ?? []);
    }),
    classifications: new DataLoader(
      async (customers) => {
        const [published, overrides] = await Promise.all([loadPrograms(), loaders.activeOverrides.loadMany(customers.map((c) => c.id))]);
        // Only programs whose time rules can hold a tier need what was stored.
        const holding = published.filter((p) => timingHolds(p.timing)).map((p) => p.program.id);
        const stored = await storedAssignments(
          db,
          holding.length ? customers.map((c) => c.id) : [],
          holding,
        );
        const now = clock.now();
        return Promise.all(
          customers.map((customer, i) => {
            const mine = overrides[i] instanceof Error ? [] : (overrides[i] as TierOverride[]);
            return Promise.all(
              published.map(async (p) => {
                const classification = await p.evaluator.classify(customer.facts);
                const before = stored.get(assignmentKey(customer.id, p.program.id)) ?? null;
                return {
                  published: p,
                  classification,
                  override: mine.find((o) => o.programId === p.program.id) ?? null,
                  held: before && heldOnRead(p.timing, classification, before, now),
                  stored: before,
                };
              }),
            );
          }),
        );
      },
      { cacheKeyFn: (c) => `${c.id}:${c.version}` },
    ),
    factDefinitions: () => (factDefinitions ??= db.find(FactDefinition, { order: { key: 'ASC' } })),
    entitlementDefinition: new DataLoader(async (keys) => {
      const rows = await db.find(EntitlementDefinition, { where: { key: In([...keys]) } });
      const byKey = new Map(rows.map((d) => [d.key, d]));
      return keys.map((key) => byKey.get(key) ?? null);
    }),
    programTiers: new DataLoader(async (programIds) => {
      const versions = await db.find(RuleSetVersion, {
        where: { programId: In(programIds.filter(isUuid)) },
        relations: { tiers: { entitlements: { entitlement: true } } },
      });
      return programIds.map((id) => versions.filter((v) => v.programId === id).flatMap((v) => (v.tiers ?? []).map((tier) => ({ version: v.version, tier }))));
    }),
    factsAt: new DataLoader((keys) => factsAt(db, keys), { cacheKeyFn: (k) => `${k.customerId}@${k.at.getTime()}` }),
    clear() {
      programs = undefined;
      factDefinitions = undefined;
      loaders.entitlementDefinition.clearAll();
      loaders.programTiers.clearAll();
      loaders.factsAt.clearAll();
      loaders.customerById.clearAll();
      loaders.customerByExternalId.clearAll();
      loaders.activeGrants.clearAll();
      loaders.activeOverrides.clearAll();
      loaders.classifications.clearAll();
    },
  };
  return loaders;
}
