/**
 * Facts a source states beside a resident identity number (birth date, sex) checked against
 * the facts the number itself carries (GB 11643-1999 §5.3 birth date, §5.4 sequence code odd
 * for men). A disagreement is a data-quality flag on the record, not a fault of the number.
 */
import { isRealDate } from './birth-date.ts';
import { reason } from './reason-codes.ts';
import type { Classification, Reason } from './types.ts';

/** What a source record states about the person, as the source wrote it. */
export interface StatedFacts {
  /** `1985-03-17`, `1985/3/17`, `1985.3.17`, `19850317` or `1985年3月17日`; a time after the date is ignored. */
  birthDate?: string;
  /** `男`/`女` (also `男性`/`女性`), `male`/`female`, `M`/`F`, or GB/T 2261.1 `1`/`2`; any case, spaces ignored. */
  sex?: string;
}

const DATE_FORMS: readonly RegExp[] = [
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/,
  /^(\d{4})(\d{2})(\d{2})$/,
  /^(\d{4})年(\d{1,2})月(\d{1,2})日$/,
];

const SEXES: ReadonlyMap<string, 'male' | 'female'> = new Map([
  ['男', 'male'], ['男性', 'male'], ['male', 'male'], ['m', 'male'], ['1', 'male'],
  ['女', 'female'], ['女性', 'female'], ['female', 'female'], ['f', 'female'], ['2', 'female'],
]);

/**
 * Compares a source's stated birth date and sex with those derived from a resident identity
 * number. Pure; returns data-quality flags, empty when they agree:
 * - `stated_birth_date_mismatch`: the stated date, read in one of the forms of
 *   {@link StatedFacts}, is a different calendar day from the number's birth date;
 * - `stated_sex_mismatch`: the stated sex differs from the number's (odd sequence code = male).
 * Nothing is compared, and nothing flagged, when the classification is not a `valid` or
 * `nonconforming` resident id (no derived facts), when a stated value is absent or empty, or
 * when it cannot be read (an unreadable value is not evidence of a disagreement).
 */
export function checkStatedFacts(id: Classification, stated: StatedFacts): Reason[] {
  if (id.kind !== 'resident_id' || id.status === 'invalid') return [];
  const flags: Reason[] = [];
  const statedDate = stated.birthDate === undefined ? null : readDate(stated.birthDate);
  if (statedDate !== null && id.birthDate !== undefined && statedDate !== id.birthDate) {
    flags.push(reason('stated_birth_date_mismatch', `the source states birth date ${statedDate}, the resident identity number says ${id.birthDate}`));
  }
  const statedSex = stated.sex === undefined ? undefined : SEXES.get(stated.sex.replace(/\s/gu, '').toLowerCase());
  if (statedSex !== undefined && id.sex !== undefined && statedSex !== id.sex) {
    flags.push(reason('stated_sex_mismatch', `the source states sex ${statedSex}, the resident identity number's sequence code says ${id.sex}`));
  }
  return flags;
}

/** A stated date as `YYYY-MM-DD`, or null when it is in no accepted form or not a real date. */
function readDate(text: string): string | null {
  const trimmed = text.trim();
  for (const form of DATE_FORMS) {
    const match = form.exec(trimmed);
    if (!match) continue;
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (!isRealDate(year, month, day)) return null;
    return `${match[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  }
  return null;
}
