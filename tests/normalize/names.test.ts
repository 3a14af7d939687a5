import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePersonName, personNameKey } from '../../src/normalize/index.ts';
import { PADDING, writtenPersonName } from './arbitraries.ts';

const SEED = 20240302;

describe('normalizePersonName', () => {
  // [input, stored form, key]
  const cases: [string, string, string][] = [
    ['陈明', '陈明', '陈明'],
    ['  陈明\u3000', '陈明', '陈明'],
    ['\u00a0陈明\ufeff', '陈明', '陈明'],
    ['陈 明', '陈明', '陈明'],
    ['陈\u3000明', '陈明', '陈明'],
    ['陈 明 华', '陈明华', '陈明华'],
    ['陈  明   华  强', '陈明华强', '陈明华强'],
    ['买买提·艾力', '买买提·艾力', '买买提艾力'],
    ['买买提•艾力', '买买提·艾力', '买买提艾力'], // U+2022 bullet
    ['买买提・艾力', '买买提·艾力', '买买提艾力'], // U+30FB katakana middle dot
    ['买买提･艾力', '买买提·艾力', '买买提艾力'], // U+FF65 half-width katakana middle dot
    ['买买提‧艾力', '买买提·艾力', '买买提艾力'], // U+2027 hyphenation point
    ['买买提∙艾力', '买买提·艾力', '买买提艾力'], // U+2219 bullet operator
    ['买买提⋅艾力', '买买提·艾力', '买买提艾力'], // U+22C5 dot operator
    ['买买提\u0387艾力', '买买提·艾力', '买买提艾力'], // U+0387 Greek ano teleia
    ['买买提᛫艾力', '买买提·艾力', '买买提艾力'], // U+16EB runic single punctuation
    ['买买提.艾力', '买买提·艾力', '买买提艾力'], // full stop between two Han characters
    ['买买提．艾力', '买买提·艾力', '买买提艾力'], // U+FF0E full-width full stop
    ['买买提。艾力', '买买提·艾力', '买买提艾力'], // U+3002 ideographic full stop
    ['买买提 . 艾力', '买买提·艾力', '买买提艾力'],
    ['买买提 · 艾力', '买买提·艾力', '买买提艾力'],
    ['买买提\u3000·\u3000艾力', '买买提·艾力', '买买提艾力'],
    ['阿依古丽.买买提.艾力', '阿依古丽·买买提·艾力', '阿依古丽买买提艾力'],
    ['爱新觉罗.溥.仪', '爱新觉罗·溥·仪', '爱新觉罗溥仪'],
    // a hyphen or dash between two Han characters: the interpunct of systems that cannot store U+00B7
    ['买买提-艾力', '买买提·艾力', '买买提艾力'], // U+002D hyphen-minus
    ['买买提\u2010艾力', '买买提·艾力', '买买提艾力'], // U+2010 hyphen
    ['买买提\u2011艾力', '买买提·艾力', '买买提艾力'], // U+2011 non-breaking hyphen
    ['买买提–艾力', '买买提·艾力', '买买提艾力'], // U+2013 en dash
    ['买买提—艾力', '买买提·艾力', '买买提艾力'], // U+2014 em dash
    ['买买提－艾力', '买买提·艾力', '买买提艾力'], // U+FF0D full-width hyphen-minus
    ['买买提 — 艾力', '买买提·艾力', '买买提艾力'],
    ['买买提\u3000-\u3000艾力', '买买提·艾力', '买买提艾力'],
    ['阿依古丽-买买提-艾力', '阿依古丽·买买提·艾力', '阿依古丽买买提艾力'],
    ['阿依古丽-买买提.艾力', '阿依古丽·买买提·艾力', '阿依古丽买买提艾力'],
    ['Jean-Pierre', 'Jean-Pierre', 'JEAN-PIERRE'], // a hyphen between Latin letters stays
    ['Jean - Pierre', 'Jean - Pierre', 'JEAN-PIERRE'],
    ['陈-John', '陈-John', '陈-JOHN'], // not between two Han characters
    ['陈-', '陈-', '陈-'],
    ['买买提——艾力', '买买提——艾力', '买买提——艾力'], // two dashes: not one interpunct
    ['买买提\u2012艾力', '买买提\u2012艾力', '买买提\u2012艾力'], // U+2012 figure dash is not in the list
    ['A.B', 'A.B', 'A.B'], // a full stop between Latin letters stays
    ['J. Smith', 'J. Smith', 'J.SMITH'],
    ['陈.', '陈.', '陈.'], // not between two Han characters
    ['John Smith', 'John Smith', 'JOHNSMITH'],
    ['John   Smith', 'John Smith', 'JOHNSMITH'],
    ['  john\tsmith ', 'john smith', 'JOHNSMITH'],
    ['ZHANG San', 'ZHANG San', 'ZHANGSAN'],
    ['Ｊｏｈｎ Smith', 'Ｊｏｈｎ Smith', 'JOHNSMITH'], // the stored form keeps full width; the key folds it
    ['陈 John', '陈 John', '陈JOHN'], // only Han–Han gaps are removed
    ['John 陈', 'John 陈', 'JOHN陈'],
    ['陈\u200b明', '陈明', '陈明'], // zero-width space counts as whitespace
    ['陳明', '陳明', '陳明'], // traditional characters are not simplified
    ['𠀀 明', '𠀀明', '𠀀明'], // Extension B (astral) is Han too
    ['·', '·', ''],
  ];
  for (const [input, stored, key] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(stored)}, key ${JSON.stringify(key)}`, () => {
      expect(normalizePersonName(input)).toBe(stored);
      expect(personNameKey(input)).toBe(key === '' ? null : key);
    });
  }

  it('is null for empty and whitespace-only names', () => {
    for (const input of ['', ' ', '\u3000', '\u00a0\t\n', '\u200b']) {
      expect(normalizePersonName(input), JSON.stringify(input)).toBeNull();
      expect(personNameKey(input), JSON.stringify(input)).toBeNull();
    }
  });

  it('does not unify traditional and simplified characters (a conflict for stewards)', () => {
    expect(personNameKey('陳明')).not.toBe(personNameKey('陈明'));
  });

  it('property: padding never changes the result (the SQL trims last, the rule reads as trimming first)', () => {
    fc.assert(
      fc.property(writtenPersonName, fc.constantFrom(...PADDING), fc.constantFrom(...PADDING), (text, before, after) => {
        expect(normalizePersonName(`${before}${text}${after}`)).toBe(normalizePersonName(text));
      }),
      { numRuns: 1000, seed: SEED },
    );
  });

  it('property: idempotent; no leading, trailing, doubled or Han-adjacent whitespace; only U+00B7 as interpunct, no substitute between Han', () => {
    fc.assert(
      fc.property(writtenPersonName, (text) => {
        const name = normalizePersonName(text);
        if (name === null) return;
        expect(normalizePersonName(name)).toBe(name);
        expect(name).not.toMatch(/^\s|\s$|\s\s|[•・･‧∙⋅\u0387᛫]|\s·|·\s|[\u4e00-\u9fff]\s[\u4e00-\u9fff]/u);
        expect(name).not.toMatch(/[\u4e00-\u9fff][-\u2010\u2011\u2013\u2014\uff0d.．。][\u4e00-\u9fff]/u);
        expect(personNameKey(name)).toBe(personNameKey(text));
      }),
      { numRuns: 2000, seed: SEED },
    );
  });
});
