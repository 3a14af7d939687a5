/**
 * Classifier for resident identity numbers: citizens (GB 11643-1999, and the 15-digit form of
 * GB 11643-1989), residence permits for Hong Kong, Macao and Taiwan residents, and the 2023
 * foreigner permanent residence card number of the National Immigration Administration.
 */
import { checkBirthDate, toCalendarDate } from './birth-date.ts';
import { residentIdCheckCharacter } from './check-characters.ts';
import { firstDisallowed, invalidResult, judgedResult } from './classification-result.ts';
import { alpha3OfNumeric, CHINA_NUMERIC } from './nationality-codes.ts';
import { normalizeInput } from './normalize-input.ts';
import { isProvinceCode, RESIDENCE_PERMIT_ADDRESS_CODES } from './province-codes.ts';
import { isKnownRegionCode } from './region-codes.ts';
import { reason } from './reason-codes.ts';
import type { Classification, Reason, ResidentIdSubtype } from './types.ts';

/** Options of {@link classifyResidentId}. */
export interface ResidentIdOptions {
  /** Date the data is judged at: birth dates after it are invalid. `YYYY-MM-DD`, or a Date read in UTC+8. */
  runDate: Date | string;
}

const SHAPE_18 = /^\d{17}[\dX]$/;
const SHAPE_15 = /^\d{15}$/;

/**
 * Classifies a resident identity number.
 *
 * 18 characters (GB 11643-1999 §5.1): 6-digit address code (§5.2, GB/T 2260), 8-digit birth
 * date YYYYMMDD (§5.3), 3-digit sequence code, odd for men (§5.4), check character (§5.5,
 * ISO 7064 MOD 11-2, `0`–`9` or `X`). Subtypes:
 * - `citizen`: the first two digits are a GB/T 2260 province-level code (else invalid,
 *   `unknown_province`) and the six-digit address code is a GB/T 2260 code of any year since
 *   1980 (`region-codes.ts`; a code abolished since is valid: numbers keep the code they were
 *   assigned), else nonconforming, `region_code_unknown` (mistyped, or newer than the table);
 * - `hk_macao_residence_permit` / `taiwan_residence_permit`: address code 810000, 820000 or
 *   830000 (residence permits for Hong Kong, Macao and Taiwan residents, 2018); no table check;
 * - `foreign_permanent_resident` (National Immigration Administration, 2023 foreigner permanent
 *   residence card): `9`, 2-digit province code of the issuing place (`unknown_province`),
 *   3-digit ISO 3166-1 numeric nationality code (000 and China's 156 are invalid,
 *   `invalid_nationality_code`; a code not in the ISO table is nonconforming,
 *   `nationality_code_unknown`), birth date, 3-digit sequence, MOD 11-2 check. Its
 *   `regionCode` is the issuing province's code padded to 6 digits, `nationality` the alpha-3 code.
 *
 * 15 digits (GB 11643-1989): address code, birth date YYMMDD in the 1900s, sequence code. A valid
 * one (same province and address-code rules as a citizen's) is upgraded to the GB 11643-1999 form (insert `19` before the year, append the MOD 11-2
 * check character): `normalized` is the 18-character number, `alias` the 15-digit one.
 *
 * Birth dates must exist, not be after `runDate`, and not be before `EARLIEST_BIRTH_DATE`.
 * Every failed rule gives one reason (`unknown_province`, `invalid_nationality_code`,
 * `region_code_unknown`, `nationality_code_unknown`,
 * `birth_date_impossible`, `birth_date_in_future`, `birth_date_too_early`,
 * `check_character_mismatch`, `invalid_character`, `wrong_length`, `empty`).
 * @throws RangeError only if `runDate` itself is invalid.
 */
export function classifyResidentId(input: string, { runDate }: ResidentIdOptions): Classification {
  const runDay = toCalendarDate(runDate);
  const { value, notes } = normalizeInput(input);
  if (SHAPE_18.test(value)) return classify18(input, value, renameLowercaseNote(notes), runDay);
  if (SHAPE_15.test(value)) return classify15(input, value, notes, runDay);
  return invalidResult(input, 'resident_id', [shapeFailure(value)], notes);
}

function classify18(input: string, value: string, notes: Reason[], runDay: string): Classification {
  const failures: Reason[] = [];
  const deviations: Reason[] = [];
  const address = value.slice(0, 6);
  let subtype: ResidentIdSubtype;
  let regionCode = address;
  let nationality: string | undefined;

  const permit = RESIDENCE_PERMIT_ADDRESS_CODES.get(address);
  if (permit) {
    subtype = permit;
  } else if (value[0] === '9') {
    subtype = 'foreign_permanent_resident';
    const province = value.slice(1, 3);
    regionCode = `${province}0000`;
    if (!isProvinceCode(province)) {
      failures.push(reason('unknown_province', 'foreigner permanent residence number: issuing province code (positions 2-3) is not a GB/T 2260 province-level code'));
    }
    const numeric = value.slice(3, 6);
    nationality = alpha3OfNumeric(numeric) ?? numeric;
    if (numeric === '000' || numeric === CHINA_NUMERIC) {
      failures.push(reason('invalid_nationality_code', 'foreigner permanent residence number: nationality code (positions 4-6) cannot be a foreigner\'s nationality'));
    } else if (alpha3OfNumeric(numeric) === undefined) {
      deviations.push(reason('nationality_code_unknown', 'foreigner permanent residence number: nationality code (positions 4-6) is not an ISO 3166-1 numeric code'));
    }
  } else {
    subtype = 'citizen';
    checkAddressCode(address, failures, deviations);
  }

  const birth = checkBirthDate(value.slice(6, 14), runDay, '7-14');
  if ('failure' in birth) failures.push(birth.failure);

  const expected = residentIdCheckCharacter(value.slice(0, 17));
  if (value[17] !== expected) {
    failures.push(reason('check_character_mismatch', 'check character (position 18) does not match the ISO 7064 MOD 11-2 check of positions 1-17'));
  }

  if ('failure' in birth) return invalidResult(input, 'resident_id', [...failures, ...deviations], notes);
  return judgedResult(input, 'resident_id', value, { failures, deviations, notes }, {
    subtype,
    birthDate: birth.date,
    sex: sexOf(value[16]!),
    regionCode,
    ...(nationality === undefined ? {} : { nationality }),
  });
}

/** GB 11643-1999 §5.2: the province must exist (else a failure); the county should be in the table (else a deviation). */
function checkAddressCode(address: string, failures: Reason[], deviations: Reason[]): void {
  if (!isProvinceCode(address.slice(0, 2))) {
    failures.push(reason('unknown_province', 'address code (positions 1-6) does not start with a GB/T 2260 province-level code (nor is it a residence-permit code 810000/820000/830000)'));
  } else if (!isKnownRegionCode(address)) {
    deviations.push(reason('region_code_unknown', 'address code (positions 1-6) is not among the GB/T 2260 codes in force at any time since 1980: mistyped, or newer than the table'));
  }
}

function classify15(input: string, value: string, notes: Reason[], runDay: string): Classification {
  const failures: Reason[] = [];
  const deviations: Reason[] = [];
  const address = value.slice(0, 6);
  checkAddressCode(address, failures, deviations);
  const birth = checkBirthDate(`19${value.slice(6, 12)}`, runDay, '7-12, year read as 19YY');
  if ('failure' in birth) failures.push(birth.failure);
  if (failures.length > 0 || 'failure' in birth) return invalidResult(input, 'resident_id', [...failures, ...deviations], notes);

  const body = `${address}19${value.slice(6)}`;
  const upgraded = body + residentIdCheckCharacter(body);
  return judgedResult(input, 'resident_id', upgraded, {
    failures,
    deviations,
    notes: [
      ...notes,
      reason('upgraded_from_15_digits', '15-digit GB 11643-1989 number upgraded to its 18-character form: 19 inserted before the year, check character computed'),
    ],
  }, {
    subtype: 'citizen',
    alias: value,
    birthDate: birth.date,
    sex: sexOf(value[14]!),
    regionCode: address,
  });
}

/** In a value of the right shape the only letter is the check character, so name the note precisely. */
function renameLowercaseNote(notes: Reason[]): Reason[] {
  return notes.map((note) =>
    note.code === 'lowercase_normalised' ? reason('lowercase_x_normalised', 'the check character x was converted to X') : note,
  );
}

function shapeFailure(value: string): Reason {
  if (value === '') return reason('empty', 'the value is empty');
  if (value.length === 18) {
    const bad = firstDisallowed(value, (ch, i) => /\d/.test(ch) || (i === 17 && ch === 'X'));
    return reason('invalid_character', `${bad} is not allowed: positions 1-17 are digits, position 18 is a digit or X`);
  }
  if (value.length === 15) {
    const bad = firstDisallowed(value, (ch) => /\d/.test(ch));
    return reason('invalid_character', `${bad} is not allowed: a 15-character resident identity number is all digits`);
  }
  return reason('wrong_length', `a resident identity number has 18 characters (or 15 digits in the 1989 form), found ${value.length}`);
}

function sexOf(sequenceDigit: string): 'male' | 'female' {
  return Number(sequenceDigit) % 2 === 1 ? 'male' : 'female';
}
