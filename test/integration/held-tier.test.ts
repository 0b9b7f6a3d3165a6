import fc from 'fast-check';
import { SqlParams } from '../../src/engine';
import { dropAt, dropAtSql, nextReview, nextReviewSql, policyStep } from '../../src/evaluation/held-tier';
import { ProgramTiming, REVIEW_PERIODS, TimePolicy, timingOf } from '../../src/rules/time-policy';
import { TestDatabase, createTestDatabase } from '../helpers/database';

const ZONES = ['Asia/Shanghai', 'UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney'];

/** Instants around the days time gets wrong: month ends, 29 February, DST changes, midnight. */
const instant = fc.oneof(
  fc.date({ min: new Date('2023-01-01T00:00:00Z'), max: new Date('2031-12-31T23:59:59Z'), noInvalidDate: true }),
  fc
    .tuple(
      fc.constantFrom('2024-02-29', '2028-02-29', '2027-02-28', '2027-01-31', '2026-12-31', '2027-03-31', '2027-03-28', '2027-10-31', '2027-11-07', '2027-03-14', '2027-04-04', '2027-06-30'),
      fc.integer({ min: -26, max: 26 }),
      fc.constantFrom(0, 1, 59_999, 1_800_000),
    )
    .map(([day, hours, ms]) => new Date(new Date(`${day}T00:00:00Z`).getTime() + hours * 3_600_000 + ms)),
);

const policy: fc.Arbitrary<TimePolicy> = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  downgrade: fc.constantFrom('IMMEDIATE' as const, 'REVIEW' as const),
  review: fc.constantFrom(...REVIEW_PERIODS),
  graceDays: fc.constantFrom(0, 1, 30, 90),
  steps: fc.constantFrom('TO_VERDICT' as const, 'ONE' as const),
});

describe('the held tier: review instants and drops, Node and SQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const sqlValue = async (build: (params: SqlParams, after: string, since: string) => string, after: Date, since: Date): Promise<Date | null> => {
    const params = new SqlParams();
    const a = params.add(after, 'timestamptz');
    const s = params.add(since, 'timestamptz');
    const [row] = await db.dataSource.query(`SELECT ${build(params, a, s)} AS at, ${a} AS after, ${s} AS since`, params.values);
    return row.at;
  };

  it('puts reviews at local midnight of the next month, quarter or year, and on anniversaries (29 February included)', () => {
    const shanghai = (review: TimePolicy['review']): TimePolicy => ({ timeZone: 'Asia/Shanghai', downgrade: 'REVIEW', review, graceDays: 0, steps: 'TO_VERDICT' });
    const since = new Date('2024-02-29T04:00:00Z');
    expect(nextReview(shanghai('MONTH'), new Date('2027-01-31T15:59:59Z'), since).toISOString()).toBe('2027-01-31T16:00:00.000Z');
    expect(nextReview(shanghai('MONTH'), new Date('2027-01-31T16:00:00Z'), since).toISOString()).toBe('2027-02-28T16:00:00.000Z');
    expect(nextReview(shanghai('QUARTER'), new Date('2027-02-10T00:00:00Z'), since).toISOString()).toBe('2027-03-31T16:00:00.000Z');
    expect(nextReview(shanghai('YEAR'), new Date('2026-12-04T00:00:00Z'), since).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(nextReview(shanghai('ANNIVERSARY'), new Date('2024-03-01T00:00:00Z'), since).toISOString()).toBe('2025-02-28T04:00:00.000Z');
    expect(nextReview(shanghai('ANNIVERSARY'), new Date('2027-06-01T00:00:00Z'), since).toISOString()).toBe('2028-02-29T04:00:00.000Z');
    // Berlin's midnight is 23:00 UTC in winter and 22:00 UTC in summer.
    const berlin: TimePolicy = { ...shanghai('MONTH'), timeZone: 'Europe/Berlin' };
    expect(nextReview(berlin, new Date('2027-02-15T00:00:00Z'), since).toISOString()).toBe('2027-02-28T23:00:00.000Z');
    expect(nextReview(berlin, new Date('2027-03-15T00:00:00Z'), since).toISOString()).toBe('2027-03-31T22:00:00.000Z');
    // An anniversary at a wall time the clocks pass twice (02:00 on the day summer time ends) is
    // the later of the two, as PostgreSQL reads it: a property run found Node taking the earlier.
    const anniversary: TimePolicy = { ...berlin, review: 'ANNIVERSARY' };
    expect(nextReview(anniversary, new Date('2031-10-31T01:00:00Z'), new Date('2027-10-31T00:00:00Z')).toISOString()).toBe('2032-10-31T01:00:00.000Z');
  });

  it('agrees with SQL on every review instant and drop, across zones with and without DST', async () => {
    await fc.assert(
      fc.asyncProperty(policy, instant, instant, fc.constantFrom(0, 7, 90, 366), fc.boolean(), async (p, a, b, stay, isProtected) => {
        const [since, below] = a < b ? [a, b] : [b, a];
        const timing: ProgramTiming = { policy: p, tiers: [{ key: 'A', rank: 2, protected: isProtected, minimumStayDays: stay }] };
        const tier = timing.tiers[0];
        const review = await sqlValue((params, after, s) => nextReviewSql(p, after, s, params), below, since);
        expect(review?.toISOString()).toBe(nextReview(p, below, since).toISOString());
        const drop = await sqlValue((params, after, s) => dropAtSql(timing, tier, after, s, params), below, since);
        expect(drop?.toISOString() ?? null).toBe(dropAt(timing, tier, below, since)?.toISOString() ?? null);
      }),
      { numRuns: 400 },
    );
  });

  it('holds a tier when the verdict falls, drops it when due, one step or to the verdict, and lets an upgrade through at once', () => {
    const document = {
      timePolicy: { downgrade: 'REVIEW' as const, review: 'YEAR' as const, graceDays: 30, steps: 'ONE' as const },
      tiers: [
        { key: 'A', rank: 3, name: 'A', conditions: {}, entitlements: [] },
        { key: 'B', rank: 2, name: 'B', conditions: {}, entitlements: [] },
        { key: 'C', rank: 1, name: 'C', conditions: {}, entitlements: [] },
      ],
    };
    const timing = timingOf(document);
    const entered = new Date('2025-06-01T00:00:00Z');
    const fell = new Date('2026-12-04T02:00:00Z');
    const held = policyStep(timing, { applies: true, tierKey: 'C' }, { tierKey: 'A', state: { heldTierKey: null, tierSince: entered, belowSince: null, dropAt: null } }, fell);
    // Falls at the review on 1 January (Shanghai midnight) plus 30 days' grace.
    expect(held).toEqual({ tierKey: 'A', state: { heldTierKey: 'A', tierSince: entered, belowSince: fell, dropAt: new Date('2027-01-30T16:00:00Z') } });
    // After the drop falls due: one step down to B, held again until next year's review.
    const later = policyStep(timing, { applies: true, tierKey: 'C' }, { tierKey: 'C', state: held.state }, new Date('2027-02-01T00:00:00Z'));
    expect(later).toEqual({
      tierKey: 'B',
      state: { heldTierKey: 'B', tierSince: new Date('2027-01-30T16:00:00Z'), belowSince: new Date('2027-01-30T16:00:00Z'), dropAt: new Date('2028-01-30T16:00:00Z') },
    });
    // The verdict recovers to A: shown at once, nothing held.
    const back = policyStep(timing, { applies: true, tierKey: 'A' }, { tierKey: 'C', state: later.state }, new Date('2027-03-01T00:00:00Z'));
    expect(back).toEqual({ tierKey: 'A', state: { heldTierKey: null, tierSince: new Date('2027-03-01T00:00:00Z'), belowSince: null, dropAt: null } });
    // Without a policy, a fall is immediate.
    const plain = timingOf({ tiers: document.tiers });
    expect(policyStep(plain, { applies: true, tierKey: 'C' }, { tierKey: 'A', state: { heldTierKey: null, tierSince: entered, belowSince: null, dropAt: null } }, fell).tierKey).toBe('C');
  });
});
