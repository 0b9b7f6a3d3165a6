import { Facts, ProgramDefinition } from './types';

/**
 * Compiles json-rules-engine condition trees into plain closures and parameterised SQL,
 * keeping json-rules-engine's meaning exactly (see the operator table in
 * engine-default-operators.js and `prioritizeAndRun` in rule.js):
 *
 * - `all: []` and `any: []` are both true; `not` negates its one condition.
 * - A fact the customer lacks (or holds as null) is `undefined`: `equal`/`in`/`contains`
 *   fail on it, `notEqual`/`notIn` pass, and `doesNotContain` fails (its fact must be a list).
 * - The numeric operators first require `parseFloat(fact)` to be a number, then compare
 *   with JavaScript's `<`, which converts strings and one-element lists.
 *
 * Nothing here evaluates user text as code; literals reach SQL only as bind parameters.
 */

export type Predicate = (facts: Facts) => boolean;

/** A construct the compiler cannot reproduce faithfully; callers fall back to json-rules-engine. */
export class NotCompilable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotCompilable';
  }
}

const NUMERIC = { lessThan: '<', lessThanInclusive: '<=', greaterThan: '>', greaterThanInclusive: '>=' } as const;
type NumericOperator = keyof typeof NUMERIC;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

export interface Leaf {
  fact: string;
  operator: string;
  value: unknown;
}

export type ConditionAst = { kind: 'all' | 'any'; children: ConditionAst[] } | { kind: 'not'; child: ConditionAst } | { kind: 'leaf'; leaf: Leaf };

/** Reads a condition tree into a small AST, refusing anything outside the accepted grammar. */
export function parseConditions(node: unknown): ConditionAst {
  if (!isObject(node)) throw new NotCompilable('a condition must be an object');
  for (const kind of ['all', 'any'] as const) {
    if (kind in node) {
      const children = node[kind];
      if (!Array.isArray(children) || Object.keys(node).length !== 1) throw new NotCompilable(`malformed "${kind}"`);
      return { kind, children: children.map(parseConditions) };
    }
  }
  if ('not' in node) {
    if (Array.isArray(node.not) || Object.keys(node).length !== 1) throw new NotCompilable('malformed "not"');
    return { kind: 'not', child: parseConditions(node.not) };
  }
  const { fact, operator, value } = node;
  if (typeof fact !== 'string' || typeof operator !== 'string' || Object.keys(node).some((k) => k !== 'fact' && k !== 'operator' && k !== 'value')) {
    throw new NotCompilable('a leaf needs exactly fact, operator and value (no path, params or shared conditions)');
  }
  if (value === undefined) throw new NotCompilable('a leaf needs a value');
  // json-rules-engine reads `{ "fact": … }` as the value of another fact, not as a literal.
  if (isObject(value) && Object.prototype.hasOwnProperty.call(value, 'fact')) {
    throw new NotCompilable(`the value of "${fact}" ${operator} refers to another fact`);
  }
  return { kind: 'leaf', leaf: { fact, operator, value } };
}

// ---------------------------------------------------------------- closures

export function factReader(key: string): (facts: Facts) => unknown {
  return (facts) => {
    if (!Object.prototype.hasOwnProperty.call(facts, key)) return undefined;
    const value = facts[key];
    return value === null ? undefined : value;
  };
}

/**
 * json-rules-engine's `numberValidator`: `parseFloat(value).toString() !== 'NaN'`. For a
 * number that round trip through strings is NaN exactly when the number is NaN, so numbers
 * (nearly every fact a threshold meets) skip it.
 */
function isNumeric(factValue: unknown): boolean {
  if (typeof factValue === 'number') return !Number.isNaN(factValue);
  return Number.parseFloat(factValue as string).toString() !== 'NaN';
}

export function leafClosure({ fact, operator, value }: Leaf): Predicate {
  const read = factReader(fact);
  const literal = value as never;
  switch (operator) {
    case 'equal':
      return (f) => read(f) === value;
    case 'notEqual':
      return (f) => read(f) !== value;
    case 'in':
    case 'notIn': {
      if (!Array.isArray(value)) throw new NotCompilable(`${operator} needs a list`);
      const list: unknown[] = value;
      return operator === 'in' ? (f) => list.indexOf(read(f)) > -1 : (f) => list.indexOf(read(f)) === -1;
    }
    case 'contains':
      return (f) => {
        const a = read(f);
        return Array.isArray(a) && a.indexOf(value) > -1;
      };
    case 'doesNotContain':
      return (f) => {
        const a = read(f);
        return Array.isArray(a) && a.indexOf(value) === -1;
      };
    case 'lessThan':
      return (f) => {
        const a = read(f) as never;
        return isNumeric(a) && a < literal;
      };
    case 'lessThanInclusive':
      return (f) => {
        const a = read(f) as never;
        return isNumeric(a) && a <= literal;
      };
    case 'greaterThan':
      return (f) => {
        const a = read(f) as never;
        return isNumeric(a) && a > literal;
      };
    case 'greaterThanInclusive':
      return (f) => {
        const a = read(f) as never;
        return isNumeric(a) && a >= literal;
      };
    default:
      throw new NotCompilable(`unknown operator "${operator}"`);
  }
}

function nodeClosure(node: ConditionAst): Predicate {
  switch (node.kind) {
    case 'leaf':
      return leafClosure(node.leaf);
    case 'not': {
      const child = nodeClosure(node.child);
      return (f) => !child(f);
    }
    case 'all': {
      const children = node.children.map(nodeClosure);
      if (children.length === 1) return children[0];
      return (f) => {
        for (const child of children) if (!child(f)) return false;
        return true;
      };
    }
    case 'any': {
      const children = node.children.map(nodeClosure);
      if (children.length <= 1) return children[0] ?? (() => true);
      return (f) => {
        for (const child of children) if (child(f)) return true;
        return false;
      };
    }
  }
}

/** A condition tree as a closure over a customer's facts. Throws NotCompilable. */
export function compilePredicate(conditions: unknown): Predicate {
  return nodeClosure(parseConditions(conditions));
}

/** Outcome of classifying one customer in a program. */
export interface Classification {
  applies: boolean;
  /** Highest-ranked matching tier; null when none matches or the program does not apply. */
  tierKey: string | null;
}

export type Classifier = (facts: Facts) => Classification;

/** One rule of a program (its appliesTo or a tier's rule), compiled if it can be. */
export interface CompiledRule {
  /** APPLIES_TO or the tier key. */
  name: string;
  /** Null when the rule cannot be compiled faithfully; json-rules-engine must decide it. */
  predicate: Predicate | null;
  /** Why it could not be compiled; null when it was. */
  reason: string | null;
}

/** The name a program's appliesTo goes by among its rules; tier keys never start with "~". */
export const APPLIES_TO = '~appliesTo';

export function compileRule(name: string, conditions: unknown): CompiledRule {
  try {
    return { name, predicate: compilePredicate(conditions), reason: null };
  } catch (error) {
    if (error instanceof NotCompilable) return { name, predicate: null, reason: error.message };
    throw error;
  }
}

export const OUTSIDE: Classification = Object.freeze({ applies: false, tierKey: null });
export const NO_TIER: Classification = Object.freeze({ applies: true, tierKey: null });

/** appliesTo, then the tiers highest rank first (first match wins), as one closure. */
export function classifierOf(applies: Predicate | null, tiers: readonly { key: string; test: Predicate }[]): Classifier {
  const matched = new Map(tiers.map((t) => [t.key, Object.freeze({ applies: true, tierKey: t.key }) as Classification]));
  return (facts) => {
    if (applies && !applies(facts)) return OUTSIDE;
    for (const tier of tiers) if (tier.test(facts)) return matched.get(tier.key)!;
    return NO_TIER;
  };
}

// ---------------------------------------------------------------- SQL

/** Bind parameters shared by every expression of one statement. */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly offset = 0) {}

  /** A placeholder for `value`, with a cast so PostgreSQL never has to guess its type. */
  add(value: unknown, cast: 'text' | 'jsonb' | 'jsonb[]' | 'float8' | 'uuid' | 'int' | 'text[]' | 'uuid[]' | 'timestamptz'): string {
    this.values.push(value);
    return `$${this.offset + this.values.length}::${cast}`;
  }

  /** Parameters for an expression that may be abandoned: keep them with `adopt`. */
  fork(): SqlParams {
    return new SqlParams(this.offset + this.values.length);
  }

  adopt(fork: SqlParams): void {
    this.values.push(...fork.values);
  }
}

/** Strings JavaScript's Number() and PostgreSQL's float8 read alike: plain decimals, ±Infinity. */
const PLAIN_DECIMAL = String.raw`^[ \t\n\v\f\r]*([+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,2})?|[+-]?Infinity)[ \t\n\v\f\r]*$`;
/** Strings for which parseFloat is NaN for certain: empty, blank, or starting with a character no number starts with. */
const NEVER_NUMERIC = String.raw`^([ \t\n\v\f\r]*$|[ \t\n\v\f\r]*[^ \t\n\v\f\r0-9+.I\u0080-\uffff-])`;

/**
 * A fact as the numeric operators see it, from its JSONB value `v`. `state` is 1 when the
 * operator compares `number` with its bound (JavaScript's parseFloat finds a number and `<`
 * converts the value to `number`), 0 when the operator is false whatever the bound, and
 * NULL when SQL cannot reproduce JavaScript's coercion (the row goes to Node).
 */
function numericView(v: string): { state: string; number: string } {
  const text = `(${v} #>> '{}')`;
  const plain = `length(${text}) <= 40 AND ${text} ~ '${PLAIN_DECIMAL}'`;
  const single = `jsonb_array_length(${v}) = 1 AND jsonb_typeof(${v} -> 0) = 'number'`;
  return {
    state: `(CASE jsonb_typeof(${v})
      WHEN 'number' THEN 1
      WHEN 'string' THEN CASE WHEN ${plain} THEN 1 WHEN ${text} ~ '${NEVER_NUMERIC}' THEN 0 END
      WHEN 'array' THEN CASE WHEN jsonb_array_length(${v}) <> 1 THEN 0 WHEN jsonb_typeof(${v} -> 0) = 'number' THEN 1 END
      ELSE 0 END)`,
    number: `(CASE jsonb_typeof(${v})
      WHEN 'number' THEN (${v})::float8
      WHEN 'string' THEN CASE WHEN ${plain} THEN btrim(${text}, E' \\t\\n\\v\\f\\r')::float8 END
      WHEN 'array' THEN CASE WHEN ${single} THEN (${v} -> 0)::float8 END END)`,
  };
}

/** How compiled SQL reads a customer's facts. */
interface SqlFacts {
  /** The fact's JSONB value; NULL when missing or JSON null (json-rules-engine's `undefined`). */
  value(fact: string): string;
  /** The fact for numeric operators (see numericView). */
  numeric(fact: string): { state: string; number: string };
}

/** Reads facts from a JSONB expression at every use: for single predicates. */
class InlineFacts implements SqlFacts {
  constructor(
    private readonly facts: string,
    private readonly params: SqlParams,
  ) {}

  value(fact: string): string {
    return `NULLIF(${this.facts} -> ${this.params.add(fact, 'text')}, 'null'::jsonb)`;
  }

  numeric(fact: string): { state: string; number: string } {
    return numericView(this.value(fact));
  }
}

/**
 * Facts read once per row into columns of inner queries, so a ladder of thresholds on one
 * fact costs one lookup, not one per tier. Every fact the rules use is registered before any
 * rule is compiled, so compiling adds no parameters a failed rule could strand.
 */
class ProjectedFacts implements SqlFacts {
  private readonly facts = new Map<string, number>();
  private readonly numerics = new Set<number>();

  constructor(trees: ConditionAst[]) {
    const visit = (node: ConditionAst): void => {
      if (node.kind === 'leaf') {
        const { fact, operator } = node.leaf;
        if (!this.facts.has(fact)) this.facts.set(fact, this.facts.size);
        if (operator in NUMERIC) this.numerics.add(this.facts.get(fact)!);
      } else if (node.kind === 'not') visit(node.child);
      else node.children.forEach(visit);
    };
    trees.forEach(visit);
  }

  value(fact: string): string {
    return `x._f${this.facts.get(fact)}`;
  }

  numeric(fact: string): { state: string; number: string } {
    const i = this.facts.get(fact);
    return { state: `x._s${i}`, number: `x._n${i}` };
  }

  /** Columns of the first inner query: each fact's JSONB value, from the source's `facts`. */
  values(params: SqlParams): string[] {
    return [...this.facts].map(([fact, i]) => `NULLIF(s.facts -> ${params.add(fact, 'text')}, 'null'::jsonb) AS _f${i}`);
  }

  /** Columns of the second: the numeric view of each fact a numeric operator reads. */
  numericViews(): string[] {
    return [...this.numerics].flatMap((i) => {
      const { state, number } = numericView(`v._f${i}`);
      return [`${state} AS _s${i}`, `${number} AS _n${i}`];
    });
  }
}

function leafSql({ fact, operator, value }: Leaf, facts: SqlFacts, params: SqlParams): string {
  // JavaScript's === never holds between a stored (JSON) fact and a list, an object or a
  // non-finite number from a rule, so such comparisons are constants.
  const comparable = isScalar(value);
  const literal = () => params.add(JSON.stringify(value), 'jsonb');
  switch (operator) {
    case 'equal':
      return comparable ? `COALESCE(${facts.value(fact)} = ${literal()}, false)` : 'false';
    case 'notEqual':
      return comparable ? `(${facts.value(fact)} IS DISTINCT FROM ${literal()})` : 'true';
    case 'in':
    case 'notIn': {
      if (!Array.isArray(value)) throw new NotCompilable(`${operator} needs a list`);
      const list = params.add(value.filter(isScalar).map((v) => JSON.stringify(v)), 'jsonb[]');
      const found = `COALESCE(${facts.value(fact)} = ANY(${list}), false)`;
      return operator === 'in' ? found : `NOT ${found}`;
    }
    case 'contains':
    case 'doesNotContain': {
      // json-rules-engine checks that the fact is a list before either operator runs.
      const f = facts.value(fact);
      const isList = `jsonb_typeof(${f}) = 'array'`;
      if (!comparable) return operator === 'contains' ? 'false' : `COALESCE(${isList}, false)`;
      const contained = `(${f} @> jsonb_build_array(${literal()}))`;
      return `COALESCE(${isList} AND ${operator === 'contains' ? contained : `NOT ${contained}`}, false)`;
    }
    default: {
      if (!(operator in NUMERIC)) throw new NotCompilable(`unknown operator "${operator}"`);
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new NotCompilable(`${operator} needs a finite number to compile to SQL`);
      const { state, number } = facts.numeric(fact);
      // NULL means "cannot tell in SQL": the caller evaluates that customer in Node.
      return `(CASE ${state} WHEN 1 THEN ${number} ${NUMERIC[operator as NumericOperator]} ${params.add(value, 'float8')} WHEN 0 THEN false END)`;
    }
  }
}

function nodeSql(node: ConditionAst, facts: SqlFacts, params: SqlParams): string {
  switch (node.kind) {
    case 'leaf':
      return leafSql(node.leaf, facts, params);
    case 'not':
      return `(NOT ${nodeSql(node.child, facts, params)})`;
    case 'all':
    case 'any':
      if (node.children.length === 0) return 'true';
      return `(${node.children.map((c) => nodeSql(c, facts, params)).join(node.kind === 'all' ? ' AND ' : ' OR ')})`;
  }
}

/**
 * A condition tree as a SQL boolean over the JSONB expression `facts`. It is NULL for a
 * row SQL cannot decide exactly (only possible for facts that break their catalog type,
 * such as a numeric comparison on a string like "0x1A"); evaluate such rows in Node.
 */
export function compileSqlPredicate(conditions: unknown, facts: string, params: SqlParams): string {
  return nodeSql(parseConditions(conditions), new InlineFacts(facts, params), params);
}

/** Values of a classification in SQL besides a tier key; tier keys never start with "~". */
export const SQL_OUTSIDE = '~outside';
export const SQL_NO_TIER = '~none';

/** A rule parsed for SQL, or null when it cannot be: every row reaching it is then undecided. */
function parsedOrNull(conditions: unknown): ConditionAst | null {
  try {
    return parseConditions(conditions);
  } catch (error) {
    if (error instanceof NotCompilable) return null;
    throw error;
  }
}

/** A rule as SQL, or NULL (undecided for every row) when it cannot be compiled to SQL. */
function ruleSql(node: ConditionAst | null, facts: SqlFacts, params: SqlParams): string {
  if (!node) return 'NULL::boolean';
  const fork = params.fork();
  try {
    const sql = nodeSql(node, facts, fork);
    params.adopt(fork);
    return sql;
  } catch (error) {
    if (error instanceof NotCompilable) return 'NULL::boolean';
    throw error;
  }
}

/**
 * Classifies every row of `source` (a SELECT with a JSONB column `facts`) under each
 * program, as a query answering the `keep` columns of the source, then `k0`, `k1`, … per
 * program: a tier key, SQL_NO_TIER, SQL_OUTSIDE, or NULL when SQL cannot decide the row (a
 * value breaking its catalog type, or a rule that cannot be compiled to SQL). Each fact is
 * read once per row, its numeric view computed once, each rule evaluated at most once: the
 * levels end in OFFSET 0, or PostgreSQL would inline the reads into every comparison and the
 * CASE expressions into every reference to `k…` (20× slower). Rows stream in the source's
 * order, so an outer LIMIT stops the work early.
 */
export function sqlClassifications(source: string, keep: readonly string[], programs: readonly ProgramDefinition[], params: SqlParams): string {
  const parsed = programs.map((program) => ({
    appliesTo: program.appliesTo ? parsedOrNull(program.appliesTo) : undefined,
    tiers: [...program.tiers].sort((a, b) => b.rank - a.rank).map((t) => ({ key: t.key, node: parsedOrNull(t.conditions) })),
  }));
  const trees = parsed.flatMap((p) => [p.appliesTo, ...p.tiers.map((t) => t.node)]).filter((n): n is ConditionAst => !!n);
  const facts = new ProjectedFacts(trees);
  const branch = (predicate: string, then: string, otherwise: string) =>
    `(CASE COALESCE((${predicate})::int, 2) WHEN 1 THEN ${then} WHEN 2 THEN NULL ELSE ${otherwise} END)`;
  const classifications = parsed.map(({ appliesTo, tiers }, i) => {
    let expression = params.add(SQL_NO_TIER, 'text');
    for (const tier of [...tiers].reverse()) {
      expression = branch(ruleSql(tier.node, facts, params), params.add(tier.key, 'text'), expression);
    }
    if (appliesTo !== undefined) expression = branch(ruleSql(appliesTo, facts, params), expression, params.add(SQL_OUTSIDE, 'text'));
    return `${expression} AS k${i}`;
  });
  const columns = (alias: string) => keep.map((c) => `${alias}.${c}`);
  const values = `SELECT ${[...columns('s'), ...facts.values(params)].join(', ')} FROM (${source}) s OFFSET 0`;
  const numericViews = facts.numericViews();
  const read = numericViews.length ? `SELECT ${['v.*', ...numericViews].join(', ')} FROM (${values}) v OFFSET 0` : values;
  return `SELECT ${[...columns('x'), ...classifications].join(', ')} FROM (${read}) x OFFSET 0`;
}
