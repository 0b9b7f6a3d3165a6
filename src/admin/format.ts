import type { Language } from './labels';

/**
 * Numbers as the language writes them. Chinese counts large amounts in 万 (10⁴) and 亿
 * (10⁸): 500,000 reads 50万 and 300,000,000 reads 3亿, where that is exact; any other
 * number keeps its digits, grouped for the locale.
 */
export function numberFormatter(language: Language): (n: number) => string {
  const grouped = new Intl.NumberFormat(language, { maximumFractionDigits: 20 });
  if (language !== 'zh-CN') return (n) => grouped.format(n);
  return (n) => {
    if (!Number.isInteger(n) || n % 10_000 !== 0 || Math.abs(n) < 10_000) return grouped.format(n);
    return Math.abs(n) >= 100_000_000 ? `${grouped.format(n / 100_000_000)}亿` : `${grouped.format(n / 10_000)}万`;
  };
}
