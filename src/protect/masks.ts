/**
 * Masking of personal values for people who may see that a value exists and roughly what it is,
 * but not the value (issue 10: an analyst's view, a feed with `mask` policy). Each pattern keeps
 * what is useful and not identifying on its own, as the issue documents them:
 * - resident identity number (GB 11643-1999): the 6-digit region code (§5.1) and the check
 *   character (§5.4) stay, the birth date and sequence code are masked: `350102***********X`;
 * - a person's name: the surname stays (a compound surname of {@link COMPOUND_SURNAMES} whole),
 *   every other character is masked: `陈*`, `欧阳**`;
 * - a telephone number: the first 3 and the last 4 digits stay: `138****5678`;
 * - an address: the first 6 characters stay (about province and city), the rest is masked;
 * - a birth date: the year stays: `1985-**-**`.
 * A value too short for its pattern is masked whole. The mask character is `*` (U+002A), one per
 * character masked, so the length stays visible. GB/T 35273-2020 §6.2 (de-identification of
 * displays) is the reference for "mask what is shown"; it prescribes no pattern.
 */

/** The character that replaces each masked character. */
export const MASK = '*';

/** Two-character surnames (复姓) kept whole when a name is masked: the common ones of the Hundred Family Surnames. */
export const COMPOUND_SURNAMES: readonly string[] = [
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '令狐',
  '独孤', '轩辕', '端木', '百里', '呼延', '南宫', '西门', '澹台', '公冶', '宗政', '濮阳', '单于', '太叔', '申屠',
  '钟离', '闻人', '赫连', '淳于', '第五', '万俟', '司空', '仲孙', '东郭', '南门', '羊舌', '微生', '公羊', '梁丘',
  '左丘', '东门', '拓跋', '鲜于', '闾丘', '亓官', '司寇', '巫马', '乐正', '壤驷', '公良', '漆雕', '谷梁', '段干',
];

const masked = (n: number): string => MASK.repeat(Math.max(0, n));

/** Characters of a string (code points, so a character outside the BMP counts once). */
const chars = (s: string): string[] => [...s];

/** An 18-character resident identity number with its region code and check character kept; anything else masked whole. */
export function maskIdNumber(value: string): string {
  const c = chars(value);
  if (c.length !== 18) return masked(c.length);
  return c.slice(0, 6).join('') + masked(11) + c[17];
}

/** A name with its surname kept (a compound surname whole); a name of one character masked whole. */
export function maskPersonName(value: string): string {
  const c = chars(value.trim());
  if (c.length <= 1) return masked(c.length);
  const surname = c.length > 2 && COMPOUND_SURNAMES.includes(c.slice(0, 2).join('')) ? 2 : 1;
  return c.slice(0, surname).join('') + masked(c.length - surname);
}

/** A telephone number with its first 3 and last 4 digits kept (other characters kept as written); fewer than 8 digits masked whole. */
export function maskPhone(value: string): string {
  const c = chars(value);
  const digitAt = c.flatMap((ch, i) => (/\d/.test(ch) ? [i] : []));
  if (digitAt.length < 8) return masked(c.length);
  const keep = new Set([...digitAt.slice(0, 3), ...digitAt.slice(-4)]);
  return c.map((ch, i) => (!/\d/.test(ch) || keep.has(i) ? ch : MASK)).join('');
}

/** An address with its first 6 characters kept; 6 or fewer masked whole. */
export function maskAddress(value: string): string {
  const c = chars(value);
  if (c.length <= 6) return masked(c.length);
  return c.slice(0, 6).join('') + masked(c.length - 6);
}

/** A date `YYYY-MM-DD` with its year kept; anything else masked whole. */
export function maskBirthDate(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value.slice(0, 4)}-**-**` : masked(chars(value).length);
}
