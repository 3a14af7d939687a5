/**
 * Province-level administrative division codes (GB/T 2260, first two digits of an address
 * code) and the address codes used by residence permits.
 */
import type { ResidentIdSubtype } from './types.ts';

/**
 * The 34 province-level codes of GB/T 2260: 31 mainland provinces, autonomous regions and
 * municipalities (11–65), Taiwan (71), Hong Kong (81) and Macao (82).
 */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82',
]);

/**
 * Address codes of residence permits for Hong Kong, Macao and Taiwan residents (Measures for
 * the Application and Issuance of Residence Permits for Hong Kong, Macao and Taiwan Residents,
 * General Office of the State Council, 2018): the permit number is a GB 11643-1999 number whose
 * address code is one of these.
 * 830000 is not a GB/T 2260 code; it exists only for these permits.
 */
export const RESIDENCE_PERMIT_ADDRESS_CODES: ReadonlyMap<string, ResidentIdSubtype> = new Map([
  ['810000', 'hk_macao_residence_permit'],
  ['820000', 'hk_macao_residence_permit'],
  ['830000', 'taiwan_residence_permit'],
]);

/** True when `code` (two digits) is a GB/T 2260 province-level code. */
export function isProvinceCode(code: string): boolean {
  return PROVINCE_CODES.has(code);
}
