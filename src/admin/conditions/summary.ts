import type { Condition } from './query';

/** The words a summary is made of, per language. */
export interface SummaryWords {
  operators: Record<string, string>;
  and: string;
  or: string;
  not: (text: string) => string;
  group: (text: string) => string;
  everyone: string;
  nobody: string;
  list: (items: string[]) => string;
  yes: string;
  no: string;
}

export const SUMMARY_WORDS: Record<'en' | 'zh-CN', SummaryWords> = {
  en: {
    operators: {
      equal: 'is',
      notEqual: 'is not',
      in: 'is one of',
      notIn: 'is none of',
      contains: 'includes',
      doesNotContain: 'does not include',
      lessThan: 'below',
      lessThanInclusive: 'at most',
      greaterThan: 'above',
      greaterThanInclusive: 'at least',
    },
    and: ' and ',
    or: ' or ',
    not: (text) => `not (${text})`,
    group: (text) => `(${text})`,
    everyone: 'every customer',
    nobody: 'no customer',
    list: (items) => items.join(', '),
    yes: 'yes',
    no: 'no',
  },
  'zh-CN': {
    operators: {
      equal: '为',
      notEqual: '不为',
      in: '属于',
      notIn: '不属于',
      contains: '包含',
      doesNotContain: '不包含',
      lessThan: '小于',
      lessThanInclusive: '不超过',
      greaterThan: '大于',
      greaterThanInclusive: '不低于',
    },
    and: ' 且 ',
    or: ' 或 ',
    not: (text) => `非（${text}）`,
    group: (text) => `（${text}）`,
    everyone: '所有客户',
    nobody: '无客户',
    list: (items) => items.join('、'),
    yes: '是',
    no: '否',
  },
};

/** A value as a person reads it: numbers for the locale, yes / no, lists joined, a dash for none. */
export function displayValue(v: unknown, words: SummaryWords, number: (n: number) => string): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return number(v);
  if (typeof v === 'boolean') return v ? words.yes : words.no;
  if (Array.isArray(v)) return words.list(v.map((item) => displayValue(item, words, number)));
  return String(v);
}

/**
 * A condition in plain words, e.g. "balance at least 500,000 and tenureMonths at least 24":
 * what a product owner reads beside the visual editor. Nested groups are bracketed.
 */
export function summarize(condition: Condition, words: SummaryWords, number: (n: number) => string): string {
  const value = (v: unknown) => displayValue(v, words, number);
  const inner = (c: Condition): string => {
    const text = summarize(c, words, number);
    return ('all' in c && c.all.length > 1) || ('any' in c && c.any.length > 1) ? words.group(text) : text;
  };
  if ('fact' in condition) return `${condition.fact} ${words.operators[condition.operator] ?? condition.operator} ${value(condition.value)}`;
  if ('not' in condition) return words.not(summarize(condition.not, words, number));
  if ('all' in condition) return condition.all.length ? condition.all.map(inner).join(words.and) : words.everyone;
  return condition.any.length ? condition.any.map(inner).join(words.or) : words.nobody;
}
