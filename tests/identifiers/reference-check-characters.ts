/**
 * A second, deliberately simple implementation of every check character, written in the tests
 * from the standards' own text and sharing nothing with src/identifiers/check-characters.ts (no
 * weight tables, alphabets or lookup strings are imported from it). The generators of "valid"
 * identifiers (arbitraries.ts) build their values with these, so a fault in the project's
 * arithmetic makes the property tests fail instead of agreeing with it. Each function is checked
 * against published vectors in reference-check-characters.test.ts.
 */

/** Value of a digit or upper-case Latin letter as the standards count it: 0-9, then A=10 … Z=35. */
function base36(ch: string): number {
  const code = ch.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  throw new RangeError(`'${ch}' is not a digit or an upper-case letter`);
}

/**
 * GB 11643-1999 §5.5 and its appendix, ISO 7064 MOD 11-2: number the 18 positions from the right,
 * i = 1 for the check character; weight W_i = 2^(i-1) mod 11; the check value a_1 is the one that
 * makes Σ a_i·W_i ≡ 1 (mod 11), written X when it is 10. Found by trying each of the 11 values,
 * as the standard's formula reads, not by a lookup table.
 */
export function mod11x2CheckCharacter(body17: string): string {
  if (!/^\d{17}$/.test(body17)) throw new RangeError('17 digits expected');
  let sum = 0;
  for (let k = 0; k < 17; k++) {
    const i = 18 - k; // position counted from the right, the check character being i = 1
    sum += Number(body17[k]) * (2 ** (i - 1) % 11);
  }
  for (let a1 = 0; a1 <= 10; a1++) {
    if ((sum + a1) % 11 === 1) return a1 === 10 ? 'X' : String(a1);
  }
  throw new Error('unreachable: some a1 in 0..10 satisfies the congruence');
}

/** GB 32100-2015 table 1: the 31 characters of the code and their values, in order 0 … 30 (no I, O, Z, S, V). */
const GB_32100_CHARACTERS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/**
 * GB 32100-2015 §5 (appendix B): C18 = 31 − MOD(Σ C_i·W_i, 31) for i = 1..17, W_i = 3^(i−1) mod 31
 * (computed here by multiplying by 3, not read from a table); a result of 31 is written 0.
 */
export function gb32100CheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new RangeError('17 characters expected');
  let sum = 0;
  let weight = 1; // 3^0
  for (const ch of first17) {
    const value = GB_32100_CHARACTERS.indexOf(ch);
    if (value < 0) throw new RangeError(`'${ch}' is not a GB 32100 character`);
    sum += value * weight;
    weight = (weight * 3) % 31;
  }
  const c18 = 31 - (sum % 31);
  return GB_32100_CHARACTERS[c18 === 31 ? 0 : c18]!;
}

/** GB 32100-2015 table 1, for generators: every character a code may hold. */
export const USCC_CHARACTERS = GB_32100_CHARACTERS;

/**
 * GB 11714-1997 §5: C9 = 11 − MOD(Σ C_i·W_i, 11), weights 3, 7, 9, 10, 5, 8, 4, 2, letters
 * A=10 … Z=35; C9 = 10 is written X and C9 = 11 is written 0.
 */
export function gb11714CheckCharacter(first8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(first8)) throw new RangeError('8 digits or upper-case letters expected');
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first8].reduce((total, ch, i) => total + base36(ch) * weights[i]!, 0);
  const c9 = 11 - (sum % 11);
  return c9 === 10 ? 'X' : c9 === 11 ? '0' : String(c9);
}

/**
 * ISO 7064 MOD 11,10 (hybrid system), as GS 15-2006 uses it for business registration numbers:
 * start with P = 10; for each digit a (the check digit included), S = (P mod 11) + a, reduced
 * mod 10 with 0 read as 10, then P = 2·S; the number is right when the last S mod 10 is 1. The
 * check digit is the one of 0-9 that makes it so.
 */
export function mod11x10CheckDigit(body14: string): string {
  if (!/^\d{14}$/.test(body14)) throw new RangeError('14 digits expected');
  const lastS = (digits: string): number => {
    let p = 10;
    let s = 0;
    for (const d of digits) {
      s = ((p % 11) + Number(d)) % 10 || 10;
      p = 2 * s;
    }
    return s % 10;
  };
  for (let check = 0; check <= 9; check++) if (lastS(body14 + check) === 1) return String(check);
  throw new Error('unreachable: exactly one check digit satisfies MOD 11,10');
}

/**
 * ICAO Doc 9303 part 3 §4.9, the check digit of machine-readable travel documents: values
 * 0-9, A=10 … Z=35, `<` = 0; weights 7, 3, 1 repeated from the first character; sum mod 10.
 */
export function icao9303CheckDigit(text: string): string {
  let sum = 0;
  [...text].forEach((ch, i) => {
    sum += (ch === '<' ? 0 : base36(ch)) * [7, 3, 1][i % 3]!;
  });
  return String(sum % 10);
}
