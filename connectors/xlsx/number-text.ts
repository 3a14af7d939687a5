/**
 * The exact text of a number cell, taken from the stored text of its `<v>` element (an
 * xsd:double lexical form, ECMA-376 Part 1 §18.3.1.96 and §18.18.11 `n`) by moving digits,
 * never through a JavaScript number: `1171` stays `1171`, `0.1` stays `0.1`.
 */

/** xsd:double lexical form without INF/NaN (XML Schema Part 2 §3.2.5.1). */
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Excel keeps 15 significant digits of a number (Excel specifications and limits, "Number precision"). */
export const EXCEL_SIGNIFICANT_DIGITS = 15;

/** The largest exponent taken: a double ends near 1.8E+308 and 4.9E-324; longer texts are no Excel number. */
const MAX_EXPONENT = 400;

/** A number's stored text split into its parts. */
interface DecimalText {
  negative: boolean;
  /** The digits, integer then fraction, as written. */
  digits: string;
  /** Where the decimal point is, counted in digits from the start of `digits` (may be < 0 or > digits.length). */
  point: number;
  /** Whether the text has an exponent (`E+17`). */
  exponent: boolean;
}

function splitDecimal(text: string): DecimalText | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const int = m[2]!;
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return undefined;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (Math.abs(exp) > MAX_EXPONENT) return undefined;
  return { negative: m[1] === '-', digits: int + frac, point: int.length + exp, exponent: m[4] !== undefined };
}

/** What `exactNumberText` made of a stored number. */
export type NumberText =
  | { ok: true; text: string }
  | { ok: false; problem: 'not_a_number' }
  /** More than 15 integer digits, the ones past the 15th significant digit not stored or all zeros. */
  | { ok: false; problem: 'precision_lost'; integerDigits: number };

/**
 * The exact text of the stored number `v`.
 *
 * - A plain decimal (`1171`, `0.1`, `-12.50`, `0.30000000000000004`) is returned as stored,
 *   unchanged: the digits Excel wrote are the number's exact value.
 * - An exponent form (`1.5E+10`, `1.0000000000000001E-5`) is written out as a plain decimal by
 *   moving the point in its digits (`15000000000`, `0.000010000000000000001`): leading zeros
 *   and trailing zeros after the point dropped, nothing rounded.
 * - More than 15 integer digits (an 18-digit identity number in a number cell) survive only if
 *   the stored text holds every digit and the digits past the 15th significant one are not all
 *   zeros: `1.10105199001011E+17` (3 digits not stored) and `110105199001011000` (Excel's cut,
 *   written out) are `precision_lost`; `110105199001011234` (written by a program that keeps
 *   integers whole) survives. A number that really ends in those zeros cannot be told from a
 *   cut one, so it is quarantined too rather than loaded as a guess.
 */
export function exactNumberText(v: string): NumberText {
  const d = splitDecimal(v);
  if (!d) return { ok: false, problem: 'not_a_number' };
  const lead = d.digits.length - d.digits.replace(/^0+/, '').length;
  const digits = d.digits.slice(lead);
  const point = d.point - lead;
  const integerDigits = Math.max(point, 0);
  if (integerDigits > EXCEL_SIGNIFICANT_DIGITS) {
    const notStored = point > digits.length;
    const pastExcel = digits.slice(EXCEL_SIGNIFICANT_DIGITS, point);
    if (notStored || /^0*$/.test(pastExcel)) return { ok: false, problem: 'precision_lost', integerDigits };
  }
  if (!d.exponent) return { ok: true, text: v };
  return { ok: true, text: plainDecimal(d.negative, digits, point) };
}

/** `digits` with the decimal point at `point` (leading zeros already removed), as `-0.00123`, `15000`, `12.5`. */
function plainDecimal(negative: boolean, digits: string, point: number): string {
  let int: string;
  let frac: string;
  if (point <= 0) {
    int = '0';
    frac = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    int = digits + '0'.repeat(point - digits.length);
    frac = '';
  } else {
    int = digits.slice(0, point);
    frac = digits.slice(point);
  }
  frac = frac.replace(/0+$/, '');
  const zero = /^0*$/.test(int + frac);
  return `${negative && !zero ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** A stored number as an exact fraction `units / 10^scale` (scale ≥ 0), for date arithmetic in integers. */
export interface ExactDecimal {
  negative: boolean;
  units: bigint;
  scale: number;
}

/** The stored number text `v` as an exact decimal fraction; undefined if it is no number. */
export function exactDecimal(v: string): ExactDecimal | undefined {
  const d = splitDecimal(v);
  if (!d) return undefined;
  const scale = d.digits.length - d.point;
  if (scale >= 0) return { negative: d.negative, units: BigInt(d.digits), scale };
  return { negative: d.negative, units: BigInt(d.digits + '0'.repeat(-scale)), scale: 0 };
}
