/**
 * Telephone numbers as departmental systems write them (`138 1234 5678`, `+86-138-1234-5678`,
 * `（0591）87654321`, `０５９１－８７６５４３２１`), in one stored form, following China's
 * telecommunication numbering plan (电信网编码计划, MIIT 2017): national significant numbers
 * after the trunk prefix 0 or the country code 86 (ITU-T E.164).
 *
 * - full-width digits and symbols are folded to ASCII; spaces, hyphens, dots, slashes and
 *   parentheses between digits are dropped;
 * - a mobile number, `1[3-9]` and 9 more digits, is stored as its 11 digits, a country code
 *   (`+86`, `0086`, `86`) in front of it removed;
 * - a fixed-line number with its area code is stored as `0AA-NNNNNNNN` or `0AAA-NNNNNNN`: the
 *   area code is 010 or 02X (three digits with the trunk prefix) or 0 and three digits from 3-9
 *   (four), the subscriber number 7 or 8 digits; written internationally (`+86 591 …`, with or
 *   without the 0) it gains its trunk prefix;
 * - a number of 5 to 8 digits not starting with 0 (a local number without area code, or a
 *   service number such as 12345 or 95566) is stored as its digits;
 * - anything else (letters, an extension, too few or too many digits) is unreadable: left out of
 *   the canonical `phone` and flagged `unreadable_phone`; the payload keeps what was written.
 *
 * `sql.ts` renders the same patterns as the DuckDB macro `oc_phone`; a differential test holds
 * the two equal.
 */
import { FULLWIDTH_ASCII, jsRegExp, translate, WS } from './characters.ts';

/** Characters dropped between digits: whitespace, hyphens and dashes, dots, slashes, parentheses (after full-width folding). */
export const PHONE_SEPARATOR = `(?:${WS}|[-./()\\u{2010}-\\u{2015}])+`;
/** A mobile number, with an optional country code: group 1 is the 11 digits kept. */
export const PHONE_MOBILE = `(?:(?:\\+|00)?86)?(1[3-9][0-9]{9})`;
/** A fixed-line number with trunk prefix: group 1 the area code (with its 0), group 2 the subscriber number. */
export const PHONE_FIXED = `(0(?:10|2[0-9]|[3-9][0-9]{2}))([0-9]{7,8})`;
/** A fixed-line number with country code, the trunk prefix optional: group 1 the area code without 0, group 2 the subscriber number. */
export const PHONE_FIXED_INTERNATIONAL = `(?:\\+|00)860?(10|2[0-9]|[3-9][0-9]{2})([0-9]{7,8})`;
/** A local or service number: 5 to 8 digits, not starting with 0. */
export const PHONE_LOCAL = `[1-9][0-9]{4,7}`;

const separator = jsRegExp(PHONE_SEPARATOR, 'g');
const full = (pattern: string): RegExp => jsRegExp(`^(?:${pattern})$`);
const mobile = full(PHONE_MOBILE);
const fixed = full(PHONE_FIXED);
const fixedInternational = full(PHONE_FIXED_INTERNATIONAL);
const local = full(PHONE_LOCAL);

/**
 * The stored form of a telephone number (see the module comment), or null when it is unreadable
 * or blank.
 * @example normalizePhone('+86 138-1234-5678') === '13812345678'
 * @example normalizePhone('（0591）8765 4321') === '0591-87654321'
 */
export function normalizePhone(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const digits = translate(value, FULLWIDTH_ASCII).replace(separator, '');
  let m: RegExpExecArray | null;
  if ((m = mobile.exec(digits))) return m[1]!;
  if ((m = fixed.exec(digits))) return `${m[1]}-${m[2]}`;
  if ((m = fixedInternational.exec(digits))) return `0${m[1]}-${m[2]}`;
  if (local.test(digits)) return digits;
  return null;
}
