import { TestApp, startTestApp } from '../helpers/app';

/** Values a screen can show without the catalog: typed facts, typed entitlements, a flat explanation. */
describe('typed values', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    await app.gql(`mutation { customerUpsert(input: { externalId: "typed-1", name: "T", facts: { customerType: "individual", balance: 480000, tenureMonths: 30, tags: ["payroll", "vip"] } }) { userErrors { message } } }`);
  });
  afterAll(() => app.close());

  it('gives facts and entitlements typed, with units and as a person reads them', async () => {
    const res = await app.gql(`{
      customer(externalId: "typed-1") {
        factValues { key definition { type unit } value { type number string strings boolean unit display } }
        entitlements { key value typedValue { type number boolean unit display } }
        tier(programKey: "retail-bank") { tier { key entitlements { entitlement { key } typedValue { display } } } }
      }
    }`);
    expect(res.errors).toBeUndefined();
    const { factValues, entitlements, tier } = res.data.customer;
    const fact = (key: string) => factValues.find((f: { key: string }) => f.key === key);
    expect(fact('balance')).toEqual({ key: 'balance', definition: { type: 'NUMBER', unit: 'CNY' }, value: { type: 'NUMBER', number: 480000, string: null, strings: null, boolean: null, unit: 'CNY', display: '480,000 CNY' } });
    expect(fact('tags').value).toMatchObject({ type: 'STRING_LIST', strings: ['payroll', 'vip'], display: 'payroll, vip' });
    expect(fact('customerType').value).toMatchObject({ type: 'STRING', string: 'individual' });
    expect(factValues.map((f: { key: string }) => f.key).sort()).toEqual(['balance', 'customerType', 'tags', 'tenureMonths']);
    const fee = entitlements.find((e: { key: string }) => e.key === 'feeDiscountPct');
    expect(fee.typedValue).toEqual({ type: 'NUMBER', number: fee.value, boolean: null, unit: '%', display: `${fee.value} %` });
    for (const e of entitlements.filter((x: { typedValue: { type: string } }) => x.typedValue.type === 'BOOLEAN')) expect(e.typedValue).toMatchObject({ boolean: e.value, display: e.value ? 'yes' : 'no' });
    expect(tier.tier.entitlements.find((e: { entitlement: { key: string } }) => e.entitlement.key === 'responseHours').typedValue.display).toMatch(/^\d+ hours$/);
  });

  it('lists every evaluated condition flat, each at the path of its leaf in the tree', async () => {
    const res = await app.gql(`{ customer(externalId: "typed-1") { tier(programKey: "retail-bank") { explanation { appliesTo outcomes { tierKey passed conditions } conditions { tierKey path fact operator threshold actual factPresent passed } } } } }`);
    expect(res.errors).toBeUndefined();
    const explanation = res.data.customer.tier.explanation;
    const leaves = (JSON.stringify([explanation.appliesTo, explanation.outcomes.map((o: { conditions: unknown }) => o.conditions)]).match(/"fact":/g) ?? []).length;
    expect(explanation.conditions.length).toBe(leaves);
    for (const c of explanation.conditions) {
      const leaf = c.path.reduce((node: Record<string, unknown>, step: string) => (node as Record<string, unknown>)[step] as Record<string, unknown>, explanation);
      expect({ fact: leaf.fact, operator: leaf.operator, threshold: leaf.value, passed: leaf.result === true, present: 'factResult' in leaf }).toEqual({ fact: c.fact, operator: c.operator, threshold: c.threshold, passed: c.passed, present: c.factPresent });
    }
    expect(explanation.conditions.find((c: { fact: string }) => c.fact === 'customerType')).toMatchObject({ tierKey: null, path: ['appliesTo', 'all', '0'], actual: 'individual', passed: true });
    expect(explanation.conditions.find((c: { fact: string; tierKey: string }) => c.fact === 'balance' && c.tierKey === 'A')).toMatchObject({ actual: 480000, passed: false });
  });

  it("reads a tier's conditions in the bare shape of appliesTo and the explanation", async () => {
    const res = await app.gql(`{ tierProgram(key: "retail-bank") { tiers { key rule conditions } } customer(externalId: "typed-1") { tier(programKey: "retail-bank") { explanation { appliesTo outcomes { tierKey conditions } } } } }`);
    expect(res.errors).toBeUndefined();
    const { tiers } = res.data.tierProgram;
    // The deprecated rule wraps the same tree.
    for (const tier of tiers) expect(tier.rule).toEqual({ conditions: tier.conditions });
    const { appliesTo, outcomes } = res.data.customer.tier.explanation;
    const shape = (tree: Record<string, unknown>) => Object.keys(tree).filter((k) => ['all', 'any', 'not'].includes(k));
    for (const tree of [appliesTo, ...outcomes.map((o: { conditions: Record<string, unknown> }) => o.conditions), ...tiers.map((t: { conditions: Record<string, unknown> }) => t.conditions)]) {
      expect(shape(tree)).toHaveLength(1);
    }
  });
});
