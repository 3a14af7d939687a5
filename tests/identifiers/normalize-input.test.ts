import { describe, expect, it } from 'vitest';
import { normalizeInput } from '../../src/identifiers/index.ts';

const codes = (input: string) => normalizeInput(input).notes.map((n) => n.code);

describe('normalizeInput', () => {
  it('leaves a canonical value alone, with no notes', () => {
    expect(normalizeInput('350102198503171237')).toEqual({ value: '350102198503171237', notes: [] });
  });

  it('trims ASCII and ideographic (U+3000) whitespace', () => {
    expect(normalizeInput('\u3000 35010219850317123X\t\n').value).toBe('35010219850317123X');
    expect(codes('\u300035010219850317123X')).toEqual(['whitespace_trimmed']);
  });

  it('removes whitespace inside the value, including no-break and zero-width spaces', () => {
    expect(normalizeInput('91 3501\u00a000MA2Y\u200b8K3P3P').value).toBe('91350100MA2Y8K3P3P');
    expect(codes('91 350100MA2Y8K3P3P')).toEqual(['whitespace_removed']);
  });

  it('converts full-width digits, letters and the hyphen to ASCII', () => {
    expect(normalizeInput('ＭＡ２Ｙ８Ｋ３Ｐ－３').value).toBe('MA2Y8K3P-3');
    expect(codes('３５０１０２')).toEqual(['fullwidth_normalised']);
  });

  it('upper-cases ASCII letters only, so the length never changes', () => {
    expect(normalizeInput('ma2y8k3p3').value).toBe('MA2Y8K3P3');
    expect(normalizeInput('straße').value).toBe('STRAßE');
    expect(codes('35020319900228108x')).toEqual(['lowercase_normalised']);
  });

  it('reports each kind of repair once, in the order applied', () => {
    expect(codes(' ９１ ｍa ')).toEqual(['whitespace_trimmed', 'whitespace_removed', 'fullwidth_normalised', 'lowercase_normalised']);
  });
});
