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

  it('unifies the suffix before a branch designation written without brackets', () => {
    const pairs: [string, string, string][] = [
      ['某某有限责任公司厦门分公司', '某某有限公司厦门分公司', '某某有限公司厦门分公司'],
      ['某某股份公司厦门分公司', '某某股份有限公司厦门分公司', '某某股份有限公司厦门分公司'],
      ['某某有限责任公司中山路分店', '某某有限公司中山路分店', '某某有限公司中山路分店'],
      ['某某证券股份公司厦门思明营业部', '某某证券股份有限公司厦门思明营业部', '某某证券股份有限公司厦门思明营业部'],
      ['某某有限责任公司驻京办事处', '某某有限公司驻京办事处', '某某有限公司驻京办事处'],
      ['某某会计师事务所有限责任公司厦门分所', '某某会计师事务所有限公司厦门分所', '某某会计师事务所有限公司厦门分所'],
      ['某某银行股份公司厦门湖里支行', '某某银行股份有限公司厦门湖里支行', '某某银行股份有限公司厦门湖里支行'],
      ['某某有限责任公司分公司', '某某有限公司分公司', '某某有限公司分公司'], // the designation alone
      ['某某有限责任公司福建分公司厦门营业部', '某某有限公司福建分公司厦门营业部', '某某有限公司福建分公司厦门营业部'], // a branch's branch
      ['某某有限责任公司 厦门 分公司', '某某有限公司厦门分公司', '某某有限公司厦门分公司'], // whitespace goes first
      ['某某有限责任公司厦门分公司（筹）', '某某有限公司厦门分公司(筹)', '某某有限公司厦门分公司(筹)'], // then trailing brackets
      ['某某有限责任公司厦门分公司【一】(筹)', '某某有限公司厦门分公司[一](筹)', '某某有限公司厦门分公司[一](筹)'],
    ];
    for (const [a, b, key] of pairs) {
      expect(orgNameKey(a), a).toBe(key);
      expect(orgNameKey(b), b).toBe(key);
    }
  });

  it('keeps a suffix word that does not end the company name', () => {
    expect(orgNameKey('某某有限责任公司工会委员会')).toBe('某某有限责任公司工会委员会');
    expect(orgNameKey('某某股份公司职工食堂')).toBe('某某股份公司职工食堂');
    expect(orgNameKey('某某有限公司厦门有限责任公司')).toBe('某某有限公司厦门有限公司'); // only the last one
    expect(orgNameKey('某某有限责任公司(筹)办事处')).toBe('某某有限责任公司(筹)办事处'); // brackets not trailing
    expect(orgNameKey('某某有限责任公司厦门分公司工会')).toBe('某某有限责任公司厦门分公司工会'); // the designation does not end the name
    expect(orgNameKey('某某有限责任公司厦门分行')).toBe('某某有限责任公司厦门分行'); // 分行 is not a listed designation
    expect(orgNameKey('某某有限责任公司第2分公司')).toBe('某某有限责任公司第2分公司'); // Han text only
    expect(orgNameKey('某某有限责任公司司法鉴定所')).toBe('某某有限责任公司司法鉴定所');
  });

  it('rewrites only the last suffix when the text before a designation holds another one (so the key is idempotent)', () => {
    // …B有限责任公司 is the company the branch belongs to: its suffix is unified, A's is kept
    expect(orgNameKey('A有限责任公司B有限责任公司分公司')).toBe('A有限责任公司B有限公司分公司');
    expect(orgNameKey('A有限公司B有限责任公司厦门分公司')).toBe('A有限公司B有限公司厦门分公司');
    expect(orgNameKey('某某有限责任公司公司分公司')).toBe('某某有限责任公司公司分公司'); // a 公司 other than 分公司's
    expect(orgNameKey('某某有限责任公司办公分公司')).toBe('某某有限公司办公分公司'); // 公 alone is fine
    for (const name of ['A有限责任公司B有限责任公司分公司', '某某有限责任公司福建分公司厦门营业部', '某某股份公司股份公司支行']) {
      expect(orgNameKey(orgNameKey(name)!), name).toBe(orgNameKey(name));
    }
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

  it('property: a name with 有限责任公司 and with 有限公司 before the same branch designation get one key', () => {
    const han = fc.string({ unit: fc.constantFrom(...'福建厦门思明湖里中山路第一二某某科技公司分司'), maxLength: 6 });
    fc.assert(
      fc.property(han, han, fc.constantFrom('分公司', '分店', '营业部', '办事处', '分所', '支行'), fc.constantFrom('', '(筹)', '（厦门）'), (name, place, word, brackets) => {
        const [long, short] = [`${name}有限责任公司${place}${word}${brackets}`, `${name}有限公司${place}${word}${brackets}`];
        if (/公司/.test(place.replaceAll('分公司', ''))) return; // the place holds a 公司 of its own: see above
        expect(orgNameKey(long)).toBe(orgNameKey(short));
        const [stock, jointStock] = [`${name}股份公司${place}${word}${brackets}`, `${name}股份有限公司${place}${word}${brackets}`];
        expect(orgNameKey(stock)).toBe(orgNameKey(jointStock));
      }),
      { numRuns: 1000, seed: SEED },
    );
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
