/**
 * Person names as sources write them: the stored form ({@link normalizePersonName}) and the
 * comparison key ({@link personNameKey}). `sql.ts` renders the same steps as the DuckDB macros
 * `oc_person_name` and `oc_person_name_key`.
 */
import {
  anyOf,
  characterTable,
  FULLWIDTH_ASCII_UPPER_PAIRS,
  HAN,
  rewriter,
  translate,
  trimSpaces,
  WS,
  type Rewrite,
} from './characters.ts';

/** U+00B7 MIDDLE DOT, the separator of the parts of a transliterated name (GB/T 15834-2011 §4.14 间隔号). */
export const INTERPUNCT = '\u00B7';

/**
 * Characters typed for the interpunct, all read as U+00B7: • U+2022 bullet, ・ U+30FB katakana
 * middle dot, ･ U+FF65 half-width katakana middle dot, ‧ U+2027 hyphenation point, ∙ U+2219
 * bullet operator, ⋅ U+22C5 dot operator, · U+0387 Greek ano teleia, ᛫ U+16EB runic single
 * punctuation.
 */
export const INTERPUNCT_VARIANTS = '\u2022\u30FB\uFF65\u2027\u2219\u22C5\u0387\u16EB';

/**
 * Characters typed for the interpunct between two Han characters by systems that cannot store
 * U+00B7, read as `·` there only: the full stops `.` U+002E, `．` U+FF0E, `。` U+3002, and the
 * hyphens and dashes `-` U+002D, ‐ U+2010, ‑ U+2011 (non-breaking), – U+2013 (en dash), —
 * U+2014 (em dash), － U+FF0D (full-width hyphen-minus). One character: a doubled dash (`——`,
 * the 破折号 of GB/T 15834-2011 §4.9) is not read.
 */
export const INTERPUNCT_SUBSTITUTES = '.\uFF0E\u3002-\u2010\u2011\u2013\u2014\uFF0D';
const SUBSTITUTE = anyOf(INTERPUNCT_SUBSTITUTES);

/**
 * The rewrites of {@link normalizePersonName}, in order. A rule joining two Han characters runs
 * twice: a global replace resumes after the second character of a match, so in `陈 明 华` the
 * first pass joins `陈 明` only; the second pass joins the rest (a gap missed by the first pass
 * is never next to another missed gap). Trimming comes last, when only U+0020 can be left at
 * the edges; the result is that of trimming first, since the rules that can touch whitespace at
 * an edge only remove it (next to an interpunct) or collapse it.
 */
export const PERSON_NAME_REWRITES: readonly Rewrite[] = [
  { pattern: anyOf(INTERPUNCT_VARIANTS), replacement: INTERPUNCT },
  { pattern: `(${HAN})${WS}*${SUBSTITUTE}${WS}*(${HAN})`, replacement: `$1${INTERPUNCT}$2` },
  { pattern: `(${HAN})${WS}*${SUBSTITUTE}${WS}*(${HAN})`, replacement: `$1${INTERPUNCT}$2` },
  { pattern: `${WS}*${INTERPUNCT}${WS}*`, replacement: INTERPUNCT },
  { pattern: `(${HAN})${WS}+(${HAN})`, replacement: '$1$2' },
  { pattern: `(${HAN})${WS}+(${HAN})`, replacement: '$1$2' },
  { pattern: `${WS}+`, replacement: ' ' },
];
/**
 * Names already in stored form, which no rewrite changes (the SQL fast path): Han characters
 * with parts joined by U+00B7, or ASCII letters with words separated by one space.
 */
export const PLAIN_NAME_PATTERN = `${HAN}+(?:${INTERPUNCT}${HAN}+)*|[A-Za-z]+(?: [A-Za-z]+)*`;

/** The comparison key's case and width table: full-width ASCII → ASCII, ASCII letters upper-cased. */
export const PERSON_NAME_KEY_TABLE = characterTable(FULLWIDTH_ASCII_UPPER_PAIRS);
/** Whitespace and interpuncts, removed from the comparison key. */
export const PERSON_NAME_KEY_REWRITES: readonly Rewrite[] = [{ pattern: `(?:${WS}|${INTERPUNCT})+`, replacement: '' }];

const rewritePersonName = rewriter(PERSON_NAME_REWRITES);
const rewritePersonNameKey = rewriter(PERSON_NAME_KEY_REWRITES);

/**
 * A person's name in stored form, or null when it is empty after trimming:
 * 1. trim whitespace (incl. U+3000 ideographic space, U+00A0, zero-width spaces);
 * 2. read every interpunct variant ({@link INTERPUNCT_VARIANTS}) as U+00B7 `·`, and a full stop
 *    or a hyphen or dash ({@link INTERPUNCT_SUBSTITUTES}) between two Han characters
 *    (whitespace around it allowed) too: `阿依古丽.买买提` → `阿依古丽·买买提`, `买买提-艾力`
 *    and `买买提 — 艾力` → `买买提·艾力`; between Latin letters they stay (`Jean-Pierre`,
 *    `J. Smith`);
 * 3. remove whitespace next to an interpunct (`买买提 · 艾力` → `买买提·艾力`) and between two
 *    Han characters (`陈 明` → `陈明`);
 * 4. collapse every other whitespace run to one ASCII space (`John   Smith` → `John Smith`).
 * Nothing else changes: letter case, full-width letters, traditional vs simplified characters
 * (`陳明` ≠ `陈明`, a conflict for stewards). Han = the fixed ranges of `characters.ts`.
 * SQL twin: `oc_person_name(v)`.
 */
export function normalizePersonName(text: string): string | null {
  const name = trimSpaces(rewritePersonName(text));
  return name === '' ? null : name;
}

/**
 * The key two person names are compared by: {@link normalizePersonName}, then full-width ASCII
 * → ASCII, ASCII letters upper-cased, and all whitespace and interpuncts removed, so
 * `买买提·艾力` ≡ `买买提艾力` (systems that cannot store U+00B7 drop it) and `Zhang San` ≡
 * `ZHANGSAN`. Null when nothing is left. Traditional and simplified characters still differ.
 * SQL twin: `oc_person_name_key(v)`.
 */
export function personNameKey(text: string): string | null {
  const name = normalizePersonName(text);
  if (name === null) return null;
  const key = rewritePersonNameKey(translate(name, PERSON_NAME_KEY_TABLE));
  return key === '' ? null : key;
}
