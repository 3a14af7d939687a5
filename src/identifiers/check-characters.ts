/**
 * Check-character arithmetic for the identifiers onecode indexes. Pure functions over ASCII
 * strings that are already normalised (upper case, no spaces); they do not validate shape.
 * Each throws a RangeError if given a character outside its alphabet, so callers check the
 * shape first.
 */

/** ISO 7064 MOD 11-2 weights for positions 1..17 (2^(18-i) mod 11), GB 11643-1999 §5.5. */
export const MOD_11_2_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Check character for each value of the weighted sum mod 11 (GB 11643-1999, ISO 7064 MOD 11-2). */
export const MOD_11_2_CHECK = '10X98765432';

/**
 * Check character of a resident identity number (GB 11643-1999 §5.5, ISO 7064 MOD 11-2).
 * @param first17 the 17-digit body (address code, birth date, sequence code).
 * @returns one of `0`–`9` or `X`.
 */
export function residentIdCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('resident identity number body must be 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * MOD_11_2_WEIGHTS[i]!;
  return MOD_11_2_CHECK[sum % 11]!;
}

/**
 * The 31-character alphabet of the unified social credit code (GB 32100-2015 §4.3, table 1):
 * digits and upper-case letters without I, O, Z, S, V. A character's value is its index.
 */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Weights 3^(i-1) mod 31 for positions 1..17 of a USCC (GB 32100-2015 appendix B). */
export const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/**
 * Check character of a unified social credit code (GB 32100-2015 §5 and appendix B: weights
 * 3^(i-1) mod 31, check value 31 - (sum mod 31), where 31 maps to `0`).
 * @param first17 the first 17 characters, each in {@link USCC_ALPHABET}.
 */
export function usccCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new RangeError('USCC body must be 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_ALPHABET.indexOf(first17[i]!);
    if (value < 0) throw new RangeError(`'${first17[i]}' is not in the USCC alphabet`);
    sum += value * USCC_WEIGHTS[i]!;
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!;
}

/** Weights for positions 1..8 of an organisation code (GB 11714-1997 §5). */
export const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/**
 * Check character of an organisation code (GB 11714-1997 §5: body of 8 digits or upper-case
 * letters, A=10 … Z=35, weights 3 7 9 10 5 8 4 2, check = 11 - (sum mod 11), 10 → `X`,
 * 11 → `0`).
 * @param first8 the 8-character body.
 */
export function organizationCodeCheckCharacter(first8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(first8)) throw new RangeError('organisation code body must be 8 digits or upper-case letters');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(first8[i]!, 36) * ORG_CODE_WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

/** Weights of the ICAO Doc 9303 check digit, repeated from the first character: 7, 3, 1, 7, 3, 1 … */
export const ICAO_9303_WEIGHTS = [7, 3, 1] as const;

/**
 * Check digit of a 2017 foreigner permanent residence card number (position 15), computed over
 * positions 1-14 as the check digits of machine-readable travel documents are (ICAO Doc 9303
 * part 3 §4.9): each character's value (digits 0-9, letters A=10 … Z=35) times the weights
 * 7, 3, 1 repeated, summed, mod 10. No text of the Ministry of Public Security's 2017 rule was
 * found published; the rule reproduces the 2017 number the National Immigration Administration
 * printed in its 2023 adaptation notes (KAZ110090123105, check digit 5) and is the one other
 * validators use (tests/identifiers/foreign-permanent-residence.test.ts).
 * @param first14 3 upper-case letters and 11 digits.
 * @returns `0`–`9`.
 */
export function foreignPermanentResidence2017CheckDigit(first14: string): string {
  if (!/^[A-Z]{3}\d{11}$/.test(first14)) throw new RangeError('2017 foreigner permanent residence number body must be 3 letters and 11 digits');
  let sum = 0;
  for (let i = 0; i < 14; i++) sum += parseInt(first14[i]!, 36) * ICAO_9303_WEIGHTS[i % 3]!;
  return String(sum % 10);
}

/**
 * Check digit of a 15-digit business registration number (GS 15-2006 registration number
 * rules, ISO 7064 MOD 11,10 hybrid system).
 * @param first14 the 14-digit body.
 */
export function businessRegistrationNumberCheckDigit(first14: string): string {
  if (!/^\d{14}$/.test(first14)) throw new RangeError('business registration number body must be 14 digits');
  let product = 10;
  for (let i = 0; i < 14; i++) {
    let sum = (product + (first14.charCodeAt(i) - 48)) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  return String((11 - product) % 10);
}

/** The 36 characters of ISO 7064 MOD 37,36 (digits, then upper-case letters A-Z); a character's value is its index. */
export const MOD_37_36_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Check character of ISO 7064 MOD 37,36 (the hybrid system over 36 characters: M = 36; per
 * character p = (2 × (p' mod 36, 0 read as 36)) mod 37, starting at 36; the check character c makes
 * (p + c) mod 36 = 1). Electronic licence identifiers compute it over type code, issuer code, serial
 * and version, concatenated without their dots (licence-identifier.ts; the rule reproduces the
 * public identifiers listed in docs/licences.md).
 * @param body digits and upper-case letters A-Z, at least one.
 * @returns one of `0`–`9`, `A`–`Z`.
 */
export function mod37_36CheckCharacter(body: string): string {
  if (!/^[0-9A-Z]+$/.test(body)) throw new RangeError('an ISO 7064 MOD 37,36 body is digits and upper-case letters');
  let p = 36;
  for (const ch of body) {
    const s = (p + MOD_37_36_ALPHABET.indexOf(ch)) % 36;
    p = ((s === 0 ? 36 : s) * 2) % 37;
  }
  return MOD_37_36_ALPHABET[(37 - p) % 36]!;
}
