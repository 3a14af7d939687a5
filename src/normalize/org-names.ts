/**
 * Organisation names: the stored form ({@link normalizeOrgName}, the registered name kept as
 * written) and the comparison key ({@link orgNameKey}). `sql.ts` renders the same steps as the
 * DuckDB macros `oc_org_name` and `oc_org_name_key`.
 */
import {
  characterTable,
  FULLWIDTH_ASCII_UPPER_PAIRS,
  HAN_EXCEPT,
  rewriter,
  translate,
  trimSpaces,
  WS,
  type Rewrite,
} from './characters.ts';

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

/** Zero or more trailing bracketed parts, such as `(厦门分公司)` or `[筹]`. */
const TRAILING_BRACKETS = '(?:\\([^()]*\\)|\\[[^\\[\\]]*\\])*';

/**
 * The words that end the name of a branch registered under its company's name: 分公司 (branch
 * company), 分店 (branch shop), 营业部 (business department), 办事处 (office), 分所 (branch of a
 * law or accounting firm), 支行 (bank sub-branch). The Regulations on the Administration of
 * Enterprise Name Registration (企业名称登记管理规定, 1991 text, art. 14(2)) have a branch that
 * bears no civil liability of its own take its company's name followed by 分公司, 分厂, 分店 or
 * the like and its place; the other words are those the review found in government data
 * (分厂 was not among them and is not read).
 */
export const BRANCH_WORDS = ['分公司', '分店', '营业部', '办事处', '分所', '支行'] as const;

/**
 * A branch designation right after the company's name: Han characters only (a place, a number
 * in words …; not digits or Latin letters) ending in one of {@link BRANCH_WORDS}: `厦门分公司`,
 * `思明营业部`, `分公司`, `福建分公司厦门营业部`. The text holds 公司 only within 分公司, so it
 * never holds a statutory suffix (…任公司, …份公司, …限公司): the suffix before it is the last
 * one of the name, the company's own, and rewriting it cannot make an earlier one match (the
 * key stays idempotent; `A有限责任公司B有限责任公司分公司` → `A有限责任公司B有限公司分公司`).
 * Written without lookaround (RE2 has none): units of 公* followed by 分公司 or by a Han
 * character other than 公 and 司, or a 司 on its own; then 公* before the branch word.
 */
const BRANCH = `(?:(?:公*(?:分公司|${HAN_EXCEPT('公司')})|司)*公*(?:${BRANCH_WORDS.join('|')}))`;

/**
 * What may follow a statutory suffix for it to be unified, captured as `$1` and kept: an
 * optional {@link BRANCH}, then the trailing bracketed parts, then the end of the name.
 */
const SUFFIX_TAIL = `(${BRANCH}?${TRAILING_BRACKETS})$`;

/**
 * The key's rewrites, after its character table: all whitespace removed, then the statutory
 * suffix variants unified (Company Law of the PRC, 2023 revision, art. 7: a limited liability
 * company's name contains 有限责任公司 or 有限公司, a joint stock company's 股份有限公司 or
 * 股份公司): 有限责任公司 → 有限公司 and 股份公司 → 股份有限公司, only where the suffix ends the
 * company's name: at the end of the name, before its trailing bracketed parts, or before a
 * branch designation at the end ({@link SUFFIX_TAIL}): `某某有限责任公司厦门分公司` →
 * `某某有限公司厦门分公司`, `某某股份公司思明营业部(筹)` → `某某股份有限公司思明营业部(筹)`.
 * A suffix word anywhere else is kept (`某某有限责任公司工会委员会`). The two rules never feed
 * each other, and each rewrites at most the last suffix of the name.
 */
export const ORG_NAME_KEY_REWRITES: readonly Rewrite[] = [
  { pattern: `有限责任公司${SUFFIX_TAIL}`, replacement: '有限公司$1' },
  { pattern: `股份公司${SUFFIX_TAIL}`, replacement: '股份有限公司$1' },
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
 * unified where they end the company's name ({@link ORG_NAME_KEY_REWRITES}):
 * `福建某某科技有限责任公司（厦门分公司）` and `福建某某科技 有限公司(厦门分公司)` both give
 * `福建某某科技有限公司(厦门分公司)`; `某某有限责任公司厦门分公司` and `某某有限公司厦门分公司`
 * both give `某某有限公司厦门分公司`. A suffix word inside the name is kept
 * (`某某有限责任公司工会委员会` is unchanged). Null when nothing is left. SQL twin:
 * `oc_org_name_key(v)`.
 */
export function orgNameKey(text: string): string | null {
  const key = unifySuffixes(translate(removeWhitespace(text), ORG_NAME_KEY_TABLE));
  return key === '' ? null : key;
}
