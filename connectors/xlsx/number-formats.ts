/**
 * Which number formats show a date or a time. A number cell's value is a plain number; only its
 * format (the cell's style → cellXfs → numFmtId → format code) says it is a date serial
 * (ECMA-376 Part 1 §18.8.30 numFmt, §18.8.31 numFmts; format code syntax §18.8.31 and
 * Excel's "Number format codes").
 */

/**
 * What a format shows of a number:
 * - `number`: the number (General, 0.00, #,##0, 0%, @, ...);
 * - `date`: a calendar day (yyyy-mm-dd, m/d/yy, yyyy"年"m"月"d"日", mmm-yy, ...);
 * - `datetime`: a day and a time of day (m/d/yy h:mm);
 * - `time`: a time of day (h:mm, hh:mm:ss AM/PM, mm:ss);
 * - `elapsed`: a duration in hours, minutes or seconds that may pass 24 h ([h]:mm:ss).
 */
export type FormatKind = 'number' | 'date' | 'datetime' | 'time' | 'elapsed';

/**
 * The built-in formats that show dates and times, by numFmtId (ECMA-376 Part 1 §18.8.30):
 * 14-22 and 45-47 in every locale; 27-36 and 50-58 are the East Asian built-ins, given here
 * as Excel in zh-CN defines them (in ja-JP, ko-KR and zh-TW they are dates and times too).
 * A workbook may redefine an id below 164 with a numFmt element; that one wins.
 */
export const BUILTIN_DATE_FORMATS: Readonly<Record<number, string>> = {
  14: 'mm-dd-yy', 15: 'd-mmm-yy', 16: 'd-mmm', 17: 'mmm-yy', 18: 'h:mm AM/PM', 19: 'h:mm:ss AM/PM',
  20: 'h:mm', 21: 'h:mm:ss', 22: 'm/d/yy h:mm',
  27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: 'm-d-yy', 31: 'yyyy"年"m"月"d"日"',
  32: 'h"时"mm"分"', 33: 'h"时"mm"分"ss"秒"', 34: '上午/下午h"时"mm"分"', 35: '上午/下午h"时"mm"分"ss"秒"', 36: 'yyyy"年"m"月"',
  45: 'mm:ss', 46: '[h]:mm:ss', 47: 'mmss.0',
  50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"', 54: 'm"月"d"日"',
  55: '上午/下午h"时"mm"分"', 56: '上午/下午h"时"mm"分"ss"秒"', 57: 'yyyy"年"m"月"', 58: 'm"月"d"日"',
};

/**
 * What the format code `code` shows of a number. Only the first section counts (the one for
 * positive numbers; dates are never negative). Quoted text (`"年"`), escaped characters (`\d`),
 * the characters after `_` and `*`, `AM/PM` and `A/P`, and bracketed parts (`[Red]`, `[$-804]`,
 * `[DBNum1]`, `[>100]`) are no date tokens; `[h]`, `[mm]`, `[ss]` are elapsed time. The tokens
 * are y and d (a day), h and s (a time) and m, which is a month unless the section has h or s.
 * Era tokens (e, g, b: Japanese and Thai calendars) are not read as dates: such a cell gives its
 * serial number.
 */
export function classifyFormat(code: string): FormatKind {
  let day = false;
  let time = false;
  let month = false;
  let elapsed = false;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (c === ';') break;
    if (c === '"') {
      const end = code.indexOf('"', i + 1);
      i = end < 0 ? code.length : end;
    } else if (c === '\\' || c === '_' || c === '*') {
      i++;
    } else if (c === '[') {
      const end = code.indexOf(']', i + 1);
      const inside = code.slice(i + 1, end < 0 ? code.length : end).toLowerCase();
      if (/^(h+|m+|s+)$/.test(inside)) elapsed = true;
      i = end < 0 ? code.length : end;
    } else {
      const rest = code.slice(i, i + 5).toUpperCase();
      if (rest === 'AM/PM') {
        i += 4;
        continue;
      }
      if (rest.startsWith('A/P')) {
        i += 2;
        continue;
      }
      const lower = c.toLowerCase();
      if (lower === 'y' || lower === 'd') day = true;
      else if (lower === 'h' || lower === 's') time = true;
      else if (lower === 'm') month = true;
    }
  }
  if (elapsed) return 'elapsed';
  if (month && !time) day = true;
  if (day && time) return 'datetime';
  if (day) return 'date';
  if (time) return 'time';
  return 'number';
}

/**
 * The kind of the format `numFmtId` given the workbook's own format codes (`custom`, from
 * styles.xml numFmts): a custom code wins; otherwise a built-in date id; otherwise `number`
 * (General and the other built-in number formats).
 */
export function formatKind(numFmtId: number, custom: ReadonlyMap<number, string>): FormatKind {
  const code = custom.get(numFmtId) ?? BUILTIN_DATE_FORMATS[numFmtId];
  return code === undefined ? 'number' : classifyFormat(code);
}
