import type { FormatKind } from './number-formats.ts';
import { exactDecimal } from './number-text.ts';

/**
 * Date serials to calendar dates and wall times, in integer arithmetic (BigInt for the stored
 * decimal, whole days for the calendar), never through `Date`: no time zone, no shift.
 *
 * A serial counts days (ECMA-376 Part 1 §18.17.4.1 "Date representation"):
 * - the 1900 date system: 1 is 1900-01-01; 60 is 1900-02-29, a day that never was (Lotus 1-2-3's
 *   leap-year bug, kept by Excel), so from 61 on, serial n is 1899-12-30 + n days; 0 is "1900-01-00";
 * - the 1904 date system (`<workbookPr date1904="1"/>`, §18.2.28): 0 is 1904-01-01;
 * - the fraction is the time of day; Excel's last day is 9999-12-31.
 */

/** What a date serial shows in a format of `kind`, or why it shows no date. */
export type SerialText = { ok: true; text: string } | { ok: false; problem: 'not_a_number' | 'out_of_range'; detail: string };

const SECONDS_PER_DAY = 86_400n;

/** Days from 1970-01-01 to the civil date y-m-d, proleptic Gregorian (H. Hinnant, "chrono-compatible low-level date algorithms"). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The civil date of a day count from 1970-01-01 (the inverse of daysFromCivil). */
function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

const EPOCH_1900 = daysFromCivil(1899, 12, 30);
const EPOCH_1904 = daysFromCivil(1904, 1, 1);
const LAST_DAY = daysFromCivil(9999, 12, 31);

const pad = (n: number | bigint, width = 2): string => String(n).padStart(width, '0');

/** The ISO calendar date of whole day `serial`, or why there is none. */
function serialDay(serial: number, date1904: boolean): { ok: true; text: string } | { ok: false; detail: string } {
  let days: number;
  if (date1904) {
    days = EPOCH_1904 + serial;
  } else {
    if (serial === 0) return { ok: false, detail: 'a date-formatted 0 is day 0 of the 1900 date system (shown as 1900-01-00), no calendar day' };
    if (serial === 60) return { ok: false, detail: 'serial 60 is 1900-02-29 of the 1900 date system, a day that does not exist (the Lotus 1-2-3 leap-year bug)' };
    days = EPOCH_1900 + serial + (serial < 60 ? 1 : 0);
  }
  if (days > LAST_DAY) return { ok: false, detail: 'a date-formatted number after 9999-12-31, the last day Excel shows' };
  const { y, m, d } = civilFromDays(days);
  return { ok: true, text: `${pad(y, 4)}-${pad(m)}-${pad(d)}` };
}

/**
 * The text a date serial (the stored text of a number cell, e.g. `45292.5208333333`) shows in a
 * format of `kind`:
 * - `date`: `YYYY-MM-DD`, the day the serial falls in (its time of day is not shown, so dropped);
 * - `datetime`: `YYYY-MM-DD HH:MM:SS`, the wall time, the fraction rounded to the nearest second
 *   (a serial's fraction is a binary double: 12:30 is stored as 0.520833333333333);
 * - `time`: `HH:MM:SS` for a serial below 1 (a time of day only), else the full wall time
 *   `YYYY-MM-DD HH:MM:SS`, since the cell holds a day the format hides;
 * - `elapsed`: `HH:MM:SS` with the hours counted past 24 (`[h]:mm:ss` shows 1.5 as 36:00:00).
 * A negative serial is no date or time (`out_of_range`, Excel shows `####`).
 * @param date1904 the workbook uses the 1904 date system.
 */
export function serialText(serial: string, kind: Exclude<FormatKind, 'number'>, date1904: boolean): SerialText {
  const value = exactDecimal(serial);
  if (value === undefined) return { ok: false, problem: 'not_a_number', detail: 'the stored value is not a number' };
  const { units, scale } = value;
  if (value.negative && units !== 0n) return { ok: false, problem: 'out_of_range', detail: 'a date-formatted negative number, no date or time' };
  const denominator = 10n ** BigInt(scale);
  if (kind === 'date') {
    const day = serialDayOf(units / denominator);
    if (day === undefined) return { ok: false, problem: 'out_of_range', detail: 'a date-formatted number after 9999-12-31, the last day Excel shows' };
    const text = serialDay(day, date1904);
    return text.ok ? text : { ok: false, problem: 'out_of_range', detail: text.detail };
  }
  // Nearest second, halves up: (units * 86400 / 10^scale) rounded.
  const seconds = (units * SECONDS_PER_DAY * 2n + denominator) / (denominator * 2n);
  const clock = (s: bigint): string => `${pad(s / 3600n)}:${pad((s / 60n) % 60n)}:${pad(s % 60n)}`;
  if (kind === 'elapsed') return { ok: true, text: clock(seconds) };
  const wholeDays = seconds / SECONDS_PER_DAY;
  const timeOfDay = clock(seconds % SECONDS_PER_DAY);
  if (kind === 'time' && wholeDays === 0n) return { ok: true, text: timeOfDay };
  const day = serialDayOf(wholeDays);
  if (day === undefined) return { ok: false, problem: 'out_of_range', detail: 'a date-formatted number after 9999-12-31, the last day Excel shows' };
  const text = serialDay(day, date1904);
  return text.ok ? { ok: true, text: `${text.text} ${timeOfDay}` } : { ok: false, problem: 'out_of_range', detail: text.detail };
}

/** A whole-day count small enough to be a day Excel shows (3,000,000 days is past 9999-12-31 in both systems). */
function serialDayOf(days: bigint): number | undefined {
  return days > 3_000_000n ? undefined : Number(days);
}
