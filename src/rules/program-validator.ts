import { EntitlementValueType } from '../engine';
import { entitlementValueProblem } from '../entitlements/entitlement-values';
import { FactType } from '../facts/fact-types';
import { validateConditionTree, validateRuleDocument } from './rule-validator';

/** A whole program as authored: the tierProgramCreate input and the files in rules/. */
export interface ProgramSpec {
  key: string;
  name: string;
  description?: string | null;
  appliesTo?: Record<string, unknown> | null;
  tiers: {
    key: string;
    name: string;
    rank: number;
    rule: Record<string, unknown>;
    entitlements?: { key: string; value: unknown }[] | null;
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
export const MAX_TIERS = 50;

/** Checks a program's shape and meaning; paths are relative to the spec. */
export function validateProgramSpec(spec: ProgramSpec, catalogs: Catalogs): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const fail = (code: SpecProblem['code'], path: (string | number)[], message: string) => problems.push({ code, path, message });

  if (typeof spec.key !== 'string' || !PROGRAM_KEY_PATTERN.test(spec.key)) {
    fail('INVALID', ['key'], 'key must start with a lowercase letter and hold only a-z, 0-9, _ and - (at most 63)');
  }
  if (typeof spec.name !== 'string' || !spec.name.trim()) fail('INVALID', ['name'], 'name is required');
  problems.push(...validateProgramDocument({ appliesTo: spec.appliesTo ?? null, tiers: spec.tiers }, catalogs));
  return problems;
}

const DOCUMENT_KEYS = ['appliesTo', 'tiers'];
const TIER_KEYS = ['key', 'name', 'rank', 'rule', 'entitlements'];

/**
 * Checks a program's rule document `{ appliesTo, tiers }` (a draft, a file, a version):
 * shape, then meaning against the catalogs. Paths are relative to the document.
 */
export function validateProgramDocument(document: unknown, catalogs: Catalogs): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const fail = (code: SpecProblem['code'], path: (string | number)[], message: string) => problems.push({ code, path, message });
  if (!isPlainObject(document)) return [{ code: 'INVALID', path: [], message: 'the document must be an object { "appliesTo": …, "tiers": [ … ] }' }];
  for (const key of Object.keys(document)) {
    if (!DOCUMENT_KEYS.includes(key)) fail('INVALID', [key], `unexpected key "${key}"; a document has "appliesTo" and "tiers"`);
  }
  if (document.appliesTo !== null && document.appliesTo !== undefined) {
    for (const p of validateConditionTree(document.appliesTo, catalogs.factTypeOf)) fail(p.code, ['appliesTo', ...p.path], p.message);
  }
  if (!Array.isArray(document.tiers) || document.tiers.length === 0) {
    fail('INVALID', ['tiers'], 'a program needs at least one tier');
    return problems;
  }
  if (document.tiers.length > MAX_TIERS) fail('INVALID', ['tiers'], `a program has at most ${MAX_TIERS} tiers`);
  const before = problems.length;
  (document.tiers as unknown[]).forEach((tier, i) => {
    if (!isPlainObject(tier)) {
      fail('INVALID', ['tiers', i], 'a tier must be an object { "key", "name", "rank", "rule", "entitlements" }');
      return;
    }
    for (const key of Object.keys(tier)) if (!TIER_KEYS.includes(key)) fail('INVALID', ['tiers', i, key], `unexpected key "${key}" in a tier`);
    if (tier.entitlements === undefined || tier.entitlements === null) return;
    if (!Array.isArray(tier.entitlements)) {
      fail('INVALID', ['tiers', i, 'entitlements'], 'entitlements must be a list of { "key", "value" }');
      return;
    }
    tier.entitlements.forEach((e, j) => {
      if (!isPlainObject(e) || typeof e.key !== 'string' || !('value' in e)) {
        fail('INVALID', ['tiers', i, 'entitlements', j], 'an entitlement is { "key": "…", "value": … }');
      }
    });
  });
  const wellFormed = problems.length === before;
  if (!wellFormed) return problems;
  validateTiers(document.tiers as ProgramSpec['tiers'], catalogs, fail);
  return problems;
}

function validateTiers(tiers: ProgramSpec['tiers'], catalogs: Catalogs, fail: (code: SpecProblem['code'], path: (string | number)[], message: string) => void) {
  const keys = new Set<string>();
  const ranks = new Set<number>();
  tiers.forEach((tier, i) => {
    const at = (...rest: (string | number)[]) => ['tiers', i, ...rest];
    if (typeof tier.key !== 'string' || !TIER_KEY_PATTERN.test(tier.key)) {
      fail('INVALID', at('key'), 'tier key must hold only letters, digits, _ and - (at most 63)');
    } else if (keys.has(tier.key)) {
      fail('INVALID', at('key'), `tier key "${tier.key}" is used twice`);
    } else keys.add(tier.key);
    if (typeof tier.name !== 'string' || !tier.name.trim()) fail('INVALID', at('name'), 'tier name is required');
    if (!Number.isInteger(tier.rank)) {
      fail('INVALID', at('rank'), 'rank must be a whole number (higher = better)');
    } else if (ranks.has(tier.rank)) {
      fail('INVALID', at('rank'), `rank ${tier.rank} is used by another tier; ranks must be unique`);
    } else ranks.add(tier.rank);
    for (const p of validateRuleDocument(tier.rule, catalogs.factTypeOf)) fail(p.code, at('rule', ...p.path), p.message);

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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
