import { Engine, Rule, RuleResult } from 'json-rules-engine';
import { APPLIES_TO, Classification, Classifier, CompiledRule, NO_TIER, OUTSIDE, classifierOf, compileRule } from './compile';
import { Explainer, compileExplainer } from './explain';
import { ConditionNode, Facts, ProgramDefinition, ProgramEvaluation, RuleFallback, RuleOutcome, TierDefinition } from './types';

const TIER_RULE_PREFIX = 'tier:';
/**
 * Engines per pool. Evaluation is CPU-bound on one thread, so more engines only interleave
 * work; beyond this many, evaluations wait for an engine instead of building one.
 */
const MAX_ENGINES = 4;

/**
 * json-rules-engine Engines holding the same rules. An Engine keeps its run status in one
 * shared field, so two overlapping `run()` calls on one Engine skip rules: each run takes
 * an Engine of its own and hands it back when done.
 */
class EnginePool {
  private readonly idle: Engine[] = [];
  private readonly waiting: ((engine: Engine) => void)[] = [];
  private engines = 0;

  constructor(private readonly build: () => Engine) {
    // Build one engine up front so a malformed document fails here, not at first use.
    this.idle.push(this.add());
  }

  /** Every rule's result by rule name. */
  async run(facts: Facts): Promise<Map<string, RuleResult>> {
    const engine = await this.acquire();
    try {
      const { results, failureResults } = await engine.run(toRuntimeFacts(facts));
      const byName = new Map<string, RuleResult>();
      for (const r of [...results, ...failureResults]) byName.set(r.name as string, r);
      return byName;
    } finally {
      this.release(engine);
    }
  }

  private add(): Engine {
    this.engines += 1;
    return this.build();
  }

  private acquire(): Promise<Engine> | Engine {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.engines < MAX_ENGINES) return this.add();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(engine: Engine): void {
    const next = this.waiting.shift();
    if (next) next(engine);
    else this.idle.push(engine);
  }
}

/**
 * Evaluates customers' facts against one published program version.
 *
 * Semantics are json-rules-engine's own, with `allowUndefinedFacts: true`: a fact the
 * customer lacks evaluates as `undefined`, so numeric comparisons and `equal`/`in`/
 * `contains` on it fail, while `notEqual`/`notIn`/`doesNotContain` pass. A customer
 * without `balance` therefore never reaches a balance threshold.
 *
 * `classify` answers with the rules compiled to closures (see compile.ts), which agree
 * with json-rules-engine on every case the differential tests generate; a rule that cannot
 * be compiled faithfully is decided by json-rules-engine instead, and listed in
 * `fallbacks`. `evaluate` explains with closures too (see explain.ts), and runs
 * json-rules-engine only for a version with fallbacks; `evaluateWithEngine` always runs it,
 * as the reference the closures are tested against.
 */
export class ProgramEvaluator {
  readonly definition: ProgramDefinition;
  /** Rules json-rules-engine decides because they could not be compiled; usually none. */
  readonly fallbacks: readonly RuleFallback[];
  /** The whole program compiled to one synchronous closure; null when any rule falls back. */
  readonly classifier: Classifier | null;
  private readonly tiersByRank: readonly TierDefinition[];
  private readonly explainer: EnginePool;
  private readonly applies: CompiledRule | null;
  private readonly tiers: readonly CompiledRule[];
  /** One pool per rule that falls back, holding just that rule. */
  private readonly fallbackPools = new Map<string, EnginePool>();
  /** appliesTo (or null) and the tiers' explainers, highest rank first; built on first use. */
  private explainers: { applies: Explainer | null; tiers: { key: string; explain: Explainer }[] } | null = null;

  constructor(definition: ProgramDefinition) {
    this.definition = definition;
    this.tiersByRank = [...definition.tiers].sort((a, b) => b.rank - a.rank);
    this.explainer = new EnginePool(() => this.buildEngine(definition.appliesTo, this.tiersByRank, true));
    this.applies = definition.appliesTo ? compileRule(APPLIES_TO, definition.appliesTo) : null;
    this.tiers = this.tiersByRank.map((t) => compileRule(t.key, t.conditions));
    const failed = [this.applies, ...this.tiers].filter((r): r is CompiledRule => r !== null && r.predicate === null);
    this.fallbacks = failed.map((r) => ({ tierKey: r.name === APPLIES_TO ? null : r.name, reason: r.reason! }));
    for (const rule of failed) {
      const tier = this.tiersByRank.filter((t) => t.key === rule.name);
      this.fallbackPools.set(rule.name, new EnginePool(() => this.buildEngine(rule.name === APPLIES_TO ? definition.appliesTo : null, tier, false)));
    }
    this.classifier = failed.length
      ? null
      : classifierOf(this.applies?.predicate ?? null, this.tiers.map((t) => ({ key: t.name, test: t.predicate! })));
  }

  /** The tier only, without an explanation. Not `async`: the compiled path skips its overhead. */
  classify(facts: Facts): Promise<Classification> {
    return this.classifier ? Promise.resolve(this.classifier(facts)) : this.classifyWithFallbacks(facts);
  }

  private async classifyWithFallbacks(facts: Facts): Promise<Classification> {
    if (this.applies && !(await this.passes(this.applies, facts))) return OUTSIDE;
    for (const tier of this.tiers) {
      if (await this.passes(tier, facts)) return { applies: true, tierKey: tier.name };
    }
    return NO_TIER;
  }

  private async passes(rule: CompiledRule, facts: Facts): Promise<boolean> {
    if (rule.predicate) return rule.predicate(facts);
    const results = await this.fallbackPools.get(rule.name)!.run(facts);
    const name = rule.name === APPLIES_TO ? APPLIES_TO : TIER_RULE_PREFIX + rule.name;
    return results.get(name)!.result;
  }

  /** The verdict with every rule's evaluated condition tree, as json-rules-engine reports it. */
  evaluate(facts: Facts): Promise<ProgramEvaluation> {
    return this.classifier ? Promise.resolve(this.explainCompiled(facts)) : this.evaluateWithEngine(facts);
  }

  /** json-rules-engine's own verdict and condition trees: the reference semantics. */
  async evaluateWithEngine(facts: Facts): Promise<ProgramEvaluation> {
    return this.interpret(await this.explainer.run(facts));
  }

  private explainCompiled(facts: Facts): ProgramEvaluation {
    const { key, version, appliesTo } = this.definition;
    this.explainers ??= {
      applies: appliesTo ? compileExplainer(appliesTo) : null,
      tiers: this.tiersByRank.map((t) => ({ key: t.key, explain: compileExplainer(t.conditions) })),
    };
    const fallbacks = this.fallbacks;
    const applied = this.explainers.applies?.(facts) ?? null;
    if (applied && !applied.passed) {
      return { programKey: key, version, applies: false, matchedTierKey: null, outcomes: [], appliesTo: applied.tree, fallbacks };
    }
    const outcomes: RuleOutcome[] = this.explainers.tiers.map(({ key: tierKey, explain }) => {
      const { passed, tree } = explain(facts);
      return { tierKey, passed, conditions: tree };
    });
    const matched = outcomes.find((o) => o.passed);
    return { programKey: key, version, applies: true, matchedTierKey: matched ? matched.tierKey : null, outcomes, appliesTo: applied?.tree ?? null, fallbacks };
  }

  private interpret(byName: Map<string, RuleResult>): ProgramEvaluation {
    const { key, version, appliesTo } = this.definition;
    const fallbacks = this.fallbacks;
    const appliesResult = appliesTo ? byName.get(APPLIES_TO) : undefined;
    const applies = appliesResult ? appliesResult.result : true;
    const appliesTree = appliesResult ? conditionTree(appliesResult) : null;
    if (!applies) {
      return { programKey: key, version, applies, matchedTierKey: null, outcomes: [], appliesTo: appliesTree, fallbacks };
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
      fallbacks,
    };
  }

  /**
   * An Engine with the given appliesTo and tier rules. With `stopOutside`, a customer the
   * appliesTo rule rejects skips the tier rules.
   */
  private buildEngine(appliesTo: ConditionNode | null, tiers: readonly TierDefinition[], stopOutside: boolean): Engine {
    const engine = new Engine([], {
      allowUndefinedFacts: true,
      // Defence in depth: the rule validator rejects `path`, and stored rules must never
      // reach jsonpath evaluation even if one slipped past it.
      pathResolver: () => undefined,
    });
    if (appliesTo) {
      // Runs before the tier rules (higher priority).
      engine.addRule(rule(APPLIES_TO, appliesTo, APPLIES_TO, 2, stopOutside ? () => engine.stop() : undefined));
    }
    for (const tier of tiers) {
      engine.addRule(rule(TIER_RULE_PREFIX + tier.key, tier.conditions, tier.key, 1));
    }
    return engine;
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
