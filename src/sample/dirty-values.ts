/**
 * Pure transforms that make one identifier dirty in exactly one way. Each takes a clean code
 * and returns the dirty text plus, where there are several, the sub-form used.
 */
import { USCC_ALPHABET, residentIdCheckCharacter } from '../identifiers/check-characters.ts';
import { chineseDate, compactDate, dateParts, dayNumber, excelSerialDate, isoDate, slashDate } from './dates.ts';
import type { InjectionKind } from './injections.ts';
import type { Prng } from './prng.ts';

/** The kinds that act on an identifier value. */
export type IdentifierInjectionKind = Extract<
  InjectionKind,
  'legacy15Id' | 'lowerCase' | 'fullWidth' | 'surroundingSpaces' | 'wrongCheckCharacter' | 'impossibleBirthDate' | 'missingCode'
>;

/** Identifier kinds that apply to resident identity numbers, constrained ones first. */
export const RESIDENT_ID_INJECTION_KINDS: readonly IdentifierInjectionKind[] = [
  'lowerCase',
  'legacy15Id',
  'impossibleBirthDate',
  'fullWidth',
  'surroundingSpaces',
  'wrongCheckCharacter',
  'missingCode',
];

/** Identifier kinds that apply to USCCs, constrained ones first. */
export const USCC_INJECTION_KINDS: readonly IdentifierInjectionKind[] = [
  'lowerCase',
  'fullWidth',
  'surroundingSpaces',
  'wrongCheckCharacter',
  'missingCode',
];

/**
 * The 15-digit form of an 18-digit resident identity number (GB 11643-1989): the century
 * `19` and the check character dropped. @throws RangeError if not born in the 1900s.
 */
export function legacy15(idNumber: string): string {
  if (idNumber.slice(6, 8) !== '19') throw new RangeError('only persons born 1900–1999 had 15-digit numbers');
  return idNumber.slice(0, 6) + idNumber.slice(8, 17);
}

/** ASCII digits and letters to their full-width forms (U+FF10…, U+FF21…, U+FF41…). */
export function toFullWidth(code: string): string {
  return code.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}

/** The code with spaces around it: leading, trailing or both, one or two each. */
export function withSurroundingSpaces(rng: Prng, code: string): { value: string; form: string } {
  const form = rng.pick(['leading', 'trailing', 'both'] as const);
  const pad = (): string => ' '.repeat(rng.between(1, 2));
  const value = form === 'leading' ? pad() + code : form === 'trailing' ? code + pad() : pad() + code + pad();
  return { value, form };
}

/** The code with its last character replaced by another character of `alphabet`. */
export function withWrongCheckCharacter(rng: Prng, code: string, alphabet: string): string {
  const right = code.slice(-1);
  const others = [...alphabet].filter((c) => c !== right);
  return code.slice(0, -1) + rng.pick(others);
}

/** Forms of impossible birth date. */
export const IMPOSSIBLE_BIRTH_DATE_FORMS = ['february30', 'april31', 'month13', 'nonLeapFebruary29'] as const;

/**
 * An identity number whose birth date does not exist, with a correct check character so that
 * the date is the only fault: MMDD `0230` or `0431`, month `13`, or `19000229`.
 */
export function withImpossibleBirthDate(rng: Prng, idNumber: string): { value: string; form: string } {
  const form = rng.pick(IMPOSSIBLE_BIRTH_DATE_FORMS);
  const year = idNumber.slice(6, 10);
  const day = idNumber.slice(12, 14);
  const date = {
    february30: `${year}0230`,
    april31: `${year}0431`,
    month13: `${year}13${day}`,
    nonLeapFebruary29: '19000229',
  }[form];
  const body = idNumber.slice(0, 6) + date + idNumber.slice(14, 17);
  return { value: body + residentIdCheckCharacter(body), form };
}

/** True if the kind can make `code` dirty (lower case needs a letter to lower). */
export function identifierKindApplies(kind: IdentifierInjectionKind, code: string, type: 'residentId' | 'uscc'): boolean {
  if (kind === 'lowerCase') return type === 'residentId' ? code.endsWith('X') : /[A-Z]/.test(code);
  if (kind === 'legacy15Id') return type === 'residentId' && code.slice(6, 8) === '19';
  if (kind === 'impossibleBirthDate') return type === 'residentId';
  return true;
}

/**
 * Applies one identifier kind to a clean code.
 * @param type resident identity number or USCC; picks the alphabet for a wrong check character.
 * @throws RangeError if the kind does not apply (see {@link identifierKindApplies}).
 */
export function dirtyIdentifier(
  rng: Prng,
  kind: IdentifierInjectionKind,
  code: string,
  type: 'residentId' | 'uscc',
): { value: string; form?: string } {
  if (!identifierKindApplies(kind, code, type)) throw new RangeError(`${kind} does not apply to ${code}`);
  switch (kind) {
    case 'legacy15Id':
      return { value: legacy15(code) };
    case 'lowerCase':
      return { value: code.toLowerCase() };
    case 'fullWidth':
      return { value: toFullWidth(code) };
    case 'surroundingSpaces':
      return withSurroundingSpaces(rng, code);
    case 'wrongCheckCharacter':
      return { value: withWrongCheckCharacter(rng, code, type === 'residentId' ? '0123456789X' : USCC_ALPHABET) };
    case 'impossibleBirthDate':
      return withImpossibleBirthDate(rng, code);
    case 'missingCode':
      return { value: '' };
  }
}

/** Forms of a non-ISO date: `2024/3/1`, `20240301`, `2024年3月1日`, Excel serial `45352`. */
export const NON_ISO_DATE_FORMS = ['slash', 'compact', 'chinese', 'excelSerial'] as const;

/** A day written in one of {@link NON_ISO_DATE_FORMS}, chosen uniformly. */
export function nonIsoDate(rng: Prng, day: number): { value: string; form: (typeof NON_ISO_DATE_FORMS)[number] } {
  const form = rng.pick(NON_ISO_DATE_FORMS);
  const write = { slash: slashDate, compact: compactDate, chinese: chineseDate, excelSerial: excelSerialDate }[form];
  return { value: write(day), form };
}

/** The other value of a 性别 column: `男` ↔ `女`. */
export function otherSex(sex: '男' | '女'): '男' | '女' {
  return sex === '男' ? '女' : '男';
}

/** Forms of a stated birth date that is a different real day from the true one. */
export const BIRTH_DATE_MISMATCH_FORMS = ['dayShift', 'yearShift', 'monthDaySwap'] as const;

/**
 * A real day other than `day`, as a clerk might mistype it: a few days off (`dayShift`, 1–3
 * days either way), the same month and day a year off (`yearShift`; not for 29 February), or
 * month and day swapped (`monthDaySwap`; only when the day is 1–12 and differs from the month).
 * A form that does not apply falls back to `dayShift`.
 * @returns the ISO date written and the form used.
 */
export function withBirthDateMismatch(rng: Prng, day: number): { value: string; form: (typeof BIRTH_DATE_MISMATCH_FORMS)[number] } {
  const { year, month, day: dom } = dateParts(day);
  const pad2 = (n: number): string => String(n).padStart(2, '0');
  let form = rng.pick(BIRTH_DATE_MISMATCH_FORMS);
  if (form === 'yearShift' && month === 2 && dom === 29) form = 'dayShift';
  if (form === 'monthDaySwap' && (dom > 12 || dom === month)) form = 'dayShift';
  if (form === 'yearShift') return { value: `${year + (rng.chance(0.5) ? 1 : -1)}-${pad2(month)}-${pad2(dom)}`, form };
  if (form === 'monthDaySwap') return { value: isoDate(dayNumber(`${year}-${pad2(dom)}-${pad2(month)}`)), form };
  return { value: isoDate(day + rng.pick([-3, -2, -1, 1, 2, 3])), form };
}
