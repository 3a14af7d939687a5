/**
 * fast-check generators of the values sources write for dates and names, and of the ways they
 * go wrong, shared by the property tests and the SQL differential test.
 */
import fc from 'fast-check';

const DAY_MS = 86_400_000;
const pad2 = (n: number): string => String(n).padStart(2, '0');
const FULLWIDTH_OFFSET = 0xfee0;

/** `text` with every ASCII character U+0021–U+007E in full width (U+FF01–U+FF5E). */
export const toFullWidth = (text: string): string =>
  text.replace(/[\u0021-\u007e]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + FULLWIDTH_OFFSET));

/** Whitespace a source may pad a value with. */
export const PADDING = [' ', '  ', '\t', '\u3000', '\u00a0', '\n', '\u200b', '\ufeff'];

/** A real calendar date (UTC day) between two `YYYY-MM-DD` dates, inclusive, as `[year, month, day]`. */
export function calendarDate(from = '1000-01-01', to = '9999-12-31'): fc.Arbitrary<[number, number, number]> {
  return fc.integer({ min: Date.parse(from) / DAY_MS, max: Date.parse(to) / DAY_MS }).map((day) => {
    const date = new Date(day * DAY_MS);
    return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  });
}

/** A year, month and day each drawn from a range that includes impossible values (month 0, 13, day 31 of April …). */
export const looseDate: fc.Arbitrary<[number, number, number]> = fc.tuple(
  fc.oneof(fc.integer({ min: 1890, max: 2100 }), fc.integer({ min: 0, max: 10_999 })),
  fc.integer({ min: 0, max: 13 }),
  fc.integer({ min: 0, max: 32 }),
);

/** The ways a date is written: `[year, month, day]` → text. */
export const DATE_WRITERS: readonly ((d: [number, number, number]) => string)[] = [
  ([y, m, d]) => `${y}-${pad2(m)}-${pad2(d)}`,
  ([y, m, d]) => `${y}-${m}-${d}`,
  ([y, m, d]) => `${y}/${m}/${d}`,
  ([y, m, d]) => `${y}/${pad2(m)}/${pad2(d)}`,
  ([y, m, d]) => `${y}.${m}.${d}`,
  ([y, m, d]) => `${y}${pad2(m)}${pad2(d)}`,
  ([y, m, d]) => `${y}年${m}月${d}日`,
  ([y, m, d]) => `${y}年${pad2(m)}月${pad2(d)}日`,
];

/** A zone designator as written: UTC, real offsets, the extremes the grammar allows, and ones it rejects. */
export const zone: fc.Arbitrary<string> = fc.constantFrom(
  'Z', '+08:00', '-05:00', '+0800', '+08', '+05:30', '+09:00', '-0930', '+14:00', '-12:00', '+23:59', '-23:59', '+00:00', '-00',
  '+24:00', 'z', '+8:00', '+08:60',
);

/** A time of day as written, from a range that includes impossible values (24:00, :60). */
export const timeOfDay: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 0, max: 24 }),
    fc.integer({ min: 0, max: 60 }),
    fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    fc.constantFrom('', '.1', '.123', '.123456789'),
    fc.oneof(fc.constantFrom('', ''), zone),
    fc.constantFrom(' ', 'T', '  ', '\u3000', 't', ''),
    fc.boolean(),
  )
  .map(([h, m, s, fraction, z, separator, padHour]) =>
    `${separator}${padHour ? pad2(h) : h}:${pad2(m)}${s === undefined ? '' : `:${pad2(s)}${fraction}`}${s === undefined ? '' : z}`,
  );

/** A date in one of the accepted forms, sometimes with a time, sometimes padded or in full width. */
export const writtenDate: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof({ weight: 3, arbitrary: calendarDate('1000-01-01', '9999-12-31') }, { weight: 1, arbitrary: looseDate }),
    fc.constantFrom(...DATE_WRITERS),
    fc.option(timeOfDay, { nil: '' }),
    fc.constantFrom('', '', '', ...PADDING),
    fc.constantFrom('', '', '', ...PADDING),
    fc.integer({ min: 0, max: 9 }),
  )
  .map(([date, write, time, before, after, fullWidth]) => {
    const text = `${write(date)}${time}`;
    return `${before}${fullWidth === 0 ? toFullWidth(text) : text}${after}`;
  });

/**
 * A date with a time in the compact (`YYYYMMDDHHMM[SS]`) or Chinese (`Y年M月D日 H时M分[S秒]`)
 * form, times from ranges that include impossible values (25 h, 60 min), sometimes after the
 * wrong date form or with a digit too many or too few.
 */
export const compactOrChineseDateTime: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof({ weight: 3, arbitrary: calendarDate('1000-01-01', '9999-12-31') }, { weight: 1, arbitrary: looseDate }),
    fc.integer({ min: 0, max: 25 }),
    fc.integer({ min: 0, max: 60 }),
    fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    fc.integer({ min: 0, max: 9 }),
    fc.boolean(),
    fc.constantFrom('', '', ' ', '\u3000', '  '),
    fc.constantFrom('时', '时', '点', ':'),
  )
  .map(([[y, mo, d], h, m, s, form, pad, space, hourMark]) => {
    const p = (n: number): string => (pad ? pad2(n) : String(n));
    const compact = `${y}${pad2(mo)}${pad2(d)}`;
    const han = `${y}年${p(mo)}月${p(d)}日`;
    const hanTime = `${space}${p(h)}${hourMark}${p(m)}分${s === undefined ? '' : `${p(s)}秒`}`;
    const compactTime = `${pad2(h)}${pad2(m)}${s === undefined ? '' : pad2(s)}`;
    switch (form) {
      case 0: case 1: case 2: return `${compact}${compactTime}`;
      case 3: case 4: case 5: return `${han}${hanTime}`;
      case 6: return `${y}-${pad2(mo)}-${pad2(d)}${[compactTime, hanTime][h % 2]}`; // time form of another date form
      case 7: return `${compact}${hanTime}`;
      case 8: return `${han}${compactTime}`;
      default: return `${compact}${compactTime}${'0'.repeat(h % 3)}`.slice(0, 8 + (m % 8)); // 8–15 digits
    }
  });

/**
 * A timestamp with a zone designator near the edges a conversion to UTC+8 rolls over: the last
 * and first days of months and years (incl. 28/29 February, 1000-01-01, 9999-12-31), times
 * near midnight.
 */
export const zonedTimestamp: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.tuple(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(1, 28, 29, 30, 31)),
      fc.constantFrom<[number, number, number]>([1000, 1, 1], [9999, 12, 31], [2024, 2, 29], [2023, 2, 28], [1900, 2, 28], [2000, 2, 29], [2024, 12, 31]),
    ),
    fc.constantFrom(0, 1, 7, 8, 15, 16, 20, 23),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 59 }),
    zone,
    fc.constantFrom('T', ' '),
  )
  .map(([[y, mo, d], h, m, s, z, t]) => `${y}-${pad2(mo)}-${pad2(d)}${t}${pad2(h)}:${pad2(m)}:${pad2(s)}${z}`);

/** An Excel serial day number, mostly 5 digits, sometimes 4, 6 or 7, with a fraction of any length. */
export const excelSerial: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 10_000, max: 99_999 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 9_999_999 }) }),
    fc.oneof(
      fc.constant(''),
      fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }).map((f) => (String(f).startsWith('0.') ? String(f).slice(1) : '')),
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 25 }).map((digits) => `.${digits}`),
      fc.constantFrom('.5', '.0', '.00015625', '.99999999', '.999994212962963', '.', '.5.5'),
    ),
  )
  .map(([serial, fraction]) => `${serial}${fraction}`);

/** A value with one character replaced, deleted, inserted or two swapped: the near misses. */
export function nearMiss(value: string): fc.Arbitrary<string> {
  const chars = [...value];
  const alphabet = [...'0123456789-/.: T年月日时点分秒Z+'];
  return fc
    .tuple(fc.integer({ min: 0, max: Math.max(0, chars.length - 1) }), fc.constantFrom(...alphabet), fc.integer({ min: 0, max: 3 }))
    .map(([i, ch, edit]) => {
      const copy = [...chars];
      if (edit === 0) copy[i] = ch;
      else if (edit === 1) copy.splice(i, 1);
      else if (edit === 2) copy.splice(i, 0, ch);
      else if (i + 1 < copy.length) [copy[i], copy[i + 1]] = [copy[i + 1]!, copy[i]!];
      return copy.join('');
    });
}

const HAN_SAMPLE = [...'陈明华买买提艾力阿依古丽张三李四王五赵钱孙周吴郑冯褚卫蒋沈韩杨朱秦尤许何吕施孔曹严陳華𠀀𪚥々〇'];
const NAME_PUNCTUATION = [
  '\u00b7', '\u2022', '\u30fb', '\uff65', '\u2027', '\u2219', '\u22c5', '\u0387', '\u16eb', '.', '\uff0e', '\u3002', '-', "'",
  '\u2010', '\u2011', '\u2013', '\u2014', '\uff0d', '\u2012', '\u2212',
];
const LATIN = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const FULLWIDTH_LATIN = [...'ＡＢＣａｂｃｚＺ'];

/** A person name as sources write it: Han and Latin letters, interpunct variants, full stops, whitespace of every kind. */
export const writtenPersonName: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...HAN_SAMPLE) },
      { weight: 3, arbitrary: fc.constantFrom(...LATIN) },
      { weight: 1, arbitrary: fc.constantFrom(...FULLWIDTH_LATIN) },
      { weight: 2, arbitrary: fc.constantFrom(...NAME_PUNCTUATION) },
      { weight: 3, arbitrary: fc.constantFrom(...PADDING) },
    ),
    { minLength: 0, maxLength: 14 },
  )
  .map((parts) => parts.join(''));

const ORG_WORDS = [
  '福建', '厦门', '某某', '科技', '贸易', 'abc', 'ＡＢＣ', ' ', '\u3000', '有限公司', '有限责任公司', '股份有限公司', '股份公司', '分公司', '工会',
  '分店', '营业部', '办事处', '分所', '支行', '公', '司', '司法', '分', '2',
];
/** Branch designations: Han text ending in a branch word, and near misses. */
const ORG_BRANCHES = ['', '', '厦门分公司', '分公司', '思明营业部', '北京办事处', '上海分所', '湖里支行', '鼓浪屿分店', '福建分公司厦门营业部', '厦门分行', '第2分公司', '公分公司', '司法分所', '公司分公司'];
const ORG_BRACKETS: readonly [string, string][] = [['(', ')'], ['（', '）'], ['[', ']'], ['【', '】'], ['〔', '〕'], ['［', '］'], ['(', ''], ['', ')']];

/**
 * An organisation name: words, statutory suffixes (at the end or not), a branch designation or
 * a near miss, trailing bracketed parts of every width.
 */
export const writtenOrgName: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.constantFrom(...ORG_WORDS), { minLength: 0, maxLength: 6 }),
    fc.constantFrom(...ORG_BRANCHES),
    fc.array(fc.tuple(fc.constantFrom(...ORG_BRACKETS), fc.constantFrom('厦门分公司', '筹', '', ' 北京 ', '有限公司')), { maxLength: 2 }),
    fc.constantFrom('', '', ...PADDING),
  )
  .map(
    ([words, branch, brackets, pad]) =>
      `${pad}${words.join('')}${branch}${brackets.map(([[open, close], inner]) => `${open}${inner}${close}`).join('')}${pad}`,
  );

/** Random text from an alphabet of the characters the rules care about. */
export const junk: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(...'0123456789-/.:T年月日时点分秒Z+ ', '\u2014', '－', ...PADDING, ...NAME_PUNCTUATION, ...HAN_SAMPLE.slice(0, 6), '（', '）', '(', ')', '１', '：', 'a'),
  maxLength: 24,
});
/** Any Unicode text (no lone surrogates, which a DuckDB VARCHAR cannot hold). */
export const anyUnicode: fc.Arbitrary<string> = fc.string({ unit: 'binary', maxLength: 16 });

/**
 * Telephone numbers as systems write them: mobile and fixed-line numbers, with and without a
 * country code, trunk prefix, spaces, hyphens, dots or parentheses, in half- or full-width
 * characters; plus near misses (too short or long, a letter, an extension).
 */
export const writtenPhone: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.tuple(fc.constantFrom('', '+86', '+86 ', '0086', '86', '(+86)'), fc.stringMatching(/^1[3-9]\d{9}$/)).map(([cc, n]) => [cc, n.slice(0, 3), n.slice(3, 7), n.slice(7)]),
      fc.tuple(fc.constantFrom('0', '+86 ', '+86 0', '0086'), fc.constantFrom('10', '21', '591', '592', '755', '371'), fc.stringMatching(/^[2-9]\d{6,7}$/)).map(([p, a, n]) => [p + a, n]),
      fc.stringMatching(/^[1-9]\d{4,7}$/).map((n) => [n]),
      fc.stringMatching(/^\d{3,14}$/).map((n) => [n]),
      fc.tuple(fc.stringMatching(/^0591\d{8}$/), fc.constantFrom('-8001', '转8001', 'x12', 'a')).map(([n, e]) => [n + e]),
    ),
    fc.constantFrom('', ' ', '-', '.', '\u3000'),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([parts, sep, bracketArea, fullWidth]) => {
    const [first, ...rest] = parts;
    const text = [bracketArea && rest.length > 0 ? `(${first})` : first, ...rest].join(sep);
    return fullWidth ? toFullWidth(text) : text;
  });
