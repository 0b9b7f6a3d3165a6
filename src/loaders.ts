import DataLoader from 'dataloader';
import { EntityManager, In } from 'typeorm';
import { Customer } from './customers/customer.entity';
import { ProgramEvaluation } from './engine';
import { EntitlementGrant } from './entitlements/entitlement-grant.entity';
import { ProgramRegistry, PublishedProgram } from './programs/program-registry';
import { isUuid } from './shared/ids';

export interface CustomerEvaluation {
  published: PublishedProgram;
  evaluation: ProgramEvaluation;
}

/** Every DataLoader of one request (or one transaction); none lives longer. */
export interface Loaders {
  /** Programs in force, read once per request. */
  programs(): Promise<PublishedProgram[]>;
  customerById: DataLoader<string, Customer | null>;
  customerByExternalId: DataLoader<string, Customer | null>;
  /** Unrevoked, unexpired grants per customer id, with their catalog entries. */
  activeGrants: DataLoader<string, EntitlementGrant[]>;
  /** Live evaluation of a customer against every program in force, cached per customer version. */
  evaluations: DataLoader<Customer, CustomerEvaluation[], string>;
  /** Forgets everything cached: call after a write the loaders may have read before. */
  clear(): void;
}

export function createLoaders(db: EntityManager, registry: ProgramRegistry): Loaders {
  let programs: Promise<PublishedProgram[]> | undefined;
  const loadPrograms = () => (programs ??= registry.published(db));

  const loaders: Loaders = {
    programs: loadPrograms,
    customerById: new DataLoader(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await db.find(Customer, { where: { id: In(valid) } }) : [];
      const byId = new Map(rows.map((c) => [c.id, c]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    customerByExternalId: new DataLoader(async (externalIds) => {
      const rows = await db.find(Customer, { where: { externalId: In([...externalIds]) } });
      const byExternalId = new Map(rows.map((c) => [c.externalId, c]));
      return externalIds.map((id) => byExternalId.get(id) ?? null);
    }),
    activeGrants: new DataLoader(async (customerIds) => {
      const rows = await db
        .createQueryBuilder(EntitlementGrant, 'g')
        .innerJoinAndSelect('g.entitlement', 'd')
        .where('g.customer_id = ANY(:ids)', { ids: customerIds })
        .andWhere('g.revoked_at IS NULL')
        .andWhere('(g.expires_at IS NULL OR g.expires_at > now())')
        .orderBy('g.created_at')
        .getMany();
      const byCustomer = new Map<string, EntitlementGrant[]>();
      for (const grant of rows) byCustomer.set(grant.customerId, [...(byCustomer.get(grant.customerId) ?? []), grant]);
      return customerIds.map((id) => byCustomer.get(id) ?? []);
    }),
    evaluations: new DataLoader(
      async (customers) => {
        const published = await loadPrograms();
        return Promise.all(
          customers.map((customer) =>
            Promise.all(published.map(async (p) => ({ published: p, evaluation: await p.evaluator.evaluate(customer.facts) }))),
          ),
        );
      },
      { cacheKeyFn: (c) => `${c.id}:${c.version}` },
    ),
    clear() {
      programs = undefined;
      loaders.customerById.clearAll();
      loaders.customerByExternalId.clearAll();
      loaders.activeGrants.clearAll();
      loaders.evaluations.clearAll();
    },
  };
  return loaders;
}
