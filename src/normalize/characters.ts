/**
 * Character classes, tables and rewrites shared by the normalisers, each written once and
 * rendered two ways: as JavaScript (the authority) and as DuckDB SQL (RE2 regular expressions,
 * `translate`), so the JS rules and the SQL macros cannot drift apart silently.
 *
 * Patterns are written in the common subset of ECMAScript (`u` flag) and RE2 syntax: no `\s`,
 * `\p{…}`, `.`, lookaround or back references (RE2 has none, or they differ); code points
 * written as `\u{…}` escapes, which {@link re2} rewrites to RE2's `\x{…}` (printable characters
 * such as 年 may also be written as themselves).
 */

type Ranges = readonly (readonly [number, number])[];

/**
 * Whitespace for every normaliser: what ECMAScript's `\s` matches (ECMA-262 WhiteSpace and
 * LineTerminator: tab, LF, VT, FF, CR, space, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000 ideographic space, U+FEFF), plus the zero-width space, non-joiner and
 * joiner (U+200B–U+200D) and word joiner (U+2060): the set `identifiers/normalize-input.ts`
 * trims. Listed explicitly because RE2's `\s` is ASCII only.
 */
const WHITESPACE_RANGES: Ranges = [
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200d], [0x2028, 0x2029],
  [0x202f, 0x202f], [0x205f, 0x205f], [0x2060, 0x2060], [0x3000, 0x3000], [0xfeff, 0xfeff],
];

/**
 * Han (CJK ideograph) characters: 々 U+3005, 〇 U+3007, CJK Unified Ideographs Extension A
 * (U+3400–U+4DBF) and the URO (U+4E00–U+9FFF), CJK Compatibility Ideographs (U+F900–U+FAFF), and
 * the whole Supplementary and Tertiary Ideographic Planes (U+20000–U+3FFFF: extensions B–I and
 * the compatibility supplement). Fixed ranges rather than `\p{Script=Han}`, whose extent depends
 * on the Unicode version of each engine (V8's ICU, DuckDB's RE2).
 */
const HAN_RANGES: Ranges = [
  [0x3005, 0x3005], [0x3007, 0x3007], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xf900, 0xfaff], [0x20000, 0x3ffff],
];

const escape = (codePoint: number): string => `\\u{${codePoint.toString(16).toUpperCase()}}`;
const classOf = (ranges: Ranges): string =>
  `[${ranges.map(([from, to]) => (from === to ? escape(from) : `${escape(from)}-${escape(to)}`)).join('')}]`;
const codePointsOf = (text: string): Ranges => [...text].map((ch) => [ch.codePointAt(0)!, ch.codePointAt(0)!] as const);

/** Pattern source of one whitespace character (see {@link WHITESPACE_RANGES}). */
export const WS = classOf(WHITESPACE_RANGES);
/** Pattern source of one Han character (see {@link HAN_RANGES}). */
export const HAN = classOf(HAN_RANGES);
/** `ranges` less the code point `cp`. */
const without = (ranges: Ranges, cp: number): Ranges =>
  ranges.flatMap(([from, to]): Ranges => {
    if (cp < from || cp > to) return [[from, to]];
    const parts: Ranges = [[from, cp - 1], [cp + 1, to]];
    return parts.filter(([f, t]) => f <= t);
  });
/** Pattern source of one Han character (see {@link HAN_RANGES}) other than the characters of `chars`. */
export const HAN_EXCEPT = (chars: string): string =>
  classOf(codePointsOf(chars).reduce((ranges, [cp]) => without(ranges, cp), HAN_RANGES));
/** Pattern source of one of the characters of `chars`. */
export const anyOf = (chars: string): string => classOf(codePointsOf(chars));

/** A pattern source as a JS RegExp, with the `u` flag (code points, as RE2 reads UTF-8) and `flags`. */
export const jsRegExp = (pattern: string, flags = ''): RegExp => new RegExp(pattern, `u${flags}`);
/** A pattern source in RE2 syntax: `\u{…}` → `\x{…}`. */
export const re2 = (pattern: string): string => pattern.replaceAll('\\u{', '\\x{');

// ---- character tables ----------------------------------------------------------------------

/**
 * A character-for-character table, applied like SQL `translate(v, from, to)`: each character of
 * `from` becomes the character at the same position of `to`; every other character is kept.
 */
export interface CharacterTable {
  from: string;
  to: string;
  map: ReadonlyMap<string, string>;
}

/** Builds a {@link CharacterTable} from `[from, to]` pairs of single code points. */
export function characterTable(pairs: Iterable<readonly [string, string]>): CharacterTable {
  const map = new Map(pairs);
  return { from: [...map.keys()].join(''), to: [...map.values()].join(''), map };
}

/** `text` with each character of `table.from` replaced; the JS twin of {@link sqlTranslate}. */
export function translate(text: string, table: CharacterTable): string {
  let out = '';
  for (const ch of text) out += table.map.get(ch) ?? ch;
  return out;
}

/** Full-width ASCII U+FF01–U+FF5E (！…～, incl. ０-９, Ａ-Ｚ, ａ-ｚ, （）［］) → U+0021–U+007E. */
export const FULLWIDTH_ASCII_PAIRS: readonly (readonly [string, string])[] = Array.from({ length: 0x5e }, (_, i) => [
  String.fromCodePoint(0xff01 + i),
  String.fromCodePoint(0x21 + i),
]);
export const FULLWIDTH_ASCII: CharacterTable = characterTable(FULLWIDTH_ASCII_PAIRS);

const ASCII_UPPER_PAIRS = Array.from({ length: 26 }, (_, i) => [String.fromCodePoint(0x61 + i), String.fromCodePoint(0x41 + i)] as const);
/**
 * {@link FULLWIDTH_ASCII} with Latin letters upper-cased: ａ-ｚ and a-z → A-Z, Ａ-Ｚ → A-Z. Only
 * ASCII letters change case (not é, ß …), so the result cannot depend on either engine's
 * Unicode case tables.
 */
export const FULLWIDTH_ASCII_UPPER_PAIRS: readonly (readonly [string, string])[] = [
  ...FULLWIDTH_ASCII_PAIRS.map(([from, to]) => [from, to.toUpperCase()] as const),
  ...ASCII_UPPER_PAIRS,
];

// ---- rewrites ------------------------------------------------------------------------------

/**
 * One global regular-expression rewrite: every leftmost non-overlapping match of `pattern` is
 * replaced by `replacement`, in which `$1`… are capture groups (JS syntax; `\1`… in SQL).
 */
export interface Rewrite {
  pattern: string;
  replacement: string;
}

/**
 * The JS twin of {@link sqlRewrites}: a function applying `rewrites` in order, each with
 * `String.prototype.replace` and the `gu` flags (patterns compiled once, here).
 */
export function rewriter(rewrites: readonly Rewrite[]): (text: string) => string {
  const compiled = rewrites.map(({ pattern, replacement }) => [jsRegExp(pattern, 'g'), replacement] as const);
  return (text) => compiled.reduce((value, [pattern, replacement]) => value.replace(pattern, replacement), text);
}

/** Leading and trailing U+0020 (the JS twin of DuckDB's one-argument `trim`, which removes spaces only). */
const EDGE_SPACES = / +$|^ +/g;
export const trimSpaces = (text: string): string => text.replace(EDGE_SPACES, '');

// ---- SQL rendering -------------------------------------------------------------------------

/** Characters written as `chr(n)` in SQL text rather than literally: controls and invisible spaces (not U+0020). */
const INVISIBLE = jsRegExp(`(?! )${WS}|[\\u{0}-\\u{1F}\\u{7F}]`);

/**
 * A SQL string expression for `text`: a quoted literal (quotes doubled, backslashes literal as in
 * DuckDB's standard strings), with invisible characters spliced in as `chr(n)` so the generated
 * SQL stays readable; DuckDB folds the concatenation to a constant.
 */
export function sqlString(text: string): string {
  const parts: string[] = [];
  let literal = '';
  for (const ch of text) {
    if (INVISIBLE.test(ch)) {
      if (literal !== '') parts.push(`'${literal}'`);
      literal = '';
      parts.push(`chr(${ch.codePointAt(0)})`);
    } else {
      literal += ch === "'" ? "''" : ch;
    }
  }
  if (literal !== '' || parts.length === 0) parts.push(`'${literal}'`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(' || ')})`;
}

/** A SQL string literal of a pattern source, in RE2 syntax. */
export const sqlPattern = (pattern: string): string => sqlString(re2(pattern));

/**
 * SQL: `body` with the value of `expr` bound to `name`, evaluated once per row (a one-element
 * `list_transform`; a macro or a repeated subexpression would be evaluated at every use).
 * Costs ~40 ms per 10^6 rows.
 */
export const sqlLet = (name: string, expr: string, body: string): string => `list_transform([${expr}], lambda ${name}: ${body})[1]`;

/**
 * SQL: `expr` through a {@link CharacterTable}; twin of {@link translate}. DuckDB's `translate`
 * costs ~35 ns per table character per row (0.9 s per 10^6 rows for 26 characters), so it runs
 * only on values holding a character of the table, and a pure-ASCII value goes through `upper`
 * when the table's ASCII part is exactly a-z → A-Z (on ASCII, `upper` changes a-z alone).
 */
export function sqlTranslate(expr: string, table: CharacterTable): string {
  const ascii = [...table.map].filter(([from]) => from < '\u0080');
  const asciiIsUpper = ascii.length === 26 && ASCII_UPPER_PAIRS.every(([from, to]) => table.map.get(from) === to);
  const upperBranch = asciiIsUpper ? `WHEN NOT regexp_matches(oc_s, '[^\\x{0}-\\x{7F}]') THEN upper(oc_s) ` : '';
  return sqlLet(
    'oc_s',
    expr,
    `CASE WHEN NOT regexp_matches(oc_s, ${sqlPattern(anyOf(table.from))}) THEN oc_s ${upperBranch}` +
      `ELSE translate(oc_s, ${sqlString(table.from)}, ${sqlString(table.to)}) END`,
  );
}

/** SQL: `expr` through `rewrites` in order, as nested `regexp_replace(…, 'g')`; twin of {@link rewriter}. */
export function sqlRewrites(expr: string, rewrites: readonly Rewrite[]): string {
  return rewrites.reduce(
    (inner, { pattern, replacement }) =>
      `regexp_replace(${inner}, ${sqlPattern(pattern)}, ${sqlString(replacement.replace(/\$(\d)/g, '\\$1'))}, 'g')`,
    expr,
  );
}
