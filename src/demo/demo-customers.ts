/**
 * Demo customers with the shapes in DOMAIN.md. Retail balances follow a postal savings
 * bank's real bands (Feb 2012, 7.4M accounts): 87.64 % under 10k, 10.41 % 10k-50k,
 * 1.84 % 50k-200k, 0.11 % 200k-1M, 0.004 % over 1M. Deterministic for a given seed.
 */
export interface DemoCustomer {
  externalId: string;
  name: string;
  segment: string;
  facts: Record<string, unknown>;
}

const RETAIL_BANDS: [share: number, low: number, high: number][] = [
  [0.8764, 1, 10_000],
  [0.1041, 10_000, 50_000],
  [0.0184, 50_000, 200_000],
  [0.0011, 200_000, 1_000_000],
  [0.00004, 1_000_000, 50_000_000],
];
const INDUSTRIES = ['government', 'finance', 'energy', 'transport', 'healthcare', 'education', 'manufacturing', 'retail', 'logistics', 'media'];
const SURNAMES = ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Zhao', 'Huang', 'Zhou', 'Wu', 'Xu', 'Sun', 'Ma', 'Zhu', 'Hu', 'Guo'];
const GIVEN = ['Wei', 'Fang', 'Na', 'Min', 'Jing', 'Lei', 'Qiang', 'Yan', 'Jun', 'Hua', 'Ping', 'Gang', 'Hui', 'Xin', 'Tao', 'Ying'];

/** mulberry32: small, fast, good enough for demo data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const logUniform = (r: () => number, low: number, high: number) => Math.exp(Math.log(low) + r() * (Math.log(high) - Math.log(low)));
const round2 = (x: number) => Math.round(x * 100) / 100;
const pick = <T>(r: () => number, items: readonly T[]) => items[Math.floor(r() * items.length)];

export function retailBalance(r: () => number): number {
  let u = r();
  for (const [share, low, high] of RETAIL_BANDS) {
    if (u < share) return round2(logUniform(r, low, high));
    u -= share;
  }
  return round2(logUniform(r, 1, 10_000));
}

/** The i-th demo customer (i from 1): 90 % individuals, 7 % corporates, 3 % telecom groups. */
export function demoCustomer(i: number, seed = 2012): DemoCustomer {
  const r = random(seed * 7_919 + i);
  const kind = r();
  const externalId = `demo-${String(i).padStart(7, '0')}`;
  const common = { tenureMonths: Math.floor(r() * 240), complaints12m: r() < 0.9 ? 0 : Math.ceil(r() * 4) };
  if (kind < 0.9) {
    const balance = retailBalance(r);
    return {
      externalId,
      name: `${pick(r, SURNAMES)} ${pick(r, GIVEN)}`,
      segment: 'retail',
      facts: {
        customerType: 'individual',
        balance,
        monthlySpend: round2(Math.min(balance, 500_000) * (0.02 + r() * 0.2)),
        productsHeld: 1 + Math.floor(r() * (balance > 50_000 ? 8 : 3)),
        tags: r() < 0.3 ? ['payroll'] : [],
        ...common,
      },
    };
  }
  if (kind < 0.97) {
    const annualSales = Math.round(logUniform(r, 1_000_000, 5_000_000_000));
    return {
      externalId,
      name: `${pick(r, SURNAMES)} ${pick(r, ['Trading', 'Industrial', 'Holdings', 'Logistics', 'Technology'])} Co.`,
      segment: 'corporate',
      facts: {
        customerType: 'corporate',
        annualSales,
        dailyAvgDeposit: Math.round(logUniform(r, 10_000, 50_000_000)),
        hasLoans: r() < 0.6,
        strategicAccount: r() < 0.005,
        industry: pick(r, INDUSTRIES),
        ...common,
      },
    };
  }
  const employees = Math.round(logUniform(r, 10, 50_000));
  const monthlyRevenue = Math.round(employees * (30 + r() * 120));
  const monthlyItRevenue = Math.round(monthlyRevenue * r() * 0.5);
  const products = 1 + Math.floor(r() * 10);
  return {
    externalId,
    name: `${pick(r, SURNAMES)} ${pick(r, ['Group', 'Bureau', 'Hospital', 'University', 'Bank'])}`,
    segment: 'telecom',
    facts: {
      customerType: 'telecom_group',
      employees,
      monthlyRevenue,
      monthlyItRevenue,
      valueScore: valueScore(employees, monthlyRevenue, monthlyItRevenue, products),
      productsHeld: products,
      industry: pick(r, INDUSTRIES),
      ...common,
    },
  };
}

/** Value score 0-100: log-scaled employees, revenue and IT revenue, plus products used. */
export function valueScore(employees: number, revenue: number, itRevenue: number, products: number): number {
  const scaled = (x: number, max: number) => Math.min(1, Math.log10(1 + x) / Math.log10(1 + max));
  const score = 30 * scaled(employees, 50_000) + 35 * scaled(revenue, 5_000_000) + 20 * scaled(itRevenue, 1_000_000) + 15 * Math.min(1, products / 10);
  return Math.round(score * 10) / 10;
}
