import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeOrgName, orgNameKey } from '../../src/normalize/index.ts';
import { writtenOrgName } from './arbitraries.ts';

const SEED = 20240303;

describe('normalizeOrgName', () => {
  it('trims and collapses whitespace, and changes nothing else', () => {
    expect(normalizeOrgName('  福建某某科技有限责任公司\u3000')).toBe('福建某某科技有限责任公司');
    expect(normalizeOrgName('福建某某 \u3000 科技  有限公司')).toBe('福建某某 科技 有限公司');
    expect(normalizeOrgName('福建某某科技有限公司（厦门分公司）')).toBe('福建某某科技有限公司（厦门分公司）');
    expect(normalizeOrgName('ａｂｃ Trading Co.,\tLtd.')).toBe('ａｂｃ Trading Co., Ltd.');
    expect(normalizeOrgName('某某股份公司')).toBe('某某股份公司');
  });

  it('is null for empty and whitespace-only names', () => {
    for (const input of ['', ' ', '\u3000\u00a0', '\t\n']) expect(normalizeOrgName(input)).toBeNull();
  });
});

describe('orgNameKey', () => {
  it('folds bracket widths: （）→ (), 【】〔〕［］ → []', () => {
    expect(orgNameKey('某某有限公司（厦门分公司）')).toBe('某某有限公司(厦门分公司)');
    expect(orgNameKey('某某有限公司(厦门分公司)')).toBe('某某有限公司(厦门分公司)');
    expect(orgNameKey('某某有限公司【厦门】')).toBe('某某有限公司[厦门]');
    expect(orgNameKey('某某有限公司〔厦门〕')).toBe('某某有限公司[厦门]');
    expect(orgNameKey('某某有限公司［厦门］')).toBe('某某有限公司[厦门]');
  });

  it('removes all whitespace, folds full-width ASCII and upper-cases Latin letters', () => {
    expect(orgNameKey(' 福建 某某\u3000科技 有限公司 ')).toBe('福建某某科技有限公司');
    expect(orgNameKey('ａｂｃ Trading Co.,\tLtd.')).toBe('ABCTRADINGCO.,LTD.');
    expect(orgNameKey('ＡＢＣ（中国）有限公司')).toBe('ABC(中国)有限公司');
    expect(orgNameKey('café')).toBe('CAFé'); // only ASCII letters change case
  });

  it('unifies the statutory suffix pairs (Company Law 2023, art. 7)', () => {
    const pairs: [string, string][] = [
      ['福建某某科技有限责任公司', '福建某某科技有限公司'],
      ['福建某某科技股份公司', '福建某某科技股份有限公司'],
      ['福建某某科技有限责任公司（厦门分公司）', '福建某某科技有限公司(厦门分公司)'],
      ['福建某某科技股份公司(厦门分公司)', '福建某某科技股份有限公司（厦门分公司）'],
      ['福建某某科技有限责任公司 【筹】', '福建某某科技有限公司[筹]'],
      ['福建某某科技有限责任公司(厦门)(分公司)', '福建某某科技有限公司（厦门）（分公司）'],
    ];
    for (const [a, b] of pairs) {
      expect(orgNameKey(a), a).toBe(orgNameKey(b));
      expect(orgNameKey(a), a).not.toBeNull();
    }
    expect(orgNameKey('福建某某科技有限责任公司')).toBe('福建某某科技有限公司');
    expect(orgNameKey('福建某某科技股份公司')).toBe('福建某某科技股份有限公司');
    expect(orgNameKey('福建某某科技股份有限公司')).toBe('福建某某科技股份有限公司');
  });

  it('keeps a suffix word that is not at the end of the name', () => {
    expect(orgNameKey('某某有限责任公司工会委员会')).toBe('某某有限责任公司工会委员会');
    expect(orgNameKey('某某股份公司职工食堂')).toBe('某某股份公司职工食堂');
    expect(orgNameKey('某某有限责任公司厦门分公司')).toBe('某某有限责任公司厦门分公司');
    expect(orgNameKey('某某有限公司厦门有限责任公司')).toBe('某某有限公司厦门有限公司'); // only the last one
    expect(orgNameKey('某某有限责任公司(筹)办事处')).toBe('某某有限责任公司(筹)办事处'); // brackets not trailing
  });

  it('keeps an unbalanced trailing bracket as written (no suffix rewrite before it)', () => {
    expect(orgNameKey('某某有限责任公司(厦门')).toBe('某某有限责任公司(厦门');
  });

  it('keeps a limited liability company and a joint stock company apart', () => {
    expect(orgNameKey('某某有限公司')).not.toBe(orgNameKey('某某股份有限公司'));
  });

  it('is null for empty and whitespace-only names', () => {
    for (const input of ['', ' ', '\u3000']) expect(orgNameKey(input)).toBeNull();
  });

  it('property: idempotent, no whitespace, and the key of the stored form is the key', () => {
    fc.assert(
      fc.property(writtenOrgName, (text) => {
        const key = orgNameKey(text);
        const stored = normalizeOrgName(text);
        expect(stored === null).toBe(key === null);
        if (key === null) return;
        expect(orgNameKey(key)).toBe(key);
        expect(key).not.toMatch(/\s|[（）【】〔〕［］a-z]|有限责任公司$|股份公司$/u);
        expect(orgNameKey(stored!)).toBe(key);
      }),
      { numRuns: 2000, seed: SEED },
    );
  });
});
