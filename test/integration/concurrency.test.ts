import { Role } from '../../src/shared/role';
import { TestApp, startTestApp } from '../helpers/app';

const CLIENTS = 8;
const EDITS_PER_CLIENT = 250;
const PAYLOAD = 'userErrors { code field message }';
const CUSTOMER_PAYLOAD = `customer { id version facts } tierChanges { at toTierKey cause } replayed ${PAYLOAD}`;

interface Tally {
  successes: number;
  conflicts: number;
  other: string[];
}

/** RELIABILITY.md D1 (no lost updates) and D2 (idempotent writes), over real HTTP and PostgreSQL. */
describe('concurrent writers', () => {
  let app: TestApp;
  let integrator: string;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false }, costLimits: { maxCost: 5_000, bucketSize: 1e9, restorePerSecond: 1e9 } });
    integrator = await app.keyWithRoles(Role.INTEGRATOR);
  });
  afterAll(() => app.close());

  /** `clients` loops of read → change → write with the revision read; tallies the answers. */
  async function race(attempt: () => Promise<'ok' | 'conflict' | string>): Promise<Tally> {
    const tally: Tally = { successes: 0, conflicts: 0, other: [] };
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = 0; i < EDITS_PER_CLIENT; i += 1) {
          const outcome = await attempt();
          if (outcome === 'ok') tally.successes += 1;
          else if (outcome === 'conflict') tally.conflicts += 1;
          else tally.other.push(outcome);
        }
      }),
    );
    return tally;
  }

  describe('D1: no lost updates', () => {
    it(`${CLIENTS} clients × ${EDITS_PER_CLIENT} edits of one draft with the revision they read`, async () => {
      const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } ${PAYLOAD} } }`);
      const id = opened.data.ruleDraftCreate.draft.id;
      const tally = await race(async () => {
        const read = await app.gql(`query($id: ID!) { ruleDraft(id: $id) { revision document } }`, { id });
        const { revision, document } = read.data.ruleDraft;
        // The edit counts: tier 0's name carries how many edits the draft has seen.
        const count = Number(/#(\d+)$/.exec(document.tiers[0].name)?.[1] ?? 0);
        document.tiers[0].name = `${document.tiers[0].name.replace(/ #\d+$/, '')} #${count + 1}`;
        const res = await app.gql(`mutation($id: ID!, $revision: Int!, $document: JSONObject!) { ruleDraftUpdate(id: $id, revision: $revision, document: $document) { draft { revision } ${PAYLOAD} } }`, {
          id,
          revision,
          document,
        });
        const errors = res.data?.ruleDraftUpdate?.userErrors ?? res.errors;
        if (!errors?.length) return 'ok';
        return errors.length === 1 && errors[0].code === 'CONFLICT' && errors[0].field?.[0] === 'revision' ? 'conflict' : JSON.stringify(errors);
      });
      const [stored] = await app.db.dataSource.query(
        `SELECT revision, document->'tiers'->0->>'name' AS name,
                (SELECT count(*)::int FROM audit_event WHERE entity_key = $1::text AND action = 'ruleDraftUpdate') AS audited
           FROM rule_draft WHERE id = $1::uuid`,
        [id],
      );
      expect(tally.other).toEqual([]);
      expect(tally.successes + tally.conflicts).toBe(CLIENTS * EDITS_PER_CLIENT);
      expect(tally.successes).toBeGreaterThan(0);
      expect(tally.conflicts).toBeGreaterThan(0);
      expect({ counted: Number(/#(\d+)$/.exec(stored.name)?.[1]), revision: stored.revision, audited: stored.audited }).toEqual({
        counted: tally.successes,
        revision: 1 + tally.successes,
        audited: tally.successes,
      });
      await app.gql(`mutation($id: ID!, $revision: Int!) { ruleDraftDiscard(id: $id, revision: $revision) { ${PAYLOAD} } }`, { id, revision: stored.revision });
    });

    it(`${CLIENTS} clients × ${EDITS_PER_CLIENT} fact updates of one customer with the version they read`, async () => {
      const created = await app.gql(`mutation { customerUpsert(input: { externalId: "d1", name: "D1", facts: { customerType: "individual", tenureMonths: 0 } }) { ${CUSTOMER_PAYLOAD} } }`);
      const id = created.data.customerUpsert.customer.id;
      const tally = await race(async () => {
        const read = await app.gql(`query($id: ID!) { customer(id: $id) { version facts } }`, { id }, integrator);
        const { version, facts } = read.data.customer;
        const res = await app.gql(
          `mutation($id: ID!, $facts: JSONObject!, $expectedVersion: Int) { customerFactsUpdate(id: $id, facts: $facts, expectedVersion: $expectedVersion) { customer { version } ${PAYLOAD} } }`,
          { id, facts: { tenureMonths: facts.tenureMonths + 1 }, expectedVersion: version },
          integrator,
        );
        const errors = res.data?.customerFactsUpdate?.userErrors ?? res.errors;
        if (!errors?.length) return 'ok';
        return errors.length === 1 && errors[0].code === 'CONFLICT' && errors[0].field?.[0] === 'expectedVersion' ? 'conflict' : JSON.stringify(errors);
      });
      const [stored] = await app.db.dataSource.query(`SELECT version, (facts->>'tenureMonths')::int AS counted FROM customer WHERE id = $1`, [id]);
      expect(tally.other).toEqual([]);
      expect(tally.successes + tally.conflicts).toBe(CLIENTS * EDITS_PER_CLIENT);
      expect(tally.conflicts).toBeGreaterThan(0);
      expect(stored).toEqual({ counted: tally.successes, version: 1 + tally.successes });
    });

    it('refuses an upsert over another version, and one with expectedVersion of a customer that does not exist', async () => {
      const upsert = (externalId: string, expectedVersion: number) =>
        app.gql(`mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { ${CUSTOMER_PAYLOAD} } }`, {
          input: { externalId, name: 'V', facts: { customerType: 'individual' }, expectedVersion },
        });
      await app.gql(`mutation { customerUpsert(input: { externalId: "v", name: "V", facts: { customerType: "individual" } }) { ${PAYLOAD} } }`);
      const stale = await upsert('v', 7);
      expect(stale.data.customerUpsert.userErrors).toEqual([
        { code: 'CONFLICT', field: ['input', 'expectedVersion'], message: expect.stringContaining('is at version 1, not 7') },
      ]);
      expect((await upsert('v', 1)).data.customerUpsert.customer.version).toBe(2);
      const missing = await upsert('never-created', 1);
      expect(missing.data.customerUpsert.userErrors[0]).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('does not exist') });
      expect(await app.db.dataSource.query(`SELECT external_id, version FROM customer WHERE external_id IN ('v', 'never-created')`)).toEqual([{ external_id: 'v', version: 2 }]);
    });
  });

  describe('D2: idempotent writes', () => {
    const upsertMutation = `mutation($input: CustomerUpsertInput!, $key: String) { customerUpsert(input: $input, idempotencyKey: $key) { ${CUSTOMER_PAYLOAD} } }`;
    const upsertInput = (externalId: string, balance: number) => ({ externalId, name: 'Idem', facts: { customerType: 'individual', balance } });

    it('applies the same customerUpsert exactly once when 50 copies race, and replays the first result to all', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => app.gql(upsertMutation, { input: upsertInput('idem-1', 600_000), key: 'key-upsert-1' }, integrator)));
      const payloads = results.map((r) => r.data.customerUpsert);
      expect(payloads.every((p) => p.userErrors.length === 0)).toBe(true);
      expect(payloads.filter((p) => !p.replayed)).toHaveLength(1);
      const first = payloads.find((p) => !p.replayed);
      for (const p of payloads) expect({ customer: p.customer, tierChanges: p.tierChanges }).toEqual({ customer: first.customer, tierChanges: first.tierChanges });
      expect(first.tierChanges).toEqual([{ at: expect.any(String), toTierKey: 'A', cause: 'CREATED' }]);
      const rows = await app.db.dataSource.query(
        `SELECT c.version, (SELECT count(*)::int FROM tier_change h WHERE h.customer_id = c.id) AS history FROM customer c WHERE external_id = 'idem-1'`,
      );
      expect(rows).toEqual([{ version: 1, history: 1 }]);
    });

    it('replays the first result after later writes, and refuses the key with other arguments or for another mutation', async () => {
      const first = (await app.gql(upsertMutation, { input: upsertInput('idem-2', 100), key: 'key-upsert-2' }, integrator)).data.customerUpsert;
      await app.gql(`mutation($id: ID!) { customerFactsUpdate(id: $id, facts: { balance: 700000 }) { ${PAYLOAD} } }`, { id: first.customer.id }, integrator);
      const replay = (await app.gql(upsertMutation, { input: upsertInput('idem-2', 100), key: 'key-upsert-2' }, integrator)).data.customerUpsert;
      expect(replay).toEqual({ ...first, replayed: true });

      const other = (await app.gql(upsertMutation, { input: upsertInput('idem-2', 200), key: 'key-upsert-2' }, integrator)).data.customerUpsert;
      expect(other).toMatchObject({ customer: null, replayed: false, userErrors: [{ code: 'CONFLICT', field: ['idempotencyKey'], message: expect.stringContaining('other arguments') }] });
      const elsewhere = await app.gql(`mutation($id: ID!) { customerFactsUpdate(id: $id, facts: { balance: 1 }, idempotencyKey: "key-upsert-2") { ${CUSTOMER_PAYLOAD} } }`, { id: first.customer.id }, integrator);
      expect(elsewhere.data.customerFactsUpdate.userErrors).toEqual([{ code: 'CONFLICT', field: ['idempotencyKey'], message: expect.stringContaining('used for customerUpsert') }]);
      const [stored] = await app.db.dataSource.query(`SELECT version, facts->>'balance' AS balance FROM customer WHERE external_id = 'idem-2'`);
      expect(stored).toEqual({ version: 2, balance: '700000' });
    });

    it('keeps keys per API key, stores nothing for a failed call, refuses malformed keys and forgets keys after 24 h', async () => {
      const otherIntegrator = await app.keyWithRoles(Role.INTEGRATOR);
      const mine = (await app.gql(upsertMutation, { input: upsertInput('idem-3a', 1), key: 'shared-key' }, integrator)).data.customerUpsert;
      const theirs = (await app.gql(upsertMutation, { input: upsertInput('idem-3b', 1), key: 'shared-key' }, otherIntegrator)).data.customerUpsert;
      expect([mine.replayed, theirs.replayed, mine.customer.id === theirs.customer.id]).toEqual([false, false, false]);

      const failed = (await app.gql(upsertMutation, { input: { ...upsertInput('idem-4', 1), facts: { balance: 'lots' } }, key: 'key-4' }, integrator)).data.customerUpsert;
      expect(failed.userErrors[0]).toMatchObject({ code: 'TYPE_MISMATCH' });
      const fixed = (await app.gql(upsertMutation, { input: upsertInput('idem-4', 1), key: 'key-4' }, integrator)).data.customerUpsert;
      expect([fixed.userErrors, fixed.replayed]).toEqual([[], false]);

      for (const key of ['', 'has space', 'x'.repeat(256), 'ключ']) {
        const res = (await app.gql(upsertMutation, { input: upsertInput('idem-5', 1), key }, integrator)).data.customerUpsert;
        expect(res.userErrors).toEqual([{ code: 'INVALID', field: ['idempotencyKey'], message: expect.any(String) }]);
      }
      expect(await app.db.dataSource.query(`SELECT count(*)::int AS n FROM customer WHERE external_id = 'idem-5'`)).toEqual([{ n: 0 }]);

      await app.db.dataSource.query(`UPDATE idempotent_request SET created_at = now() - interval '25 hours' WHERE idempotency_key = 'key-4'`);
      const again = (await app.gql(upsertMutation, { input: upsertInput('idem-4', 1), key: 'key-4' }, integrator)).data.customerUpsert;
      expect([again.replayed, again.customer.version]).toEqual([false, 2]);
      await app.db.dataSource.query(`UPDATE idempotent_request SET created_at = now() - interval '25 hours' WHERE idempotency_key = 'shared-key'`);
      expect(await app.strata.services.idempotency.purge(app.systemContext())).toBe(2);
    });

    it('applies a facts update and an entitlement grant exactly once when 50 copies race', async () => {
      const created = (await app.gql(upsertMutation, { input: upsertInput('idem-6', 10), key: null }, integrator)).data.customerUpsert;
      const id = created.customer.id;
      const updates = await Promise.all(
        Array.from({ length: 50 }, () =>
          app.gql(`mutation($id: ID!) { customerFactsUpdate(id: $id, facts: { balance: 250000 }, idempotencyKey: "key-6") { ${CUSTOMER_PAYLOAD} } }`, { id }, integrator),
        ),
      );
      expect(updates.map((r) => r.data.customerFactsUpdate).filter((p) => p.userErrors.length === 0 && !p.replayed)).toHaveLength(1);
      expect(new Set(updates.map((r) => r.data.customerFactsUpdate.customer.version))).toEqual(new Set([2]));

      const grants = await Promise.all(
        Array.from({ length: 50 }, () =>
          app.gql(
            `mutation($input: EntitlementGrantInput!) { entitlementGrant(input: $input, idempotencyKey: "key-7") { grant { id value } replayed ${PAYLOAD} } }`,
            { input: { customerId: id, key: 'feeDiscountPct', value: 25, reason: 'retention offer' } },
            integrator,
          ),
        ),
      );
      const payloads = grants.map((r) => r.data.entitlementGrant);
      expect(payloads.filter((p) => p.userErrors.length === 0 && !p.replayed)).toHaveLength(1);
      expect(new Set(payloads.map((p) => p.grant.id)).size).toBe(1);
      const [counts] = await app.db.dataSource.query(
        `SELECT (SELECT count(*)::int FROM entitlement_grant WHERE customer_id = $1) AS grants,
                (SELECT count(*)::int FROM audit_event WHERE action = 'entitlementGrant' AND entity_key = $2) AS audited,
                (SELECT version FROM customer WHERE id = $1) AS version`,
        [id, payloads[0].grant.id],
      );
      expect(counts).toEqual({ grants: 1, audited: 1, version: 2 });
    });
  });
});
