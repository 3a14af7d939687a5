/**
 * The stable `code` of every {@link Reason} the identifier classifiers emit, as a data table:
 * code → what it means. Failures make a value invalid; deviations make it nonconforming (kept,
 * flagged); notes accompany values that were normalised or deserve a second look; data-quality
 * flags come from {@link checkStatedFacts}, about a record rather than its identifier.
 */
import type { Reason } from './types.ts';

export const REASON_CODES = {
  // notes (the value was changed on the way to its canonical form)
  whitespace_trimmed: 'note: leading/trailing whitespace (including U+3000) was removed',
  whitespace_removed: 'note: whitespace inside the value was removed',
  fullwidth_normalised: 'note: full-width characters were converted to ASCII',
  lowercase_normalised: 'note: lower-case letters were converted to upper case',
  lowercase_x_normalised: 'note: the check character x was converted to X',
  hyphen_removed: 'note: the hyphen before the organisation code check character was removed',
  upgraded_from_15_digits: 'note: a 15-digit GB 11643-1989 number was upgraded to 18 characters',
  also_valid_resident_id: 'note: classified as a USCC because the field holds USCCs, but the value is also a valid resident identity number',
  authoritative_value_kept: 'note: the value fails a check but comes from an authoritative registry system, so it is kept as given, never corrected',
  // deviations (status nonconforming: kept, flagged for data stewards)
  region_code_unknown: 'the address code (resident id) or registering office code (USCC) is not among the GB/T 2260 codes in force at any time since 1980: mistyped, or newer than the table',
  licence_issuer_not_uscc: 'the issuer code of an electronic licence identifier is not a valid USCC (some issuers write a GB/T 2260 region code or an internal code)',
  nationality_code_unknown: 'the nationality code of a foreigner permanent residence number is not in the ISO 3166-1 table',
  // failures
  empty: 'the value is empty',
  unrecognised_shape: 'the value has the shape of no identifier kind',
  wrong_length: 'the value has the wrong number of characters',
  invalid_character: 'a character is not allowed at its position',
  character_not_in_alphabet: 'a character is outside the 31-character USCC alphabet',
  check_character_mismatch: 'the check character does not match the body',
  unknown_province: 'the address code does not start with a province-level code',
  invalid_nationality_code: 'the nationality code of a foreigner permanent residence number is 000 or China (156, CHN)',
  birth_date_impossible: 'the birth date does not exist in the calendar',
  birth_date_in_future: 'the birth date is after the run date',
  birth_date_too_early: 'the birth date is before the earliest accepted birth date',
  region_code_not_digits: 'positions 3-8 of a USCC (registering office region code) are not 6 digits',
  licence_prefix_missing: 'an electronic licence identifier does not start with 1.2.156.3005.2.',
  licence_part_missing: 'an electronic licence identifier lacks one of its five parts: type code, issuer code, serial, version, check character',
  organization_code_check_mismatch: 'the organisation code embedded in a USCC fails its check',
  // data-quality flags on a record (checkStatedFacts)
  stated_birth_date_mismatch: 'the birth date a source states differs from the one in the resident identity number',
  stated_sex_mismatch: 'the sex a source states differs from the one in the resident identity number',
} as const;

export type ReasonCode = keyof typeof REASON_CODES;

/** Builds a {@link Reason}; typed so only codes from {@link REASON_CODES} can be emitted. */
export function reason(code: ReasonCode, message: string): Reason {
  return { code, message };
}
