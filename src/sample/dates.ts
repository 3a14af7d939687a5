/**
 * Calendar arithmetic for the sample generator on day numbers (days since 1970-01-01, UTC),
 * so nothing depends on the machine's time zone or clock.
 */

/** Day number of an ISO date `YYYY-MM-DD`. @throws RangeError if it is not a real date. */
export function dayNumber(isoDate: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) throw new RangeError(`expected a date as YYYY-MM-DD, got '${isoDate}'`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(y, m - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`'${isoDate}' is not a calendar date`);
  }
  return ms / 86_400_000;
}

/** Year, month (1–12) and day of a day number. */
export function dateParts(day: number): { year: number; month: number; day: number } {
  const date = new Date(day * 86_400_000);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `2024-03-01` */
export function isoDate(day: number): string {
  const p = dateParts(day);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}`;
}

/** `20240301`, the form inside a resident identity number. */
export function compactDate(day: number): string {
  const p = dateParts(day);
  return `${p.year}${pad2(p.month)}${pad2(p.day)}`;
}

/** `2024/3/1` */
export function slashDate(day: number): string {
  const p = dateParts(day);
  return `${p.year}/${p.month}/${p.day}`;
}

/** `2024年3月1日` */
export function chineseDate(day: number): string {
  const p = dateParts(day);
  return `${p.year}年${p.month}月${p.day}日`;
}

/** Day number of 1899-12-30, day 0 of Excel's 1900 date system. */
export const EXCEL_EPOCH_DAY = -25_569;

/**
 * `45352` for 2024-03-01: the Excel serial day number of the 1900 date system, the day count
 * from 1899-12-30 (what a date cell holds when a sheet is saved as CSV without a date format).
 * Exact for dates from 1900-03-01 on; Excel also counts a 1900-02-29 that never was, so earlier
 * serials are one off. @throws RangeError for a day before 1900-03-01.
 */
export function excelSerialDate(day: number): string {
  const serial = day - EXCEL_EPOCH_DAY;
  if (serial < 61) throw new RangeError(`Excel serial dates before 1900-03-01 are off by one; got ${isoDate(day)}`);
  return String(serial);
}

/** `HH:MM:SS` of a second of the day (0–86399). */
export function clockTime(secondOfDay: number): string {
  const h = Math.floor(secondOfDay / 3600);
  const m = Math.floor((secondOfDay % 3600) / 60);
  return `${pad2(h)}:${pad2(m)}:${pad2(secondOfDay % 60)}`;
}

/** `2024-05-01 10:00:00` for a day number and a second of that day. */
export function dateTime(day: number, secondOfDay: number): string {
  return `${isoDate(day)} ${clockTime(secondOfDay)}`;
}

/** `2024-05-01T10:00:00+08:00` (China Standard Time) for a day number and a second of that day. */
export function isoDateTimeCst(day: number, secondOfDay: number): string {
  return `${isoDate(day)}T${clockTime(secondOfDay)}+08:00`;
}
