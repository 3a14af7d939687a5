/**
 * fast-check generators of valid identifiers and of the ways real data spoils them, shared by
 * the property tests and the SQL differential test. Check characters come from the tests' own
 * implementations of the standards (reference-check-characters.ts), never from the project's
 * code, so a property can disagree with what the project computes.
 */
import fc from 'fast-check';
import {
  gb11714CheckCharacter,
  gb32100CheckCharacter,
  mod11x10CheckDigit,
  mod11x2CheckCharacter,
  USCC_CHARACTERS,
} from './reference-check-characters.ts';
import { EARLIEST_BIRTH_DATE } from '../../src/identifiers/birth-date.ts';
import { isIsoNumeric } from '../../src/identifiers/nationality-codes.ts';
import { isProvinceCode, PROVINCE_CODES, RESIDENCE_PERMIT_ADDRESS_CODES } from '../../src/identifiers/province-codes.ts';
import { knownRegionCodes, NATIONAL_REGISTERING_OFFICE_CODE } from '../../src/identifiers/region-codes.ts';

/** The run date every test judges birth dates against. */
export const RUN_DATE = '2024-06-01';

const DAY_MS = 86_400_000;
const DIGITS = '0123456789';
const BASE_36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `n` characters drawn from `alphabet`. */
export function charsFrom(alphabet: string, n: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...alphabet), minLength: n, maxLength: n });
}
export const digits = (n: number): fc.Arbitrary<string> => charsFrom(DIGITS, n);

/** A real calendar date between two `YYYY-MM-DD` dates (inclusive), as `YYYYMMDD`. */
export function compactDateBetween(from: string, to: string): fc.Arbitrary<string> {
  return fc
    .integer({ min: Date.parse(from) / DAY_MS, max: Date.parse(to) / DAY_MS })
    .map((day) => new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, ''));
}

const withResidentCheck = (body: string): string => body + mod11x2CheckCharacter(body);
const birthDate = compactDateBetween(EARLIEST_BIRTH_DATE, RUN_DATE);
const province = fc.constantFrom(...PROVINCE_CODES);

/** GB/T 2260 codes a citizen's address code can be (known, of a known province, not a permit code). */
export const CITIZEN_ADDRESS_CODES: readonly string[] = [...knownRegionCodes()].filter(
  (code) => isProvinceCode(code.slice(0, 2)) && !RESIDENCE_PERMIT_ADDRESS_CODES.has(code),
);
const citizenAddress = fc.constantFrom(...CITIZEN_ADDRESS_CODES);

/** Six digits that are not a known GB/T 2260 code but start with a real province code. */
export const unknownAddressCode = fc
  .tuple(province, digits(4))
  .map(([p, rest]) => p + rest)
  .filter((code) => !knownRegionCodes().has(code) && !RESIDENCE_PERMIT_ADDRESS_CODES.has(code));

/** ISO 3166-1 numeric codes a foreigner's nationality can be (China's 156 excluded). */
const NATIONALITY_NUMERIC = Array.from({ length: 999 }, (_, i) => String(i + 1).padStart(3, '0')).filter((code) => isIsoNumeric(code) && code !== '156');

/** Valid 18-character citizen numbers (GB 11643-1999): known address code, real date, any sequence. */
export const validCitizenId = fc
  .tuple(citizenAddress, birthDate, digits(3))
  .map(([address, date, sequence]) => withResidentCheck(address + date + sequence));

/** Valid residence-permit numbers for Hong Kong, Macao and Taiwan residents. */
export const validResidencePermitId = fc
  .tuple(fc.constantFrom(...RESIDENCE_PERMIT_ADDRESS_CODES.keys()), birthDate, digits(3))
  .map(([address, date, sequence]) => withResidentCheck(address + date + sequence));

/** Valid 2023 foreigner permanent residence numbers: 9, province, ISO 3166-1 numeric nationality, date, sequence. */
export const validForeignerId = fc
  .tuple(province, fc.constantFrom(...NATIONALITY_NUMERIC), birthDate, digits(3))
  .map(([p, nationality, date, sequence]) => withResidentCheck(`9${p}${nationality}${date}${sequence}`));

/** Every valid 18-character kind. */
export const validResidentId = fc.oneof(validCitizenId, validResidencePermitId, validForeignerId);

/** Valid 15-digit numbers of GB 11643-1989 (birth dates 1900-1999, known address code). */
export const validOldResidentId = fc
  .tuple(citizenAddress, compactDateBetween('1900-01-01', '1999-12-31'), digits(3))
  .map(([address, date, sequence]) => address + date.slice(2) + sequence);

/** Valid unified social credit codes: any authority/category, known registering office, valid organisation code. */
export const validUscc = fc
  .tuple(charsFrom(USCC_CHARACTERS, 2), fc.constantFrom(...knownRegionCodes(), NATIONAL_REGISTERING_OFFICE_CODE), charsFrom(USCC_CHARACTERS, 8))
  .map(([head, region, body]) => {
    const first17 = head + region + body + gb11714CheckCharacter(body);
    return first17 + gb32100CheckCharacter(first17);
  });

/** Valid organisation codes (GB 11714-1997), without the hyphen. */
export const validOrganizationCode = charsFrom(BASE_36, 8).map((body) => body + gb11714CheckCharacter(body));

/** Valid business registration numbers (GS 15-2006). */
export const validBusinessRegistrationNumber = digits(14).map((body) => body + mod11x10CheckDigit(body));

/** Every value that differs from `value` in exactly one position, the new character from `alphabet`. */
export function singleSubstitutions(value: string, alphabet: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    for (const ch of alphabet) if (ch !== value[i]) out.push(value.slice(0, i) + ch + value.slice(i + 1));
  }
  return out;
}

/** `value` with positions i and j (0-based) swapped. */
export function swap(value: string, i: number, j: number): string {
  const chars = [...value];
  [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  return chars.join('');
}

/** Every swap of two adjacent, different characters. */
export function adjacentTranspositions(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < value.length; i++) if (value[i] !== value[i + 1]) out.push(swap(value, i, i + 1));
  return out;
}

const toFullWidth = (value: string): string =>
  value.replace(/[0-9A-Za-z]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));

/** Ways real exports spoil a canonical value without changing what it means. */
export const dirtyVariant = (value: string): fc.Arbitrary<string> =>
  fc.constantFrom(
    value.toLowerCase(),
    ` ${value} `,
    `\u3000${value}\t`,
    `${value.slice(0, 6)} ${value.slice(6)}`,
    toFullWidth(value),
    toFullWidth(value.toLowerCase()),
  );
