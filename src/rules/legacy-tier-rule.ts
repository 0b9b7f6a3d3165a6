import { ShapeProblem } from './rule-schema';

/**
 * Tiers were first written `rule: { conditions: tree }`, json-rules-engine's rule wrapper;
 * they are now written `conditions: tree`, the shape of appliesTo and of every read.
 * Rule files, imports and API inputs in the older shape are still read: this turns them
 * into the current shape, and `pathAsWritten` points a problem found in the current shape
 * back at the place the author wrote.
 */
export interface UpgradedDocument {
  document: unknown;
  /** Problems with the older wrapper itself; the document is not upgraded when there are any. */
  problems: ShapeProblem[];
  /** Indexes of the tiers written in the older shape. */
  legacyTiers: ReadonlySet<number>;
}

export function upgradeTierShape(document: unknown): UpgradedDocument {
  const tiers = isObject(document) && Array.isArray(document.tiers) ? document.tiers : null;
  const legacyTiers = new Set<number>();
  const problems: ShapeProblem[] = [];
  if (!tiers) return { document, problems, legacyTiers };
  const upgraded = tiers.map((tier, i) => {
    if (!isObject(tier)) return tier;
    // GraphQL inputs carry both fields, the one not given as undefined or null.
    const { rule, conditions, ...rest } = tier;
    if (rule === undefined || rule === null) return conditions === undefined ? rest : { ...rest, conditions };
    if (conditions !== undefined && conditions !== null) return tier;
    if (!isObject(rule)) {
      problems.push({ path: ['tiers', i, 'rule'], message: 'rule must be an object { "conditions": { "all": [ … ] } }; or write the tier\'s "conditions" directly' });
      return tier;
    }
    for (const key of Object.keys(rule).filter((k) => k !== 'conditions')) {
      const message = key === 'event' ? 'event is set by Strata (its type is the tier key); leave it out' : `unexpected key "${key}"; a rule has only "conditions"`;
      problems.push({ path: ['tiers', i, 'rule', key], message });
    }
    legacyTiers.add(i);
    return 'conditions' in rule ? { ...rest, conditions: rule.conditions } : rest;
  });
  if (problems.length) return { document, problems, legacyTiers: new Set() };
  return { document: { ...(document as Record<string, unknown>), tiers: upgraded }, problems, legacyTiers };
}

/** A path in the current shape, as the author wrote it: `tiers.2.conditions…` is `tiers.2.rule.conditions…` for an older tier. */
export function pathAsWritten(path: (string | number)[], legacyTiers: ReadonlySet<number>): (string | number)[] {
  const [tiers, index, field, ...rest] = path;
  if (tiers === 'tiers' && typeof index === 'number' && field === 'conditions' && legacyTiers.has(index)) return ['tiers', index, 'rule', 'conditions', ...rest];
  return path;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
