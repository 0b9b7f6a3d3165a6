import fc from 'fast-check';
import { numberFormatter } from '../../src/admin/format';

describe('numbers as the chosen language writes them', () => {
  const zh = numberFormatter('zh-CN');
  const en = numberFormatter('en');

  it('counts round amounts in 万 and 亿 in Chinese, and keeps every other number exact', () => {
    expect([500_000, 50_000, 6_000_000, 300_000_000, 150_000_000, 123_450_000, 10_000].map(zh)).toEqual(['50万', '5万', '600万', '3亿', '1.5亿', '1.2345亿', '1万']);
    expect([30, 9_999, 12_345, 0.5, -200_000].map(zh)).toEqual(['30', '9,999', '12,345', '0.5', '-20万']);
    expect([500_000, 0.25].map(en)).toEqual(['500,000', '0.25']);
  });

  it('never loses a digit: the Chinese form reads back as the number', () => {
    const back = (text: string) => {
      const plain = Number(text.replace(/,/g, '').replace(/[万亿]$/, ''));
      return text.endsWith('亿') ? Math.round(plain * 1e8) : text.endsWith('万') ? Math.round(plain * 1e4) : plain;
    };
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (n) => expect(back(zh(n))).toBe(n)));
    fc.assert(fc.property(fc.integer({ min: -1e8, max: 1e8 }), (n) => expect(back(zh(n * 10_000))).toBe(n * 10_000)));
  });
});
