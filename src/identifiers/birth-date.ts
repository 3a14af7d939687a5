/**
 * The birth-date rules of a resident identity number (GB 11643-1999 §5.3: YYYYMMDD, a real
 * Gregorian date) and the run date they are judged against.
 */
import { reason } from './reason-codes.ts';
import type { Reason } from './types.ts';

/**
 * Earliest accepted birth date, inclusive. 18-character numbers were first issued from 1999
 * (second-generation cards from 2004); nobody then alive was born before the 1880s, so an
 * earlier date is a typing error such as 1085 for 1985. The bound is exactly the birth date of
 * the standard's own example number 440524188001010014 (GB 11643-1999 appendix A). Dates of the
 * 15-digit form are 1900–1999 by construction. The SQL fast path uses the same bound.
 */
export const EARLIEST_BIRTH_DATE = '1880-01-01';

/** China Standard Time offset (UTC+8, no daylight saving since 1991), in milliseconds. */
const CST_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * The run date as a calendar date `YYYY-MM-DD`. A string must already be `YYYY-MM-DD` and is
 * used as is; a `Date` is read in China Standard Time (UTC+8), where the numbers are issued.
 * @throws RangeError for an invalid Date or a string that is not a real `YYYY-MM-DD` date
 *   (a programming error, not a data fault).
 */
export function toCalendarDate(runDate: Date | string): string {
  if (typeof runDate === 'string') {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(runDate);
    if (!match || !isRealDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
      throw new RangeError(`runDate must be a real date written YYYY-MM-DD, got '${runDate}'`);
    }
    return runDate;
  }
  if (Number.isNaN(runDate.getTime())) throw new RangeError('runDate is an invalid Date');
  return new Date(runDate.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** True for a real proleptic Gregorian date (leap years: divisible by 4, except centuries not divisible by 400). */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

/**
 * Checks an 8-digit birth date `YYYYMMDD` against the calendar, {@link EARLIEST_BIRTH_DATE}
 * and the run date (`YYYY-MM-DD`; being born on the run date is allowed).
 * `positions` names where the date stands in the identifier (e.g. `7-14`): the failure's message
 * names the rule and these positions, never the date itself (ARCHITECTURE.md "Personal data stays
 * in its place").
 * @returns the birth date as `YYYY-MM-DD`, or the failure.
 */
export function checkBirthDate(yyyymmdd: string, runDay: string, positions: string): { date: string } | { failure: Reason } {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  const date = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
  if (!/^\d{8}$/.test(yyyymmdd) || !isRealDate(year, month, day)) {
    return { failure: reason('birth_date_impossible', `birth date (positions ${positions}) is not a calendar date`) };
  }
  if (date > runDay) {
    return { failure: reason('birth_date_in_future', `birth date (positions ${positions}) is after the run date ${runDay}`) };
  }
  if (date < EARLIEST_BIRTH_DATE) {
    return { failure: reason('birth_date_too_early', `birth date (positions ${positions}) is before ${EARLIEST_BIRTH_DATE}, the earliest accepted`) };
  }
  return { date };
}
