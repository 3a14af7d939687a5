/**
 * Facts a source states beside a resident identity number (birth date, sex) checked against
 * the facts the number itself carries (GB 11643-1999 §5.3 birth date, §5.4 sequence code odd
 * for men). A disagreement is a data-quality flag on the record, not a fault of the number.
 */
import { jsRegExp, sqlPattern, sqlString, WS } from '../normalize/characters.ts';
import { normalizeDate } from '../normalize/dates.ts';
import { reason } from './reason-codes.ts';
import type { Classification, Reason } from './types.ts';

/** What a source record states about the person, as the source wrote it. */
export interface StatedFacts {
  /**
   * Any form `normalizeDate` reads (`src/normalize/dates.ts`): `1985-03-17`, `1985/3/17`,
   * `1985.3.17`, `19850317`, `1985年3月17日`, an Excel serial such as `31123`; a time after the
   * date is ignored.
   */
  birthDate?: string;
  /** `男`/`女` (also `男性`/`女性`), `male`/`female`, `M`/`F`, or GB/T 2261.1 `1`/`2`; any case, spaces ignored. */
  sex?: string;
}

const SEXES: ReadonlyMap<string, 'male' | 'female'> = new Map([
  ['男', 'male'], ['男性', 'male'], ['male', 'male'], ['m', 'male'], ['1', 'male'],
  ['女', 'female'], ['女性', 'female'], ['female', 'female'], ['f', 'female'], ['2', 'female'],
]);

/** Whitespace ignored in a stated sex (the normalisation rules' whitespace class). */
const SPACES = jsRegExp(WS, 'g');

/**
 * SQL reading a stated sex (a VARCHAR expression) as `'male'` / `'female'`, NULL when it is in
 * none of the forms of {@link StatedFacts}: the same table and whitespace rule as
 * checkStatedFacts, for the set-based load path.
 */
export function statedSexSql(expr: string): string {
  const cases = (subject: string) => `CASE ${subject} ${[...SEXES].map(([form, sex]) => `WHEN ${sqlString(form)} THEN '${sex}'`).join(' ')} END`;
  // Values already in a listed form (most of them) skip the regular expression.
  return `coalesce(${cases(expr)}, ${cases(`lower(regexp_replace(${expr}, ${sqlPattern(WS)}, '', 'g'))`)})`;
}

/**
 * Message of a `stated_birth_date_mismatch` flag (shared by the JS and SQL paths). It names the
 * rule, not the dates: a flag is read where personal values may not be (ARCHITECTURE.md).
 */
export const BIRTH_DATE_MISMATCH_MESSAGE =
  'the stated birth date is another day than the birth date code of the resident identity number (GB 11643-1999 §5.3)';
/** Message of a `stated_sex_mismatch` flag (shared by the JS and SQL paths); names the rule, not the values. */
export const SEX_MISMATCH_MESSAGE =
  'the stated sex is not the one the sequence code of the resident identity number gives, odd for men (GB 11643-1999 §5.4)';

/**
 * Compares a source's stated birth date and sex with those derived from a resident identity
 * number. Pure; returns data-quality flags, empty when they agree:
 * - `stated_birth_date_mismatch`: the stated date, read by `normalizeDate` (the project's one
 *   rule for dates), is a different calendar day from the number's birth date;
 * - `stated_sex_mismatch`: the stated sex differs from the number's (odd sequence code = male).
 * Nothing is compared, and nothing flagged, when the classification is not a `valid` or
 * `nonconforming` resident id (no derived facts), when a stated value is absent or empty, or
 * when it cannot be read (an unreadable value is not evidence of a disagreement).
 */
export function checkStatedFacts(id: Classification, stated: StatedFacts): Reason[] {
  if (id.kind !== 'resident_id' || id.status === 'invalid') return [];
  const flags: Reason[] = [];
  const statedDate = stated.birthDate === undefined ? null : normalizeDate(stated.birthDate);
  if (statedDate !== null && id.birthDate !== undefined && statedDate !== id.birthDate) {
    flags.push(reason('stated_birth_date_mismatch', BIRTH_DATE_MISMATCH_MESSAGE));
  }
  const statedSex = stated.sex === undefined ? undefined : SEXES.get(stated.sex.replace(SPACES, '').toLowerCase());
  if (statedSex !== undefined && id.sex !== undefined && statedSex !== id.sex) {
    flags.push(reason('stated_sex_mismatch', SEX_MISMATCH_MESSAGE));
  }
  return flags;
}
