import { Engine, Rule, RuleResult } from 'json-rules-engine';
import { Classification, Classifier, NotCompilable, compileClassifier } from './compile';
import { ConditionNode, Facts, ProgramDefinition, ProgramEvaluation, RuleOutcome, TierDefinition } from './types';

const APPLIES_TO_RULE = 'appliesTo';
const TIER_RULE_PREFIX = 'tier:';
/**
 * Engines per program version. Evaluation is CPU-bound on one thread, so more engines only
 * interleave work; beyond this many, evaluations wait for an engine instead of building one.
 */
const MAX_ENGINES = 4;

/**
 * Evaluates customers' facts against one published program version.
 *
 * Semantics are json-rules-engine's own, with `allowUndefinedFacts: true`: a fact the
 * customer lacks evaluates as `undefined`, so numeric comparisons and `equal`/`in`/
 * `contains` on it fail, while `notEqual`/`notIn`/`doesNotContain` pass. A customer
 * without `balance` therefore never reaches a balance threshold.
 *
 * A json-rules-engine Engine keeps its run status in one shared field, so two
 * overlapping `run()` calls on one Engine skip rules. Each evaluation therefore takes an
 * Engine of its own from a small pool and hands it back when done.
 */
export class ProgramEvaluator {
  readonly definition: ProgramDefinition;
  private readonly tiersByRank: readonly TierDefinition[];
  private readonly idle: Engine[] = [];
  private readonly waiting: ((engine: Engine) => void)[] = [];
  private engines = 0;
  /** The program compiled to closures; null when some rule could not be compiled faithfully. */
  readonly classifier: Classifier | null;

  constructor(definition: ProgramDefinition) {
    this.definition = definition;
    this.tiersByRank = [...definition.tiers].sort((a, b) => b.rank - a.rank);
    // Build one engine up front so a malformed document fails here, not at first use.
    this.idle.push(this.buildEngine());
    this.classifier = compileOrNull(definition);
  }

  /** The tier only, without an explanation: compiled when possible, else json-rules-engine. */
  async classify(facts: Facts): Promise<Classification> {
    if (this.classifier) return this.classifier(facts);
    const { applies, matchedTierKey } = await this.evaluate(facts);
    return { applies, tierKey: matchedTierKey };
  }

  async evaluate(facts: Facts): Promise<ProgramEvaluation> {
    const engine = await this.acquire();
    try {
      const { results, failureResults } = await engine.run(toRuntimeFacts(facts));
      const byName = new Map<string, RuleResult>();
      for (const r of [...results, ...failureResults]) byName.set(r.name as string, r);
      return this.interpret(byName);
    } finally {
      this.release(engine);
    }
  }

  private acquire(): Promise<Engine> | Engine {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.engines < MAX_ENGINES) return this.buildEngine();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(engine: Engine): void {
    const next = this.waiting.shift();
    if (next) next(engine);
    else this.idle.push(engine);
  }

  private interpret(byName: Map<string, RuleResult>): ProgramEvaluation {
    const { key, version, appliesTo } = this.definition;
    const appliesResult = appliesTo ? byName.get(APPLIES_TO_RULE) : undefined;
    const applies = appliesResult ? appliesResult.result : true;
    const appliesTree = appliesResult ? conditionTree(appliesResult) : null;
    if (!applies) {
      return { programKey: key, version, applies, matchedTierKey: null, outcomes: [], appliesTo: appliesTree };
    }
    const outcomes: RuleOutcome[] = this.tiersByRank.map((tier) => {
      const result = byName.get(TIER_RULE_PREFIX + tier.key);
      if (!result) throw new Error(`rule for tier ${tier.key} did not run`);
      return { tierKey: tier.key, passed: result.result, conditions: conditionTree(result) };
    });
    const matched = outcomes.find((o) => o.passed);
    return {
      programKey: key,
      version,
      applies,
      matchedTierKey: matched ? matched.tierKey : null,
      outcomes,
      appliesTo: appliesTree,
    };
  }

  private buildEngine(): Engine {
    this.engines += 1;
    const engine = new Engine([], {
      allowUndefinedFacts: true,
      // Defence in depth: the rule validator rejects `path`, and stored rules must never
      // reach jsonpath evaluation even if one slipped past it.
      pathResolver: () => undefined,
    });
    if (this.definition.appliesTo) {
      // Runs before the tier rules (higher priority); a customer outside the program skips them.
      engine.addRule(rule(APPLIES_TO_RULE, this.definition.appliesTo, APPLIES_TO_RULE, 2, () => engine.stop()));
    }
    for (const tier of this.tiersByRank) {
      engine.addRule(rule(TIER_RULE_PREFIX + tier.key, tier.rule.conditions, tier.key, 1));
    }
    return engine;
  }
}

function compileOrNull(definition: ProgramDefinition): Classifier | null {
  try {
    return compileClassifier(definition);
  } catch (error) {
    if (error instanceof NotCompilable) return null;
    throw error;
  }
}

function rule(name: string, conditions: ConditionNode, eventType: string, priority: number, onFailure?: () => void): Rule {
  // Cloned so a caller's object never shares structure with the engine's.
  return new Rule({ name, priority, conditions: structuredClone(conditions) as never, event: { type: eventType }, onFailure });
}

function conditionTree(result: RuleResult): Record<string, unknown> {
  const json = result.toJSON(false) as { conditions: Record<string, unknown> };
  return json.conditions;
}

/** Own keys only, on a prototype-less object: json-rules-engine walks facts with for…in. */
function toRuntimeFacts(facts: Facts): Record<string, unknown> {
  const runtime: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(facts)) {
    const value = facts[key];
    if (value !== undefined && value !== null) runtime[key] = value;
  }
  return runtime;
}
