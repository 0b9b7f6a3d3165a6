import { Classification, SQL_NO_TIER, SQL_OUTSIDE, SqlParams } from '../engine';
import type { PublishedProgram } from '../programs/program-registry';
import { AssignmentSource } from './tier-assignment.types';
import { overrideActive } from './tier-override.entity';

/**
 * The one owner of the tier a customer *shows* in a program. The layers, in order: the
 * rules' verdict (the compiled classification), then the tier the program's time policy
 * holds above it (held-tier.ts), then an active override that names a tier the version in
 * force still has. Every read and write path goes through `shownTier` (Node)
 * or `shownTierSql` / `storedShownTierSql` (SQL), written side by side here;
 * test/integration/shown-tier.test.ts checks that they agree on every read path.
 *
 * In SQL a shown tier is coded as the compiled classification codes a verdict: a tier key,
 * SQL_NO_TIER (covered, no tier), SQL_OUTSIDE (not covered), or NULL (SQL cannot decide the
 * row; Node decides it). `decodeTier` is the only reader of that code.
 */
export interface ShownTier {
  /** Whether the program covers the customer. */
  covered: boolean;
  /** The tier shown; null when the customer matches no tier or is not covered. */
  tierKey: string | null;
  source: AssignmentSource;
  /** The rules' own verdict, kept beside the shown tier (history, explanations). */
  rulesTierKey: string | null;
}

/** A program version's ladder: a published version, or a draft's definition under simulation. */
export interface Ladder {
  tiers: readonly { key: string }[];
}

/** The override that counts: one naming a tier the version still has. */
function overrideCounts(ladder: Ladder, overrideTierKey: string | null | undefined): overrideTierKey is string {
  return !!overrideTierKey && ladder.tiers.some((t) => t.key === overrideTierKey);
}

/**
 * Node form: the tier shown, from the rules' verdict, the tier the program's time policy
 * holds above it (held-tier.ts; null when none) and the customer's active override tier.
 */
export function shownTier(ladder: Ladder, verdict: Classification, overrideTierKey: string | null | undefined, heldTierKey: string | null = null): ShownTier {
  if (!verdict.applies) return { covered: false, tierKey: null, source: AssignmentSource.RULE, rulesTierKey: null };
  if (overrideCounts(ladder, overrideTierKey)) {
    return { covered: true, tierKey: overrideTierKey, source: AssignmentSource.OVERRIDE, rulesTierKey: verdict.tierKey };
  }
  if (heldTierKey !== null && ladder.tiers.some((t) => t.key === heldTierKey)) {
    return { covered: true, tierKey: heldTierKey, source: AssignmentSource.HELD, rulesTierKey: verdict.tierKey };
  }
  return { covered: true, tierKey: verdict.tierKey, source: AssignmentSource.RULE, rulesTierKey: verdict.tierKey };
}

/**
 * SQL form over a live verdict (a classification code, see sqlClassifications), an override
 * tier expression and, under a time policy, the held tier expression (held-tier.ts).
 */
export function shownTierSql(ladder: Ladder, verdict: string, overrideTier: string, params: SqlParams, heldTier: string | null = null): string {
  const keys = tierKeysParam(ladder, params);
  const held = heldTier ? `WHEN ${verdict} <> '${SQL_OUTSIDE}' AND ${heldTier} = ANY(${keys}) THEN ${heldTier}` : '';
  return `(CASE WHEN ${verdict} <> '${SQL_OUTSIDE}' AND ${overrideTier} = ANY(${keys}) THEN ${overrideTier} ${held} ELSE ${verdict} END)`;
}

/**
 * SQL form over a stored assignment (`tier_key`, NULL = covered with no tier; a customer
 * without an assignment is outside the program, so join only assigned customers) and its
 * stored held tier.
 */
export function storedShownTierSql(ladder: Ladder, storedTier: string, overrideTier: string, params: SqlParams, heldTier: string | null = null): string {
  const keys = tierKeysParam(ladder, params);
  const held = heldTier ? `WHEN ${heldTier} = ANY(${keys}) THEN ${heldTier}` : '';
  return `(CASE WHEN ${overrideTier} = ANY(${keys}) THEN ${overrideTier} ${held} ELSE COALESCE(${storedTier}, '${SQL_NO_TIER}') END)`;
}

function tierKeysParam(ladder: Ladder, params: SqlParams): string {
  return params.add(
    ladder.tiers.map((t) => t.key),
    'text[]',
  );
}

/** A LEFT JOIN of each customer's override active at `now` in the program as `o` (a hash join for set-wise reads). */
export function activeOverrideJoin(programId: string, params: SqlParams, customerId: string, now: Date): string {
  return `LEFT JOIN tier_override o ON o.customer_id = ${customerId} AND o.program_id = ${params.add(programId, 'uuid')} AND ${overrideActive('o', params.add(now, 'timestamptz'))}`;
}

/** Reads a tier code from SQL. */
export function decodeTier(code: string): { covered: boolean; tierKey: string | null } {
  if (code === SQL_OUTSIDE) return { covered: false, tierKey: null };
  return { covered: true, tierKey: code === SQL_NO_TIER ? null : code };
}

/** SQL form of decodeTier's tier key: NULL for no tier or outside. */
export function tierKeyOfSql(code: string): string {
  return `NULLIF(NULLIF(${code}, '${SQL_NO_TIER}'), '${SQL_OUTSIDE}')`;
}

/** The code SQL would give a shown tier. */
export function encodeTier({ covered, tierKey }: Pick<ShownTier, 'covered' | 'tierKey'>): string {
  return covered ? (tierKey ?? SQL_NO_TIER) : SQL_OUTSIDE;
}

/**
 * Whether stored assignments are current for the version in force. While a re-tier job is
 * still bringing them up to a newly published version, reads classify from the facts instead.
 */
export function assignmentsCurrent(published: PublishedProgram): boolean {
  return published.program.retieredVersion === published.version.version;
}
