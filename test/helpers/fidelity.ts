import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import {
  APPLIES_TO,
  Facts,
  ProgramDefinition,
  ProgramEvaluation,
  ProgramEvaluator,
  SQL_NO_TIER,
  SQL_OUTSIDE,
  SqlParams,
  compileRule,
  compileSqlPredicate,
  NotCompilable,
  sqlClassifications,
} from '../../src/engine';
import { facts as factSets, programs } from './rule-arbitraries';

/** Runs one statement and answers its rows (a DataSource's or a pg client's query). */
export type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

export interface Mismatch {
  program: ProgramDefinition;
  facts: Facts;
  /** Which verdict disagreed: `classification` or a rule (APPLIES_TO or a tier key). */
  what: string;
  by: 'closure' | 'sql';
  expected: unknown;
  got: unknown;
}

export interface FidelityReport {
  cases: number;
  /** Rule verdicts compared (appliesTo and every tier's rule, per case). */
  rules: number;
  /** Whole explanations (every rule's condition tree) compared with json-rules-engine's. */
  explanations: number;
  /** Rules json-rules-engine passed: the generator must exercise both outcomes. */
  passedRules: number;
  /** Rules the compiler refused and left to json-rules-engine. */
  fallbackRules: number;
  /** Rule verdicts and whole classifications SQL left undecided (NULL) for Node to decide. */
  sqlUndecidedRules: number;
  sqlUndecidedClassifications: number;
  mismatchCount: number;
  /** The first few mismatches, for a readable failure. */
  mismatches: Mismatch[];
  seconds: number;
}

export interface FidelityOptions {
  cases: number;
  seed: number;
  query: Query;
  onProgress?: (done: number, report: FidelityReport) => void;
}

interface Case {
  program: ProgramDefinition;
  facts: Facts;
}

/** Fewer than PostgreSQL's 1,664 columns and 65,535 parameters per statement. */
const MAX_COLUMNS = 800;
const MAX_PARAMS = 30_000;
const GENERATED_PER_SAMPLE = 500;
const KEPT_MISMATCHES = 20;

/**
 * Differential test of the rule compiler against json-rules-engine, the reference. For each
 * generated program and fact set, json-rules-engine's verdict on every rule and its
 * classification (appliesTo, then the highest-ranked passing tier) must equal the
 * compiled closures' (`ProgramEvaluator.classify`, with its fallbacks), its whole result
 * (every condition tree with fact values and results) must equal the compiled
 * explanation's (`ProgramEvaluator.evaluate`), and, wherever SQL
 * decides (NULL = "evaluate in Node"), the compiled SQL's over the facts as stored JSONB.
 */
export async function runFidelity({ cases, seed, query, onProgress }: FidelityOptions): Promise<FidelityReport> {
  const started = Date.now();
  const report: FidelityReport = {
    cases: 0,
    rules: 0,
    explanations: 0,
    passedRules: 0,
    fallbackRules: 0,
    sqlUndecidedRules: 0,
    sqlUndecidedClassifications: 0,
    mismatchCount: 0,
    mismatches: [],
    seconds: 0,
  };
  const mismatch = (m: Mismatch) => {
    report.mismatchCount += 1;
    if (report.mismatches.length < KEPT_MISMATCHES) report.mismatches.push(m);
  };
  const arbitrary = fc.record({ program: programs, facts: factSets });
  let pending: Case[] = [];
  for (let sample = 0; report.cases + pending.length < cases; sample += 1) {
    const numRuns = Math.min(GENERATED_PER_SAMPLE, cases - report.cases - pending.length);
    pending.push(...fc.sample(arbitrary, { numRuns, seed: seed + sample }));
    while (pending.length) {
      const taken = await checkBatch(pending, query, report, mismatch);
      pending = pending.slice(taken);
      onProgress?.(report.cases, report);
    }
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** Checks as many of `cases` as fit in one statement; returns how many it took. */
async function checkBatch(cases: Case[], query: Query, report: FidelityReport, mismatch: (m: Mismatch) => void): Promise<number> {
  const params = new SqlParams();
  const columns: string[] = [];
  /** Per case: its classification column and each rule's column (null: not compilable to SQL). */
  const layout: { classification: number; rules: Map<string, number | null> }[] = [];
  const jsonFacts: Facts[] = [];
  for (const c of cases) {
    if (columns.length >= MAX_COLUMNS || params.values.length >= MAX_PARAMS) break;
    // SQL sees the facts as PostgreSQL stores them: JSON, where NaN and ±Infinity are null.
    const stored = JSON.parse(JSON.stringify(c.facts)) as Facts;
    jsonFacts.push(stored);
    const factsParam = params.add(JSON.stringify(stored), 'jsonb');
    // The guard mentions the parameter, so a case whose rules ignore facts still types it.
    const guarded = (sql: string) => `CASE WHEN ${factsParam} IS NULL THEN NULL ELSE ${sql} END`;
    const rules = new Map<string, number | null>();
    for (const [name, tree] of rulesOf(c.program)) {
      const fork = params.fork();
      try {
        columns.push(guarded(`(${compileSqlPredicate(tree, factsParam, fork)})::text`));
        params.adopt(fork);
        rules.set(name, columns.length - 1);
      } catch (error) {
        if (!(error instanceof NotCompilable)) throw error;
        rules.set(name, null);
      }
    }
    columns.push(`(SELECT k0 FROM (${sqlClassifications(`SELECT ${factsParam} AS facts`, [], [c.program], params)}) r)`);
    layout.push({ classification: columns.length - 1, rules });
  }
  const rowsPromise = query(`SELECT ${columns.map((c, i) => `${c} AS c${i}`).join(', ')}`, params.values);
  rowsPromise.catch(() => undefined);

  // json-rules-engine and the closures run while PostgreSQL evaluates the batch.
  const checked: { reference: ProgramEvaluation; stored: ProgramEvaluation }[] = [];
  for (const [i, c] of cases.slice(0, layout.length).entries()) {
    const evaluator = new ProgramEvaluator(c.program);
    const reference = await evaluator.evaluateWithEngine(c.facts);
    report.explanations += 1;
    const explained = await evaluator.evaluate(c.facts);
    if (!sameJsonTree(explained, reference)) mismatch({ ...c, what: 'explanation', by: 'closure', expected: reference, got: explained });
    const classified = await evaluator.classify(c.facts);
    const expected = { applies: reference.applies, tierKey: reference.matchedTierKey };
    if (!isDeepStrictEqual(classified, expected)) mismatch({ ...c, what: 'classification', by: 'closure', expected, got: classified });
    for (const [name, tree] of rulesOf(c.program)) {
      const verdict = verdictOf(reference, name);
      if (verdict === undefined) continue;
      report.rules += 1;
      if (verdict) report.passedRules += 1;
      const compiled = compileRule(name, tree);
      if (!compiled.predicate) report.fallbackRules += 1;
      else if (compiled.predicate(c.facts) !== verdict) mismatch({ ...c, what: name, by: 'closure', expected: verdict, got: !verdict });
    }
    const stored = isDeepStrictEqual(jsonFacts[i], c.facts) ? reference : await evaluator.evaluateWithEngine(jsonFacts[i]);
    checked.push({ reference, stored });
  }

  const [row] = await rowsPromise;
  for (const [i, c] of cases.slice(0, layout.length).entries()) {
    const { stored } = checked[i];
    const sqlCase = { program: c.program, facts: jsonFacts[i], by: 'sql' as const };
    const classification = row[`c${layout[i].classification}`] as string | null;
    const expected = stored.applies ? (stored.matchedTierKey ?? SQL_NO_TIER) : SQL_OUTSIDE;
    if (classification === null) report.sqlUndecidedClassifications += 1;
    else if (classification !== expected) mismatch({ ...sqlCase, what: 'classification', expected, got: classification });
    for (const [name, column] of layout[i].rules) {
      const verdict = verdictOf(stored, name);
      const sql = column === null ? null : (row[`c${column}`] as string | null);
      if (verdict === undefined) continue;
      if (sql === null) report.sqlUndecidedRules += 1;
      else if ((sql === 'true') !== verdict) mismatch({ ...sqlCase, what: name, expected: verdict, got: sql === 'true' });
    }
  }
  report.cases += layout.length;
  return layout.length;
}

function rulesOf(program: ProgramDefinition): [string, unknown][] {
  const tiers: [string, unknown][] = program.tiers.map((t) => [t.key, t.conditions]);
  return program.appliesTo ? [[APPLIES_TO, program.appliesTo], ...tiers] : tiers;
}

/** json-rules-engine's verdict on one rule; undefined for tier rules it skipped (outside appliesTo). */
function verdictOf(evaluation: ProgramEvaluation, name: string): boolean | undefined {
  if (name === APPLIES_TO) return evaluation.applies;
  return evaluation.outcomes.find((o) => o.tierKey === name)?.passed;
}

/**
 * Equal as an answer is: the same values (Object.is, so NaN and -0 count), lists and own
 * keys, whatever the objects' prototypes (json-rules-engine clones rule values, which under
 * jest gives them another realm's prototypes).
 */
export function sameJsonTree(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  const own = b as Record<string, unknown>;
  return keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJsonTree((a as Record<string, unknown>)[k], own[k]));
}
