/**
 * Organisation names: the stored form ({@link normalizeOrgName}, the registered name kept as
 * written) and the comparison key ({@link orgNameKey}). `sql.ts` renders the same steps as the
 * DuckDB macros `oc_org_name` and `oc_org_name_key`.
 */
import { characterTable, FULLWIDTH_ASCII_UPPER_PAIRS, rewriter, translate, trimSpaces, WS, type Rewrite } from './characters.ts';

/** Every whitespace run becomes one ASCII space (the stored form; then the edge spaces are trimmed). */
export const ORG_NAME_REWRITES: readonly Rewrite[] = [{ pattern: `${WS}+`, replacement: ' ' }];

/**
 * The comparison key's character table: full-width ASCII U+FF01–U+FF5E → ASCII (so （）［］ →
 * () []), 【】 U+3010/U+3011 and 〔〕 U+3014/U+3015 → [ ], ASCII letters upper-cased.
 */
export const ORG_NAME_KEY_TABLE = characterTable([
  ...FULLWIDTH_ASCII_UPPER_PAIRS,
  ['\u3010', '['], ['\u3011', ']'], ['\u3014', '['], ['\u3015', ']'],
]);

/** Zero or more trailing bracketed parts, such as a branch `(厦门分公司)`, captured as `$1`. */
const TRAILING_BRACKETS = '((?:\\([^()]*\\)|\\[[^\\[\\]]*\\])*)$';

/**
 * The key's rewrites, after its character table: all whitespace removed, then the statutory
 * suffix variants unified (Company Law of the PRC, 2023 revision, art. 7: a limited liability
 * company's name contains 有限责任公司 or 有限公司, a joint stock company's 股份有限公司 or
 * 股份公司): 有限责任公司 → 有限公司 and 股份公司 → 股份有限公司, only at the end of the name or
 * right before its trailing bracketed parts. The two rules never feed each other.
 */
export const ORG_NAME_KEY_REWRITES: readonly Rewrite[] = [
  { pattern: `有限责任公司${TRAILING_BRACKETS}`, replacement: '有限公司$1' },
  { pattern: `股份公司${TRAILING_BRACKETS}`, replacement: '股份有限公司$1' },
];
/** Whitespace, removed from the key before its table and suffix rules. */
export const ORG_NAME_KEY_WHITESPACE: readonly Rewrite[] = [{ pattern: `${WS}+`, replacement: '' }];

const collapseWhitespace = rewriter(ORG_NAME_REWRITES);
const removeWhitespace = rewriter(ORG_NAME_KEY_WHITESPACE);
const unifySuffixes = rewriter(ORG_NAME_KEY_REWRITES);

/**
 * An organisation name in stored form: whitespace trimmed (incl. U+3000, U+00A0) and every inner
 * whitespace run collapsed to one ASCII space; nothing else, the registered name is kept as
 * written. Null when empty after trimming. SQL twin: `oc_org_name(v)`.
 */
export function normalizeOrgName(text: string): string | null {
  const name = trimSpaces(collapseWhitespace(text));
  return name === '' ? null : name;
}

/**
 * The key two organisation names are compared by: all whitespace removed, full-width ASCII →
 * ASCII, 【】〔〕［］ → [], （）→ (), ASCII letters upper-cased, and the statutory suffix variants
 * unified at the end ({@link ORG_NAME_KEY_REWRITES}):
 * `福建某某科技有限责任公司（厦门分公司）` and `福建某某科技 有限公司(厦门分公司)` both give
 * `福建某某科技有限公司(厦门分公司)`. A suffix word inside the name is kept
 * (`某某有限责任公司工会委员会` is unchanged). Null when nothing is left. SQL twin:
 * `oc_org_name_key(v)`.
 */
export function orgNameKey(text: string): string | null {
  const key = unifySuffixes(translate(removeWhitespace(text), ORG_NAME_KEY_TABLE));
  return key === '' ? null : key;
}
