/**
 * Dates and timestamps as sources write them, read into one form: `YYYY-MM-DD` (ISO 8601
 * calendar date, extended format) and `YYYY-MM-DD HH:MM:SS` (wall-clock time as written).
 * One rule for the whole project; `sql.ts` renders the same grammar as the DuckDB macros
 * `oc_date` and `oc_timestamp`.
 */
import { isRealDate } from '../identifiers/birth-date.ts';
import { FULLWIDTH_ASCII, jsRegExp, translate, WS } from './characters.ts';

const YEAR = '([1-9][0-9]{3})';
const MONTH_OR_DAY = '([0-9]{1,2})';
/** `Y-M-D`, `Y/M/D` or `Y.M.D` (one separator, checked after the match), `YYYYMMDD`, `Y年M月D日`. */
const CALENDAR_DATE = `${YEAR}(?:([-/.])${MONTH_OR_DAY}([-/.])${MONTH_OR_DAY}|([0-9]{2})([0-9]{2})|年${MONTH_OR_DAY}月${MONTH_OR_DAY}日)`;
/**
 * `T` or whitespace, then `H:MM`, `H:MM:SS` or `H:MM:SS.fff` (hours 0–23, minutes and seconds
 * 0–59, checked by the pattern itself), then an optional zone `Z`, `±HH`, `±HHMM` or `±HH:MM`.
 */
const TIME_OF_DAY =
  `(?:T|${WS}+)([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:\\.[0-9]+)?)?` +
  `(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?`;
/** An Excel serial day number of five digits, with an optional fraction of a day. */
const EXCEL_SERIAL = '([1-9][0-9]{4})(?:\\.([0-9]+))?';

/** The whole grammar, leading and trailing whitespace included, for a value with full-width ASCII folded. */
export const DATE_TIME_PATTERN = `^${WS}*(?:${CALENDAR_DATE}(?:${TIME_OF_DAY})?|${EXCEL_SERIAL})${WS}*$`;
/** Names of the capture groups of {@link DATE_TIME_PATTERN}, in order (the SQL reads them by name). */
export const DATE_TIME_GROUPS = [
  'year', 'sep1', 'month', 'sep2', 'day', 'compact_month', 'compact_day', 'han_month', 'han_day',
  'hour', 'minute', 'second', 'serial', 'fraction',
] as const;
type Group = (typeof DATE_TIME_GROUPS)[number];

/** Day 0 of the Excel 1900 date system as counted from serial 61 on (`YYYY-MM-DD`). */
export const EXCEL_EPOCH = '1899-12-30';
const EXCEL_EPOCH_MS = Date.parse(EXCEL_EPOCH);
const SECONDS_PER_DAY = 86_400;

const DATE_TIME = jsRegExp(DATE_TIME_PATTERN);

/** A value read by {@link DATE_TIME_PATTERN}: its date and, when one was given, its time of day. */
interface DateTime {
  /** `YYYY-MM-DD`. */
  date: string;
  /** `HH:MM:SS`, or null when the value has no time of day. */
  time: string | null;
}

function readDateTime(text: string): DateTime | null {
  const match = DATE_TIME.exec(translate(text, FULLWIDTH_ASCII));
  if (!match) return null;
  const group = (name: Group): string => match[DATE_TIME_GROUPS.indexOf(name) + 1] ?? '';
  if (group('serial') !== '') return fromExcelSerial(group('serial'), group('fraction'));
  if (group('sep1') !== group('sep2')) return null;
  const year = Number(group('year'));
  const month = Number(group('month') + group('compact_month') + group('han_month'));
  const day = Number(group('day') + group('compact_day') + group('han_day'));
  if (!isRealDate(year, month, day)) return null;
  const date = `${group('year')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  if (group('hour') === '') return { date, time: null };
  return { date, time: `${group('hour').padStart(2, '0')}:${group('minute')}:${group('second') || '00'}` };
}

/**
 * Excel 1900 date system: serial n is day n counted from 1899-12-31 = day 1, with the fictitious
 * 1900-02-29 as day 60 (a Lotus 1-2-3 compatibility bug kept by Excel), so from serial 61
 * (1900-03-01) on, the date is simply 1899-12-30 + n days. Five-digit serials (10000 =
 * 1927-05-18 … 99999 = 2173-10-13) are all ≥ 61, so the fictitious day never arises. The
 * fraction is the time of day: round(fraction × 86400) seconds (IEEE double, halves up),
 * which may carry to midnight of the next day.
 */
function fromExcelSerial(serial: string, fraction: string): DateTime {
  const seconds = fraction === '' ? 0 : Math.round(Number(`0.${fraction}`) * SECONDS_PER_DAY);
  const instant = new Date(EXCEL_EPOCH_MS + (Number(serial) * SECONDS_PER_DAY + seconds) * 1000).toISOString();
  return { date: instant.slice(0, 10), time: fraction === '' ? null : instant.slice(11, 19) };
}

/**
 * The calendar date a source wrote, as `YYYY-MM-DD`, or null when the value is in none of the
 * accepted forms or is not a real proleptic Gregorian date (leap years: divisible by 4, except
 * centuries not divisible by 400; so 2024-02-29 but not 2023-02-29 or 1900-02-29).
 *
 * Accepted, after trimming whitespace (incl. U+3000 and U+00A0) and folding full-width ASCII
 * (U+FF01–U+FF5E: ０-９, －, ／, ．, ：, Ｔ, Ｚ …) to ASCII:
 * - `2024-03-01`, `2024-3-1`, `2024/3/1`, `2024.3.1` (the same separator twice), `20240301`,
 *   `2024年3月1日`; years 1000–9999 only;
 * - any of those followed by `T` or whitespace and a time `12:30`, `12:30:45`, `12:30:45.123`
 *   (hours 0–23, minutes and seconds 0–59: `24:00` and leap second `:60` are rejected), with an
 *   optional zone designator `Z`, `+08`, `+0800` or `+08:00` that is dropped: the date is the
 *   calendar date as written, never shifted to another zone;
 * - an Excel serial day number of the 1900 date system: five digits 10000–99999 (1927-05-18 …
 *   2173-10-13), optionally with a fractional part (time of day), date = 1899-12-30 + serial
 *   days (valid from serial 61, so the fictitious 1900-02-29 of serial 60 never arises). Bare
 *   4-digit numbers (a year), 6- and 7-digit numbers are never read as serials.
 * Equals the date part of {@link normalizeTimestamp} (an Excel fraction rounding up to 86400 s
 * carries into the next day in both). SQL twin: `oc_date(v)`.
 */
export function normalizeDate(text: string): string | null {
  return readDateTime(text)?.date ?? null;
}

/**
 * The same inputs as {@link normalizeDate}, as `YYYY-MM-DD` when no time of day was given and
 * `YYYY-MM-DD HH:MM:SS` when one was: the wall clock as written (zone designator dropped, no
 * shift), seconds default to 00, fractions of a second are dropped (truncated); an Excel serial
 * with a fraction gives the time of day rounded to the second (`45000.5` → `2023-03-15 12:00:00`,
 * `45000.0` → `2023-03-15 00:00:00`). Null when unreadable.
 * For values in one zone, the lexicographic order of the results is chronological order (a date
 * alone sorts before the times of that day). SQL twin: `oc_timestamp(v)`.
 */
export function normalizeTimestamp(text: string): string | null {
  const read = readDateTime(text);
  if (read === null) return null;
  return read.time === null ? read.date : `${read.date} ${read.time}`;
}
