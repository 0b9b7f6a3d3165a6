import fs from 'node:fs';
import path from 'node:path';
import { Engine } from 'json-rules-engine';
import { demoCustomer } from '../../src/demo/demo-customers';
import { Facts, ProgramDefinition, ProgramEvaluator, SQL_OUTSIDE } from '../../src/engine';
import { definitionOf, documentOf } from '../../src/programs/program.service';
import { BenchOptions, summary, timed } from './support';

const OUTSIDE = SQL_OUTSIDE;

/** The demo programs as the engine takes them, read from rules/ as start-up reads them. */
export function demoPrograms(dir = 'rules'): ProgramDefinition[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'catalog.json')
    .sort()
    .map((f) => {
      const spec = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      return { ...definitionOf(spec.key, documentOf(spec)), version: 1 };
    });
}

/**
 * The baseline: json-rules-engine as its README shows it, one Engine holding the program's
 * rules, reused for one `run()` after another (never two at once), the highest-ranked
 * passing tier taken from the events: a tier key, null (no tier) or SQL_OUTSIDE.
 */
export function naiveClassifier(program: ProgramDefinition): (facts: Facts) => Promise<string | null> {
  const engine = new Engine([], { allowUndefinedFacts: true });
  if (program.appliesTo) engine.addRule({ name: OUTSIDE, priority: 1_000, conditions: program.appliesTo as never, event: { type: OUTSIDE } });
  for (const tier of program.tiers) {
    engine.addRule({ name: tier.key, priority: 1, conditions: tier.conditions as never, event: { type: tier.key, params: { rank: tier.rank } } });
  }
  return async (facts) => {
    const { events } = await engine.run(facts as Record<string, unknown>);
    if (program.appliesTo && !events.some((e) => e.type === OUTSIDE)) return OUTSIDE;
    const tiers = events.filter((e) => e.type !== OUTSIDE).sort((a, b) => (b.params!.rank as number) - (a.params!.rank as number));
    return tiers[0]?.type ?? null;
  };
}

/**
 * Evaluation throughput in one process, no database: Strata's evaluator (rules compiled to
 * closures, `ProgramEvaluator.classify`, as query- and update-time evaluation call it)
 * against the json-rules-engine loop, over the same demo customers, runs interleaved.
 * Every customer must get the same tier from both.
 */
export async function benchEvaluation(options: BenchOptions, customers: number): Promise<void> {
  const facts = Array.from({ length: customers }, (_, i) => demoCustomer(i + 1).facts);
  const programs = demoPrograms();
  const totals = { strata: [] as number[], naive: [] as number[] };
  const perProgram = new Map(programs.map((p) => [p.key, { strata: [] as number[], naive: [] as number[], mismatches: 0 }]));
  for (let run = 0; run < options.runs; run += 1) {
    let strataRun = 0;
    let naiveRun = 0;
    for (const program of programs) {
      const evaluator = new ProgramEvaluator(program);
      const naive = naiveClassifier(program);
      const strataTiers: (string | null)[] = new Array(customers);
      const naiveTiers: (string | null)[] = new Array(customers);
      const strata = await timed(async () => {
        for (let i = 0; i < customers; i += 1) {
          const { applies, tierKey } = await evaluator.classify(facts[i]);
          strataTiers[i] = applies ? tierKey : OUTSIDE;
        }
      });
      const baseline = await timed(async () => {
        for (let i = 0; i < customers; i += 1) naiveTiers[i] = await naive(facts[i]);
      });
      const figures = perProgram.get(program.key)!;
      figures.strata.push(strata.ms);
      figures.naive.push(baseline.ms);
      figures.mismatches += strataTiers.filter((t, i) => t !== naiveTiers[i]).length;
      strataRun += strata.ms;
      naiveRun += baseline.ms;
    }
    totals.strata.push(strataRun);
    totals.naive.push(naiveRun);
    options.log(`  evaluation run ${run + 1}/${options.runs}: Strata ${strataRun.toFixed(0)} ms, json-rules-engine ${naiveRun.toFixed(0)} ms`);
  }
  const rate = (ms: number) => Math.round((customers * 1000) / ms);
  const report = (program: string, strataRuns: number[], naiveRuns: number[], mismatches: number) => {
    const strata = summary(strataRuns, 1);
    const naive = summary(naiveRuns, 1);
    options.report({
      suite: 'evaluation',
      figure: 'throughput',
      program,
      customers,
      strataMs: strata,
      jsonRulesEngineMs: naive,
      strataPerSecond: rate(strata.median),
      jsonRulesEnginePerSecond: rate(naive.median),
      speedup: Math.round(naive.median / strata.median),
      mismatches,
    });
  };
  for (const [program, figures] of perProgram) report(program, figures.strata, figures.naive, figures.mismatches);
  report('all three', totals.strata, totals.naive, [...perProgram.values()].reduce((n, f) => n + f.mismatches, 0));
}
