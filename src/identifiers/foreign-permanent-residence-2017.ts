/**
 * Classifier for the number of the 2017 foreigner permanent residence card (外国人永久居留身份证,
 * National Immigration Administration, issued 2017 to November 2023; still valid until expiry).
 */
import { checkBirthDate, toCalendarDate } from './birth-date.ts';
import { foreignPermanentResidence2017CheckDigit } from './check-characters.ts';
import { firstDisallowed, invalidResult, judgedResult } from './classification-result.ts';
import { CHINA_ALPHA_3, isIsoAlpha3 } from './nationality-codes.ts';
import { normalizeInput } from './normalize-input.ts';
import { isProvinceCode } from './province-codes.ts';
import { reason } from './reason-codes.ts';
import type { Classification, Reason } from './types.ts';

/** Options of {@link classifyForeignPermanentResidence2017}. */
export interface ForeignPermanentResidence2017Options {
  /** Date the data is judged at: a 2000s reading of the birth date after it does not count. `YYYY-MM-DD`, or a Date read in UTC+8. */
  runDate: Date | string;
}

const SHAPE = /^[A-Z]{3}\d{12}$/;

/**
 * Classifies a 2017 foreigner permanent residence card number: 15 characters, 3 Latin letters
 * and 12 digits (NIA, 2023 notice on the new card: "由 15 位（3 位拉丁字母+12 位数字）调整为
 * 18 位", the letters being the nationality, turned into a numeric code in the 2023 form).
 * Positions 4-7 are the place of issue, 8-13 the birth date YYMMDD, 14 a sequence digit and 15
 * the check digit (the layout other validators read; the NIA's published example
 * KAZ110090123105 fits it: Beijing 1100, born 901231, sequence 0, check digit 5).
 *
 * What is checked, and only that:
 * - positions 1-3: ISO 3166-1 alpha-3 nationality (= GB/T 2659); CHN is invalid
 *   (`invalid_nationality_code`), a code not in the ISO table is nonconforming
 *   (`nationality_code_unknown`);
 * - positions 4-5: GB/T 2260 province-level code of the issuing place (`unknown_province`);
 * - positions 8-13: birth date YYMMDD, a real date in the 1900s or the 2000s, not after the
 *   run date (`birth_date_impossible`; a 1900s reading is never in the future);
 * - position 15: check digit over positions 1-14, ICAO Doc 9303 weights 7-3-1, letters A=10 …
 *   Z=35, sum mod 10 (`check_character_mismatch`; see foreignPermanentResidence2017CheckDigit).
 * The century is ambiguous, so no `birthDate` or `sex` is derived. `regionCode` is the issuing
 * province padded to 6 digits, `nationality` the alpha-3 code. Lower case, full-width characters
 * and spaces are normalised with notes. Shape failures: `empty`, `wrong_length`,
 * `invalid_character`.
 * @throws RangeError only if `runDate` itself is invalid.
 */
export function classifyForeignPermanentResidence2017(input: string, { runDate }: ForeignPermanentResidence2017Options): Classification {
  const runDay = toCalendarDate(runDate);
  const { value, notes } = normalizeInput(input);
  const kind = 'foreign_permanent_residence_2017';
  if (!SHAPE.test(value)) return invalidResult(input, kind, [shapeFailure(value)], notes);

  const failures: Reason[] = [];
  const deviations: Reason[] = [];
  const nationality = value.slice(0, 3);
  if (nationality === CHINA_ALPHA_3) {
    failures.push(reason('invalid_nationality_code', 'nationality code CHN (positions 1-3) cannot be a foreigner\'s nationality'));
  } else if (!isIsoAlpha3(nationality)) {
    deviations.push(reason('nationality_code_unknown', 'nationality code (positions 1-3) is not an ISO 3166-1 alpha-3 code'));
  }
  const province = value.slice(3, 5);
  if (!isProvinceCode(province)) {
    failures.push(reason('unknown_province', 'issuing province code (positions 4-5) is not a GB/T 2260 province-level code'));
  }
  const yymmdd = value.slice(7, 13);
  const in2000s = checkBirthDate(`20${yymmdd}`, runDay, '8-13');
  const in1900s = checkBirthDate(`19${yymmdd}`, runDay, '8-13');
  // a 1900s date is never after the run date nor before 1880, so when neither reading holds the 1900s one says why
  if ('failure' in in2000s && 'failure' in in1900s) {
    failures.push({ ...in1900s.failure, message: `${in1900s.failure.message} (YYMMDD read as 19YY and as 20YY)` });
  }
  const expected = foreignPermanentResidence2017CheckDigit(value.slice(0, 14));
  if (value[14] !== expected) {
    failures.push(reason('check_character_mismatch', 'check digit (position 15) does not match the ICAO Doc 9303 7-3-1 check of positions 1-14'));
  }
  return judgedResult(input, kind, value, { failures, deviations, notes }, { regionCode: `${province}0000`, nationality });
}

function shapeFailure(value: string): Reason {
  if (value === '') return reason('empty', 'the value is empty');
  if (value.length !== 15) {
    return reason('wrong_length', `a 2017 foreigner permanent residence number has 15 characters, found ${value.length}`);
  }
  const bad = firstDisallowed(value, (ch, i) => (i < 3 ? /[A-Z]/.test(ch) : /\d/.test(ch)));
  return reason('invalid_character', `${bad} is not allowed: positions 1-3 are letters, positions 4-15 digits`);
}
