/**
 * Why a sheet row cannot be read as a row: `code` is stable (quarantine.reason_codes), `field`
 * the column concerned (`*` when the header names none), `message` names the sheet, the cell
 * reference and the column, never a value of the source (ARCHITECTURE.md "Personal data stays
 * in its place"). A row with any reason is quarantined whole, as a CSV record is.
 */
export interface XlsxReason {
  code: XlsxReasonCode;
  field: string;
  message: string;
}

/** The reason codes of an unreadable sheet row. */
export const XLSX_REASON_CODES = [
  /**
   * A number with more than 15 integer digits whose digits past the 15th significant one are not
   * in the stored text (an exponent form such as `1.10105199001011E+17`) or are all zeros: what
   * Excel's 15 significant digits leave of a longer number, typically an identity number typed
   * into a number cell. Never rounded, never guessed: the column should be stored as text.
   */
  'xlsx_number_precision_lost',
  /** The cell holds an error value (`#N/A`, `#DIV/0!`, `#REF!`, ...; ECMA-376 Part 1 §18.18.11 ST_CellType `e`). */
  'xlsx_error_value',
  /** A formula cell without a cached value (the workbook was written by a program that does not calculate). */
  'xlsx_formula_not_cached',
  /** A date-formatted number that is no calendar day: negative, day 0, 1900-02-29 of the 1900 leap-year bug, or after 9999-12-31. */
  'xlsx_date_out_of_range',
  /** The cell's XML is not what ECMA-376 allows: a value that is no number, an unknown cell type, a boolean other than 0/1, a shared string index out of range. */
  'xlsx_invalid_cell',
  /** A value in a column the header row leaves without a name (right of the last named column). */
  'xlsx_unnamed_value',
] as const;
export type XlsxReasonCode = (typeof XLSX_REASON_CODES)[number];

/** A cell that is no value: its reason code and what is wrong, in words that hold no value. */
export interface CellProblem {
  code: XlsxReasonCode;
  /** E.g. "the cell holds the error #N/A"; completed with the sheet, cell and column by `cellReason`. */
  detail: string;
}

/** `A`, `Z`, `AA`, ... `XFD` for the 1-based column number. */
export function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * The reason for a problem in the cell at `row`, `column`: the field is the column's header
 * name (`*` if it has none); the message says `sheet 名单 cell F7 (身份证号): <detail>`.
 */
export function cellReason(where: { sheet: string; columns: readonly string[] }, row: number, column: number, problem: CellProblem): XlsxReason {
  const name = where.columns[column - 1];
  const label = name ? ` (${name})` : '';
  return {
    code: problem.code,
    field: name ?? '*',
    message: `sheet ${where.sheet} cell ${columnLetters(column)}${row}${label}: ${problem.detail}`,
  };
}
