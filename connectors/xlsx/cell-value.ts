import type { FormatKind } from './number-formats.ts';
import { EXCEL_SIGNIFICANT_DIGITS, exactNumberText } from './number-text.ts';
import type { CellProblem } from './reasons.ts';
import { serialText } from './serial-date.ts';
import { unescapeXstring } from './shared-strings.ts';
import type { RawCell } from './sheet-rows.ts';

/** What a cell's value is read against: the workbook's shared strings, styles and date system. */
export interface CellContext {
  sharedStrings: readonly string[];
  /** What each style index shows of a number (styles.ts); a missing index is `number`. */
  formats: readonly FormatKind[];
  date1904: boolean;
}

/** A cell's exact value as text (`null` for an empty cell), or why it has none. */
export type CellValue = { ok: true; value: string | null } | { ok: false; problem: CellProblem };

/** The error values a cell can hold (ECMA-376 Part 1 §18.17.3 and the newer ones of Excel 365). */
const ERROR_VALUES = new Set([
  '#NULL!', '#DIV/0!', '#VALUE!', '#REF!', '#NAME?', '#NUM!', '#N/A', '#GETTING_DATA',
  '#SPILL!', '#CALC!', '#FIELD!', '#BLOCKED!', '#CONNECT!', '#BUSY!', '#UNKNOWN!', '#EXTERNAL!', '#PYTHON!',
]);

const value = (v: string | null): CellValue => ({ ok: true, value: v === '' ? null : v });
const problem = (code: CellProblem['code'], detail: string): CellValue => ({ ok: false, problem: { code, detail } });

/**
 * The exact value of a cell, by its type (ST_CellType, ECMA-376 Part 1 §18.18.11):
 * - `s` shared string, `inlineStr` inline string, `str` a formula's text result: the text,
 *   unchanged (`1,171.00` and `０１２` stay text), rich text runs concatenated, `_xHHHH_`
 *   escapes undone;
 * - `n` number (the default): a date-formatted number becomes its date or time (serial-date.ts),
 *   any other its exact stored text (number-text.ts);
 * - `b` boolean: `TRUE` or `FALSE`, as Excel shows it;
 * - `d` an ISO 8601 date (strict OOXML): its wall time as written, an offset or `Z` ignored;
 * - `e` error: no value (`xlsx_error_value`, naming the error, which is no personal data);
 * - a formula (`<f>`) gives its cached value, by the same rules; without one it has none
 *   (`xlsx_formula_not_cached`).
 * An empty text and a cell without a value are `null`, as an empty CSV field is.
 */
export function cellValue(cell: RawCell, ctx: CellContext): CellValue {
  const { type, v } = cell;
  if (type === 'inlineStr') return value(cell.inline ?? (v === undefined ? null : unescapeXstring(v)));
  if (v === undefined) {
    return cell.formula ? problem('xlsx_formula_not_cached', 'a formula without a cached value (open and save the workbook in a spreadsheet program to calculate it)') : value(null);
  }
  switch (type) {
    case 's': {
      const text = /^\d+$/.test(v) ? ctx.sharedStrings[Number(v)] : undefined;
      return text === undefined ? problem('xlsx_invalid_cell', `a shared string index that is not in the shared string table (${ctx.sharedStrings.length} strings)`) : value(text);
    }
    case 'str':
      return value(unescapeXstring(v));
    case 'b':
      if (v === '1' || v === 'true') return value('TRUE');
      if (v === '0' || v === 'false') return value('FALSE');
      return problem('xlsx_invalid_cell', 'a boolean cell whose value is neither 0 nor 1');
    case 'e':
      return problem('xlsx_error_value', `the cell holds the error ${ERROR_VALUES.has(v) ? v : 'value of an unknown kind'}`);
    case 'd':
      return isoDate(v, ctx.formats[cell.style] ?? 'number');
    case 'n':
      return numberValue(v, ctx.formats[cell.style] ?? 'number', ctx.date1904);
    default:
      return problem('xlsx_invalid_cell', `a cell of unknown type t="${type.slice(0, 16)}"`);
  }
}

function numberValue(v: string, kind: FormatKind, date1904: boolean): CellValue {
  if (kind !== 'number') {
    const shown = serialText(v, kind, date1904);
    if (shown.ok) return value(shown.text);
    return problem(shown.problem === 'not_a_number' ? 'xlsx_invalid_cell' : 'xlsx_date_out_of_range', shown.detail);
  }
  const number = exactNumberText(v);
  if (number.ok) return value(number.text);
  if (number.problem === 'not_a_number') return problem('xlsx_invalid_cell', 'a number cell whose stored value is not a number');
  return problem(
    'xlsx_number_precision_lost',
    `a number of ${number.integerDigits} digits stored as a number, which keeps only ${EXCEL_SIGNIFICANT_DIGITS} significant digits: the digits after the ${EXCEL_SIGNIFICANT_DIGITS}th are lost (format the column as text in the source and export again)`,
  );
}

const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::(\d{2}))?(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** A `d` cell (ISO 8601, ECMA-376 Part 1 §18.17.4.3), shown as its format's kind shows it. */
function isoDate(v: string, kind: FormatKind): CellValue {
  const m = ISO_DATE.exec(v);
  if (!m) return problem('xlsx_invalid_cell', 'a date cell (t="d") whose value is not an ISO 8601 date');
  const day = m[1]!;
  const time = m[2] === undefined ? undefined : `${m[2]}:${m[3] ?? '00'}`;
  if (kind === 'date' || time === undefined) return value(day);
  if (kind === 'time' || kind === 'elapsed') return value(time);
  return value(`${day} ${time}`);
}
