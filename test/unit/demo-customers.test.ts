import { demoCustomer, random, retailBalance } from '../../src/demo/demo-customers';

describe('demo customers', () => {
  it('follow the postal savings bank balance bands from DOMAIN.md', () => {
    const r = random(7);
    const n = 200_000;
    const bands = [0, 0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const b = retailBalance(r);
      bands[b < 10_000 ? 0 : b < 50_000 ? 1 : b < 200_000 ? 2 : b < 1_000_000 ? 3 : 4]++;
    }
    const shares = bands.map((c) => c / n);
    expect(shares[0]).toBeCloseTo(0.8764, 2);
    expect(shares[1]).toBeCloseTo(0.1041, 2);
    expect(shares[2]).toBeCloseTo(0.0184, 2);
    expect(shares[3]).toBeGreaterThan(0.0005);
    expect(shares[3]).toBeLessThan(0.002);
  });

  it('are deterministic and mix individuals, corporates and telecom groups', () => {
    expect(demoCustomer(42)).toEqual(demoCustomer(42));
    const kinds = new Map<string, number>();
    for (let i = 1; i <= 10_000; i++) {
      const kind = demoCustomer(i).facts.customerType as string;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect(kinds.get('individual')! / 10_000).toBeCloseTo(0.9, 1);
    expect(kinds.get('corporate')).toBeGreaterThan(500);
    expect(kinds.get('telecom_group')).toBeGreaterThan(150);
  });
});
