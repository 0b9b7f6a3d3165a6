/** Reviews fall at local midnight; the practice Strata serves comes from Chinese banks and telecoms. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export const DOWNGRADE_MODES = ['IMMEDIATE', 'REVIEW'] as const;
export const REVIEW_PERIODS = ['MONTH', 'QUARTER', 'YEAR', 'ANNIVERSARY'] as const;
export const DOWNGRADE_STEPS = ['TO_VERDICT', 'ONE'] as const;

/**
 * When a program's downgrades take effect, as its document says (`timePolicy`): upgrades
 * always apply at once. A document without one downgrades at once, as Strata always did.
 */
export interface TimePolicy {
  /** IANA zone in which reviews fall at midnight and days are counted. */
  timeZone: string;
  /** IMMEDIATE: when the verdict falls (after graceDays); REVIEW: at the next review. */
  downgrade: (typeof DOWNGRADE_MODES)[number];
  /** Calendar month, quarter or year, or each anniversary of entering the tier. Null unless REVIEW. */
  review: (typeof REVIEW_PERIODS)[number] | null;
  /** Days the tier is kept after the verdict falls (IMMEDIATE) or after the review (REVIEW). */
  graceDays: number;
  /** TO_VERDICT: straight to the rules' verdict; ONE: one tier down per review or grace. */
  steps: (typeof DOWNGRADE_STEPS)[number];
}

/** A tier as time treats it. */
export interface TierTiming {
  key: string;
  rank: number;
  /** A customer who reaches it keeps it while the program covers them, whatever the verdict (e.g. a named strategic list). */
  protected: boolean;
  /** Days a customer stays in the tier after entering it before any downgrade. */
  minimumStayDays: number;
}

/** A program version's time rules: its policy and each tier's, highest rank first. */
export interface ProgramTiming {
  policy: TimePolicy;
  tiers: readonly TierTiming[];
}

/** The policy a document without `timePolicy` has. */
export const IMMEDIATE_POLICY: TimePolicy = { timeZone: DEFAULT_TIME_ZONE, downgrade: 'IMMEDIATE', review: null, graceDays: 0, steps: 'TO_VERDICT' };

/** A program document's time rules, defaults filled in (the validator has checked the shape). */
export function timingOf(document: {
  timePolicy?: Partial<TimePolicy> | null;
  tiers: readonly { key: string; rank: number; protected?: boolean | null; minimumStayDays?: number | null }[];
}): ProgramTiming {
  const written = document.timePolicy;
  const policy: TimePolicy = written
    ? {
        timeZone: written.timeZone ?? DEFAULT_TIME_ZONE,
        downgrade: written.downgrade ?? 'IMMEDIATE',
        review: written.downgrade === 'REVIEW' ? (written.review ?? null) : null,
        graceDays: written.graceDays ?? 0,
        steps: written.steps ?? 'TO_VERDICT',
      }
    : IMMEDIATE_POLICY;
  const tiers = [...document.tiers]
    .sort((a, b) => b.rank - a.rank)
    .map((t) => ({ key: t.key, rank: t.rank, protected: t.protected ?? false, minimumStayDays: t.minimumStayDays ?? 0 }));
  return { policy, tiers };
}

/** Whether a customer showing this tier keeps it for a while when the verdict falls below it. */
export function tierHolds(timing: ProgramTiming, tier: TierTiming): boolean {
  const { policy } = timing;
  return policy.downgrade === 'REVIEW' || policy.graceDays > 0 || tier.protected || tier.minimumStayDays > 0;
}

/** Whether time can hold any tier of the program (otherwise every downgrade is immediate, as without a policy). */
export function timingHolds(timing: ProgramTiming): boolean {
  return timing.tiers.some((t) => tierHolds(timing, t));
}
