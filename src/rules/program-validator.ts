import { EntitlementValueType } from '../engine';
import { entitlementValueProblem } from '../catalog/entitlement-values';
import { FactType } from '../facts/fact-types';
import { checkDocumentShape } from './rule-schema';
import { pathAsWritten, upgradeTierShape } from './legacy-tier-rule';
import { validateConditionTree } from './rule-validator';
import { IANAZone } from 'luxon';
import { REVIEW_PERIODS, TimePolicy } from './time-policy';

/** A whole program as authored: the tierProgramCreate input and the files in rules/. */
export interface ProgramSpec {
  key: string;
  name: string;
  description?: string | null;
  appliesTo?: Record<string, unknown> | null;
  /** Covers no customer (a file exported from a retired program says so). */
  retired?: boolean;
  /** When downgrades take effect; absent: at once. */
  timePolicy?: Partial<TimePolicy> | null;
  tiers: {
    key: string;
    name: string;
    rank: number;
    /** The tier's condition tree; files and inputs may instead give the older `rule: { conditions }`. */
    conditions?: Record<string, unknown> | null;
    rule?: Record<string, unknown> | null;
    entitlements?: { key: string; value: unknown }[] | null;
    protected?: boolean | null;
    minimumStayDays?: number | null;
  }[];
}

export interface SpecProblem {
  code: 'INVALID' | 'INVALID_RULE' | 'UNKNOWN_FACT' | 'TYPE_MISMATCH' | 'UNKNOWN_ENTITLEMENT';
  path: (string | number)[];
  message: string;
}

export interface Catalogs {
  factTypeOf: (key: string) => FactType | undefined;
  entitlementTypeOf: (key: string) => EntitlementValueType | undefined;
}

export const PROGRAM_KEY_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
const TIER_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** Checks a program's shape and meaning; paths are relative to the spec. */
export function validateProgramSpec(spec: ProgramSpec, catalogs: Catalogs): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const fail = (code: SpecProblem['code'], path: (string | number)[], message: string) => problems.push({ code, path, message });

  if (typeof spec.key !== 'string' || !PROGRAM_KEY_PATTERN.test(spec.key)) {
    fail('INVALID', ['key'], 'key must start with a lowercase letter and hold only a-z, 0-9, _ and - (at most 63)');
  }
  if (typeof spec.name !== 'string' || !spec.name.trim()) fail('INVALID', ['name'], 'name is required');
  problems.push(...validateProgramDocument({ appliesTo: spec.appliesTo ?? null, tiers: spec.tiers, ...(spec.timePolicy ? { timePolicy: spec.timePolicy } : {}) }, catalogs));
  return problems;
}

/**
 * Checks a program's rule document `{ appliesTo, tiers }` (a draft, a file, a version):
 * shape against the JSON Schema, then meaning against the catalogs. Tiers may be written
 * in the older `rule: { conditions }` shape; paths are relative to the document as written.
 */
export function validateProgramDocument(written: unknown, catalogs: Catalogs): SpecProblem[] {
  const { document, problems: older, legacyTiers } = upgradeTierShape(written);
  if (older.length) return older.map((p) => ({ code: 'INVALID', ...p }));
  return currentShapeProblems(document, catalogs).map((p) => ({ ...p, path: pathAsWritten(p.path, legacyTiers) }));
}

function currentShapeProblems(document: unknown, catalogs: Catalogs): SpecProblem[] {
  const shape = checkDocumentShape(document);
  if (shape.length) return shape.map((p) => ({ code: 'INVALID', ...p }));
  const problems: SpecProblem[] = [];
  const fail = (code: SpecProblem['code'], path: (string | number)[], message: string) => problems.push({ code, path, message });
  const { appliesTo, tiers, timePolicy } = document as { appliesTo?: unknown; tiers: ProgramDocumentTier[]; timePolicy?: Partial<TimePolicy> | null };
  if (appliesTo !== null && appliesTo !== undefined) {
    for (const p of validateConditionTree(appliesTo, catalogs.factTypeOf)) fail(p.code, ['appliesTo', ...p.path], p.message);
  }
  validateTiers(tiers, catalogs, fail);
  if (timePolicy) validateTimePolicy(timePolicy, fail);
  return problems;
}

function validateTimePolicy(policy: Partial<TimePolicy>, fail: (code: SpecProblem['code'], path: (string | number)[], message: string) => void) {
  if (policy.timeZone !== undefined && !IANAZone.isValidZone(policy.timeZone)) {
    fail('INVALID', ['timePolicy', 'timeZone'], `unknown time zone "${policy.timeZone}"; name an IANA zone such as "Asia/Shanghai"`);
  }
  if (policy.downgrade === 'REVIEW' && !policy.review) {
    fail('INVALID', ['timePolicy', 'review'], `a REVIEW downgrade needs review: ${REVIEW_PERIODS.join(', ')}`);
  }
  if (policy.downgrade !== 'REVIEW' && policy.review) {
    fail('INVALID', ['timePolicy', 'review'], 'review applies only with downgrade: REVIEW (IMMEDIATE downgrades do not wait for one)');
  }
}

type ProgramDocumentTier = Omit<ProgramSpec['tiers'][number], 'conditions' | 'rule'> & { conditions: unknown };

function validateTiers(tiers: ProgramDocumentTier[], catalogs: Catalogs, fail: (code: SpecProblem['code'], path: (string | number)[], message: string) => void) {
  const keys = new Set<string>();
  const ranks = new Set<number>();
  tiers.forEach((tier, i) => {
    const at = (...rest: (string | number)[]) => ['tiers', i, ...rest];
    if (!TIER_KEY_PATTERN.test(tier.key)) {
      fail('INVALID', at('key'), 'tier key must hold only letters, digits, _ and - (at most 63)');
    } else if (keys.has(tier.key)) {
      fail('INVALID', at('key'), `tier key "${tier.key}" is used twice`);
    } else keys.add(tier.key);
    if (!tier.name.trim()) fail('INVALID', at('name'), 'tier name is required');
    if (ranks.has(tier.rank)) {
      fail('INVALID', at('rank'), `rank ${tier.rank} is used by another tier; ranks must be unique`);
    } else ranks.add(tier.rank);
    for (const p of validateConditionTree(tier.conditions, catalogs.factTypeOf)) fail(p.code, at('conditions', ...p.path), p.message);

    const seen = new Set<string>();
    (tier.entitlements ?? []).forEach((e, j) => {
      const type = catalogs.entitlementTypeOf(e.key);
      if (!type) {
        fail('UNKNOWN_ENTITLEMENT', at('entitlements', j, 'key'), `unknown entitlement "${e.key}"; define it with entitlementDefine first`);
        return;
      }
      if (seen.has(e.key)) fail('INVALID', at('entitlements', j, 'key'), `entitlement "${e.key}" is listed twice for this tier`);
      seen.add(e.key);
      const problem = entitlementValueProblem(type, e.value);
      if (problem) fail('TYPE_MISMATCH', at('entitlements', j, 'value'), `"${e.key}" is ${type}: ${problem}`);
    });
  });
}
