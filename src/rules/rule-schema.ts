import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { describe } from '../facts/fact-types';
import { DOWNGRADE_MODES, DOWNGRADE_STEPS, REVIEW_PERIODS } from './time-policy';

/**
 * The shape of json-rules-engine documents as Strata accepts them, as JSON Schema: the
 * rule validator checks it first (Ajv), the meaning checks run only on documents of the
 * right shape, and `schema/rule-document.schema.json` (generated from this) lets editors
 * check files in rules/ as they type. Limits a schema cannot state (condition count,
 * bytes) stay in the validator.
 */

export const RULE_LIMITS = { maxDepth: 8, maxNodes: 200, maxBytes: 32_768, maxListItems: 500 } as const;

export const NUMERIC_OPERATORS = ['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'];
export const EQUALITY_OPERATORS = ['equal', 'notEqual'];
export const LIST_OPERATORS = ['in', 'notIn'];
export const CONTAINS_OPERATORS = ['contains', 'doesNotContain'];
/** json-rules-engine's built-in operators; decorated and custom operators are not accepted. */
export const OPERATORS = [...EQUALITY_OPERATORS, ...LIST_OPERATORS, ...CONTAINS_OPERATORS, ...NUMERIC_OPERATORS];

/** What each operator means, for the schema's ConditionOperator enum. */
export const OPERATOR_MEANINGS: Record<string, string> = {
  equal: 'The fact equals the value.',
  notEqual: 'The fact differs from the value (a missing fact differs).',
  in: 'The fact is one of the values listed.',
  notIn: 'The fact is none of the values listed.',
  contains: 'The fact (a list) contains the value.',
  doesNotContain: 'The fact (a list) does not contain the value.',
  lessThan: 'The fact is below the value.',
  lessThanInclusive: 'The fact is at most the value.',
  greaterThan: 'The fact is above the value.',
  greaterThanInclusive: 'The fact is at least the value.',
};

const MAX_TIERS = 50;
const KEY = { type: 'string', minLength: 1, maxLength: 200 };
export const MAX_DAYS = 3_650;
const DAYS = { $comment: 'days', type: 'integer', minimum: 0, maximum: MAX_DAYS };
const TIME_POLICY_KEYS = ['timeZone', 'downgrade', 'review', 'graceDays', 'steps'];
const TIER_KEYS = ['key', 'name', 'rank', 'conditions', 'entitlements', 'protected', 'minimumStayDays'];

type Schema = Record<string, unknown> | boolean;

/** `level1` … `level<maxDepth>`: a condition at that depth; deeper is the `false` schema. */
function conditionLevels(): Record<string, Schema> {
  const definitions: Record<string, Schema> = {
    leaf: {
      $comment: 'leaf',
      type: 'object',
      required: ['fact', 'operator', 'value'],
      additionalProperties: false,
      properties: { fact: KEY, operator: { enum: OPERATORS }, value: {} },
    },
    [`level${RULE_LIMITS.maxDepth + 1}`]: false,
  };
  for (let level = RULE_LIMITS.maxDepth; level >= 1; level -= 1) {
    const next = { $ref: `#/definitions/level${level + 1}` };
    const list = { type: 'array', maxItems: RULE_LIMITS.maxNodes, items: next };
    // $comment names the kind of node, so an error can be told in words (see explain()).
    definitions[`level${level}`] = {
      $comment: 'condition',
      type: 'object',
      if: { required: ['all'] },
      then: { $comment: 'all', properties: { all: list }, additionalProperties: false },
      else: {
        if: { required: ['any'] },
        then: { $comment: 'any', properties: { any: list }, additionalProperties: false },
        else: {
          if: { required: ['not'] },
          then: { $comment: 'not', properties: { not: { ...next, type: 'object' } }, additionalProperties: false },
          else: { $ref: '#/definitions/leaf' },
        },
      },
    };
  }
  definitions.root = {
    $comment: 'root',
    type: 'object',
    anyOf: [{ required: ['all'] }, { required: ['any'] }, { required: ['not'] }],
    allOf: [{ $ref: '#/definitions/level1' }],
  };
  return definitions;
}

/**
 * A program document `{ appliesTo, tiers, retired? }`; as a file it also has key, name and
 * description. `rules: 'opaque'` leaves rules and appliesTo to the rule checks, which
 * report their paths relative to the rule.
 */
export function programSchema({ file, rules }: { file: boolean; rules: 'full' | 'opaque' }): Record<string, unknown> {
  const root = rules === 'full' ? { $ref: '#/definitions/root' } : { type: 'object' };
  const tier = {
    $comment: 'tier',
    type: 'object',
    required: ['key', 'name', 'rank', 'conditions'],
    additionalProperties: false,
    properties: {
      key: KEY,
      name: KEY,
      // Stored as a PostgreSQL integer.
      rank: { type: 'integer', minimum: -2_147_483_648, maximum: 2_147_483_647 },
      conditions: root,
      entitlements: {
        type: ['array', 'null'],
        items: { $comment: 'entitlement', type: 'object', required: ['key', 'value'], additionalProperties: false, properties: { key: KEY, value: {} } },
      },
      // Null as omitted: TierInput's fields are optional.
      protected: { type: ['boolean', 'null'] },
      minimumStayDays: { ...DAYS, type: ['integer', 'null'] },
    },
  };
  const properties: Record<string, unknown> = {
    appliesTo: { anyOf: [{ type: 'null' }, root] },
    tiers: { type: 'array', minItems: 1, maxItems: MAX_TIERS, items: tier },
  };
  // A retired program covers no customer; its tiers stay, so a later draft can reinstate it.
  properties.retired = { type: 'boolean' };
  properties.timePolicy = {
    $comment: 'timePolicy',
    type: ['object', 'null'],
    additionalProperties: false,
    properties: {
      timeZone: { type: 'string', minLength: 1, maxLength: 64 },
      downgrade: { enum: [...DOWNGRADE_MODES] },
      review: { enum: [...REVIEW_PERIODS] },
      graceDays: DAYS,
      steps: { enum: [...DOWNGRADE_STEPS] },
    },
  };
  if (file) Object.assign(properties, { key: KEY, name: KEY, description: { type: ['string', 'null'] } });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: file ? 'Strata program file (rules/*.json)' : 'Strata program rule document',
    $comment: 'document',
    type: 'object',
    required: file ? ['key', 'name', 'tiers'] : ['tiers'],
    additionalProperties: false,
    properties,
    ...(rules === 'full' ? { definitions: conditionLevels() } : {}),
  };
}

// strictTypes and strictRequired off: the if/then/else and anyOf branches test for keys
// ("has all") of an object whose parent schema types and describes it. verbose gives each
// error its parentSchema, whose $comment says what kind of node failed.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, verbose: true });
const documentValidator = ajv.compile(programSchema({ file: false, rules: 'opaque' }));
const treeValidator = ajv.compile({ definitions: conditionLevels(), $ref: '#/definitions/root' });

export interface ShapeProblem {
  path: (string | number)[];
  message: string;
}

export const checkDocumentShape = (value: unknown) => shapeProblems(documentValidator, value);
export const checkConditionTreeShape = (value: unknown) => shapeProblems(treeValidator, value);

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function shapeProblems(validate: ValidateFunction, value: unknown): ShapeProblem[] {
  if (validate(value)) return [];
  const problems = new Map<string, ShapeProblem>();
  for (const error of validate.errors ?? []) {
    const problem = explain(error, value);
    // if/then/else and anyOf add summary errors beside the specific one: keep one per place.
    if (problem && !problems.has(problem.path.join('/'))) problems.set(problem.path.join('/'), problem);
  }
  return [...problems.values()];
}

function pathOf(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function at(value: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

/** Ajv's error in the words the rest of the validator uses, or null for a summary error. */
function explain(error: ErrorObject, value: unknown): ShapeProblem | null {
  const path = pathOf(error.instancePath);
  const context = (error.parentSchema as { $comment?: string } | undefined)?.$comment;
  const here = at(value, path);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      return { path: [...path, key], message: unexpectedKey(key, context) };
    }
    case 'required': {
      const key = (error.params as { missingProperty: string }).missingProperty;
      // "has all / any / not" tests of if and anyOf are not problems of their own.
      if (['all', 'any', 'not'].includes(key) && context !== 'leaf') return null;
      const messages: Record<string, string> = {
        fact: 'fact must name a fact from the catalog',
        operator: `operator is required; use one of ${OPERATORS.join(', ')}`,
      };
      return { path: [...path, key], message: messages[key] ?? `${key} is required` };
    }
    case 'anyOf':
      if (context === 'root') return { path, message: 'conditions must start with "all", "any" or "not"' };
      if (path.at(-1) === 'appliesTo') return { path, message: 'appliesTo must be a condition like { "all": [ … ] } or null' };
      return null;
    case 'false schema':
      return { path, message: `conditions nest deeper than ${RULE_LIMITS.maxDepth} levels` };
    case 'enum':
      if (path[0] === 'timePolicy') {
        return { path, message: `${path.at(-1)} must be one of ${(error.params as { allowedValues: string[] }).allowedValues.join(', ')}, got ${describe(here)}` };
      }
      return { path, message: `unknown operator ${describe(here)}; use one of ${OPERATORS.join(', ')}` };
    case 'type':
      if (error.schemaPath.includes('/anyOf/')) return null; // one branch of an anyOf; the anyOf error speaks for it
      return { path, message: typeMessage(path, context, here) };
    case 'minLength':
      return { path, message: path.at(-1) === 'fact' ? 'fact must name a fact from the catalog' : `${path.at(-1)} must not be empty` };
    case 'maxLength':
      return { path, message: `${path.at(-1)} is longer than 200 characters` };
    case 'minItems':
      return { path, message: 'a program needs at least one tier' };
    case 'maxItems':
      return { path, message: path.at(-1) === 'tiers' ? `a program has at most ${MAX_TIERS} tiers` : `too many conditions; the limit is ${RULE_LIMITS.maxNodes}` };
    case 'minimum':
    case 'maximum':
      if (context === 'days') return { path, message: `${path.at(-1)} must be a whole number of days from 0 to ${MAX_DAYS.toLocaleString('en')}, got ${describe(here)}` };
      return { path, message: `${path.at(-1)} must lie between -2,147,483,648 and 2,147,483,647, got ${describe(here)}` };
    case 'if':
      return null;
    default:
      return { path, message: error.message ?? 'invalid' };
  }
}

function unexpectedKey(key: string, context: string | undefined): string {
  if (FORBIDDEN_KEYS.has(key)) return `"${key}" is not allowed as a key`;
  switch (context) {
    case 'leaf':
      if (key === 'path') return '"path" is not allowed: compare a fact of its own instead';
      if (key === 'condition') return 'shared condition references are not supported; write the condition out';
      return `unexpected key "${key}"; a condition has "fact", "operator" and "value"`;
    case 'all':
    case 'any':
    case 'not':
      return `unexpected key "${key}" beside "${context}"`;
    case 'tier':
      return key === 'rule'
        ? 'a tier has "conditions" or the older "rule": { "conditions" }, not both'
        : `unexpected key "${key}"; a tier has ${listed(TIER_KEYS)}`;
    case 'timePolicy':
      return `unexpected key "${key}"; a timePolicy has ${listed(TIME_POLICY_KEYS)}`;
    default:
      return `unexpected key "${key}"`;
  }
}

function listed(keys: string[]): string {
  return `${keys.slice(0, -1).map((k) => `"${k}"`).join(', ')} and "${keys.at(-1)}"`;
}

function typeMessage(path: (string | number)[], context: string | undefined, value: unknown): string {
  const last = path.at(-1);
  if (context === 'days') return `${last} must be a whole number of days, got ${describe(value)}`;
  if (context === 'timePolicy') return `timePolicy must be an object { "downgrade", "review", "graceDays", … } or null, got ${describe(value)}`;
  if (last === 'protected') return `protected must be true or false, got ${describe(value)}`;
  if (last === 'timeZone') return `timeZone must name an IANA time zone such as "Asia/Shanghai", got ${describe(value)}`;
  if (last === 'all' || last === 'any') return `"${last}" takes a list of conditions`;
  if (last === 'not') return '"not" takes one condition, not a list';
  if (last === 'fact') return 'fact must name a fact from the catalog';
  if (last === 'conditions') return `conditions must be a condition like { "all": [ … ] }, got ${describe(value)}`;
  if (last === 'rank') return 'rank must be a whole number (higher = better)';
  if (last === 'tiers') return 'tiers must be a list';
  if (last === 'entitlements') return 'entitlements must be a list of { "key", "value" }';
  if (context === 'document') return 'the document must be an object { "appliesTo": …, "tiers": [ … ] }';
  if (context === 'tier') return 'a tier must be an object { "key", "name", "rank", "conditions", "entitlements" }';
  if (context === 'entitlement') return 'an entitlement is { "key": "…", "value": … }';
  if (context === 'condition' || context === 'root' || context === 'leaf') return `a condition must be an object, got ${describe(value)}`;
  return `${String(last ?? 'the document')} has the wrong type: got ${describe(value)}`;
}
