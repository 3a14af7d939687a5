/**
 * Dates and timestamps as sources write them, read into one form: `YYYY-MM-DD` (ISO 8601
 * calendar date, extended format) and `YYYY-MM-DD HH:MM:SS` (China Standard Time wall clock).
 * One rule for the whole project; `sql.ts` renders the same grammar as the DuckDB macros
 * `oc_date` and `oc_timestamp`.
 */
import { isRealDate } from '../identifiers/birth-date.ts';
import { FULLWIDTH_ASCII, jsRegExp, sqlPattern, translate, WS } from './characters.ts';

const YEAR = '([1-9][0-9]{3})';
const MONTH_OR_DAY = '([0-9]{1,2})';
/** `Y-M-D`, `Y/M/D` or `Y.M.D` (one separator, checked after the match), `YYYYMMDD`, `Y年M月D日`. */
const CALENDAR_DATE = `${YEAR}(?:([-/.])${MONTH_OR_DAY}([-/.])${MONTH_OR_DAY}|([0-9]{2})([0-9]{2})|年${MONTH_OR_DAY}月${MONTH_OR_DAY}日)`;
/**
 * A zone designator, captured whole: `Z` (UTC), or a UTC offset `±HH`, `±HHMM` or `±HH:MM`
 * (hours 0–23, minutes 0–59), as ISO 8601 writes them; read by {@link zoneOffset}.
 */
const ZONE = '(Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)';
/**
 * The clock form, after any date: `T` or whitespace, then `H:MM`, `H:MM:SS` or `H:MM:SS.fff`
 * (hours 0–23, minutes and seconds 0–59, checked by the pattern itself), then an optional
 * {@link ZONE}.
 */
const CLOCK_TIME = `(?:T|${WS}+)([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:\\.[0-9]+)?)?${ZONE}?`;
/**
 * The compact form, right after a `YYYYMMDD` date only, captured whole: `HHMM` or `HHMMSS` (so
 * 12 or 14 digits in all; same ranges).
 */
const COMPACT_TIME = '((?:[01][0-9]|2[0-3])[0-5][0-9](?:[0-5][0-9])?)';
/**
 * The Chinese form, after a `Y年M月D日` date only, whitespace before it optional: `H时M分`,
 * `H时M分S秒`, with 点 for 时 (`8点30分`); one or two digits each.
 */
const HAN_TIME = `${WS}*([01]?[0-9]|2[0-3])[时点]([0-5]?[0-9])分(?:([0-5]?[0-9])秒)?`;
/** An Excel serial day number of five digits, with an optional fraction of a day. */
const EXCEL_SERIAL = '([1-9][0-9]{4})(?:\\.([0-9]+))?';

/**
 * The whole grammar, leading and trailing whitespace included, for a value with full-width ASCII
 * folded. A time form must suit its date form (checked after the match, as the separators are).
 */
export const DATE_TIME_PATTERN =
  `^${WS}*(?:${CALENDAR_DATE}(?:${CLOCK_TIME}|${COMPACT_TIME}|${HAN_TIME})?|${EXCEL_SERIAL})${WS}*$`;
/** Names of the capture groups of {@link DATE_TIME_PATTERN}, in order (the SQL reads them by name). */
export const DATE_TIME_GROUPS = [
  'year', 'sep1', 'month', 'sep2', 'day', 'compact_month', 'compact_day', 'han_month', 'han_day',
  'hour', 'minute', 'second', 'zone', 'compact_time', 'han_hour', 'han_minute', 'han_second',
  'serial', 'fraction',
] as const;
type Group = (typeof DATE_TIME_GROUPS)[number];

/** Day 0 of the Excel 1900 date system as counted from serial 61 on (`YYYY-MM-DD`). */
export const EXCEL_EPOCH = '1899-12-30';
const EXCEL_EPOCH_MS = Date.parse(EXCEL_EPOCH);
const SECONDS_PER_DAY = 86_400;
/** China Standard Time, UTC+8 (no daylight saving), in seconds. */
export const CST_OFFSET_SECONDS = 8 * 3600;

const DATE_TIME = jsRegExp(DATE_TIME_PATTERN);

/** A value read by {@link DATE_TIME_PATTERN}. */
interface DateTime {
  /** `YYYY-MM-DD`, the calendar day as written. */
  date: string;
  /** `HH:MM:SS` as written, or null when the value has no time of day. */
  time: string | null;
  /** The written zone's offset from UTC in seconds (`Z` = 0), or null when none was written. */
  offset: number | null;
}

function readDateTime(text: string): DateTime | null {
  const match = DATE_TIME.exec(translate(text, FULLWIDTH_ASCII));
  if (!match) return null;
  const group = (name: Group): string => match[DATE_TIME_GROUPS.indexOf(name) + 1] ?? '';
  if (group('serial') !== '') return fromExcelSerial(group('serial'), group('fraction'));
  if (group('sep1') !== group('sep2')) return null;
  if (group('compact_time') !== '' && group('compact_month') === '') return null;
  if (group('han_hour') !== '' && group('han_month') === '') return null;
  const year = Number(group('year'));
  const month = Number(group('month') + group('compact_month') + group('han_month'));
  const day = Number(group('day') + group('compact_day') + group('han_day'));
  if (!isRealDate(year, month, day)) return null;
  const date = `${group('year')}-${pad2(month)}-${pad2(day)}`;
  const compact = group('compact_time');
  const hour = group('hour') + compact.slice(0, 2) + group('han_hour');
  if (hour === '') return { date, time: null, offset: null };
  const minute = group('minute') + compact.slice(2, 4) + group('han_minute');
  const second = group('second') + compact.slice(4, 6) + group('han_second');
  const time = `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}:${second.padStart(2, '0')}`;
  return { date, time, offset: group('zone') === '' ? null : zoneOffset(group('zone')) };
}

/** Seconds east of UTC of a {@link ZONE} designator: `Z` → 0, `+08` / `+0800` / `+08:00` → 28800. */
function zoneOffset(zone: string): number {
  if (zone === 'Z') return 0;
  const seconds = Number(zone.slice(1, 3)) * 3600 + (zone.length > 3 ? Number(zone.slice(-2)) * 60 : 0);
  return zone.startsWith('-') ? -seconds : seconds;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

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
  return { date: instant.slice(0, 10), time: fraction === '' ? null : instant.slice(11, 19), offset: null };
}

/**
 * The wall clock of China Standard Time (UTC+8, no daylight saving) at the instant written as
 * `date time` in a zone `offset` seconds east of UTC, as `YYYY-MM-DD HH:MM:SS`; null when that
 * falls outside the years 1000–9999 (proleptic Gregorian calendar, as everywhere here).
 */
function toChinaStandardTime(date: string, time: string, offset: number): string | null {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
  const instant = new Date(Date.UTC(year, month - 1, day, hour, minute, second) + (CST_OFFSET_SECONDS - offset) * 1000);
  const shiftedYear = instant.getUTCFullYear();
  if (shiftedYear < 1000 || shiftedYear > 9999) return null;
  const iso = instant.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
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
 * - any of those followed by `T` or whitespace and a clock time `12:30`, `12:30:45`,
 *   `12:30:45.123` (hours 0–23, minutes and seconds 0–59: `24:00` and leap second `:60` are
 *   rejected), with an optional zone designator `Z`, `+08`, `+0800` or `+08:00` (ISO 8601);
 * - `YYYYMMDD` directly followed by `HHMM` or `HHMMSS`: the compact 12- and 14-digit forms
 *   `202403010830`, `20240301083000` (same ranges; 9-11 and 13 digits are rejected, never
 *   read as a date plus junk);
 * - `Y年M月D日` followed, whitespace optional, by the Chinese time `8时30分`, `08时30分15秒` or
 *   `8点30分` (one or two digits, same ranges; `25时`, `60分` are rejected);
 * - an Excel serial day number of the 1900 date system: five digits 10000–99999 (1927-05-18 …
 *   2173-10-13), optionally with a fractional part (time of day), date = 1899-12-30 + serial
 *   days (valid from serial 61, so the fictitious 1900-02-29 of serial 60 never arises). Bare
 *   4-digit numbers (a year), 6- and 7-digit numbers are never read as serials.
 * A time of day that is not valid makes the whole value unreadable (null), date included.
 *
 * The date is the calendar day as written, never shifted to another zone: a zone designator is
 * ignored here (`2024-03-01T23:30:00Z` → `2024-03-01`). So it equals the date part of
 * {@link normalizeTimestamp} when no zone is written (an Excel fraction rounding up to 86400 s
 * carries into the next day in both), and may differ by a day when one is. SQL twin:
 * `oc_date(v)`.
 */
export function normalizeDate(text: string): string | null {
  return readDateTime(text)?.date ?? null;
}

/**
 * The same inputs as {@link normalizeDate}, as `YYYY-MM-DD` when no time of day was given and
 * `YYYY-MM-DD HH:MM:SS` when one was, in China Standard Time (UTC+8, no daylight saving; the
 * offset is applied to every date, the DST of 1986–1991 is not):
 * - no zone written: the wall clock as written, taken to be China time (`2024-03-01 08:30`
 *   → `2024-03-01 08:30:00`);
 * - a zone written: the instant converted to the UTC+8 wall clock, the date rolling as needed
 *   (`2024-03-01T23:30:00Z` → `2024-03-02 07:30:00`, `2024-02-28T20:00:00-05:00` →
 *   `2024-02-29 09:00:00`, `+08:00` unchanged); null when the result leaves the years
 *   1000–9999.
 * Seconds default to 00, fractions of a second are dropped (truncated); an Excel serial with a
 * fraction gives the time of day rounded to the second (`45000.5` → `2023-03-15 12:00:00`,
 * `45000.0` → `2023-03-15 00:00:00`). Null when unreadable.
 * The lexicographic order of the results is chronological order (a date alone sorts before the
 * times of that day). SQL twin: `oc_timestamp(v)`.
 */
export function normalizeTimestamp(text: string): string | null {
  const read = readDateTime(text);
  if (read === null) return null;
  if (read.time === null) return read.date;
  if (read.offset === null) return `${read.date} ${read.time}`;
  return toChinaStandardTime(read.date, read.time, read.offset);
}

/**
 * Words a source writes for "no end date" in an end-of-validity column (a licence's 有效期截止):
 * 长期 (long-term), 长期有效 (valid long-term), 永久, 永久有效 (permanent). 长期 is the legal wording:
 * the Resident Identity Card Law (中华人民共和国居民身份证法, art. 5) lists the card's validity
 * periods as "五年、十年、二十年、长期", and the card's 有效期限 reads `2010.01.01-长期`; systems that take
 * such dates ask for the same word (WeChat Pay's merchant onboarding API, `card_period_end`: "长期有效填写：长期").
 * 永久 and the `有效` forms are onecode's choice from licence exports seen in practice; a far date
 * (9999-12-31, 2099-12-31) is read as the date it is. Compared after removing whitespace
 * (full-width included).
 */
export const NO_END_DATE_WORDS = ['长期', '长期有效', '永久', '永久有效'] as const;

/** Whether `text` says "no end date" ({@link NO_END_DATE_WORDS}). SQL twin: {@link noEndDateSql}. */
export function isNoEndDate(text: string): boolean {
  return (NO_END_DATE_WORDS as readonly string[]).includes(text.replace(jsRegExp(WS, 'g'), ''));
}

/** SQL (DuckDB) of {@link isNoEndDate} over the text expression `expr` (NULL for NULL). */
export function noEndDateSql(expr: string): string {
  return `regexp_replace(${expr}, ${sqlPattern(WS)}, '', 'g') IN (${NO_END_DATE_WORDS.map((w) => `'${w}'`).join(', ')})`;
}
