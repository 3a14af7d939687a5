/**
 * Synthetic residents of Fujian with valid resident identity numbers (GB 11643-1999).
 */
import { residentIdCheckCharacter } from '../identifiers/check-characters.ts';
import { compactDate, dayNumber, isoDate } from './dates.ts';
import { personName } from './names.ts';
import type { Prng } from './prng.ts';
import type { Region } from './regions.ts';

/** A synthetic person. */
export interface Person {
  /** Position in the generated population (0-based). */
  index: number;
  /** 18-character resident identity number, upper-case check character. */
  idNumber: string;
  /** Name as the accounting registry writes it. */
  name: string;
  /** From the parity of the sequence code (GB 11643-1999 §6.3: odd = male). */
  sex: 'male' | 'female';
  /** ISO date, equal to positions 7–14 of the identity number. */
  birthDate: string;
  /** Day number of the birth date. */
  birthDay: number;
  /** County of the address code. */
  region: Region;
  /** 11-digit mobile number. */
  mobile: string;
}

/** Earliest and latest birth dates of the synthetic population. */
export const BIRTH_DATE_RANGE = { from: '1950-01-01', to: '2005-12-31' } as const;

/**
 * An 18-character resident identity number (GB 11643-1999 §6: address code, birth date,
 * sequence code, ISO 7064 MOD 11-2 check character).
 * @param regionCode six-digit GB/T 2260 county code.
 * @param birthDate `YYYYMMDD`.
 * @param sequence 1–999; odd for men, even for women.
 */
export function residentIdNumber(regionCode: string, birthDate: string, sequence: number): string {
  const body = `${regionCode}${birthDate}${String(sequence).padStart(3, '0')}`;
  return body + residentIdCheckCharacter(body);
}

/** Mobile number prefixes (three digits) the sample uses. */
export const MOBILE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '158', '159', '176', '177', '180', '186', '187', '188', '189', '199'];

/** An 11-digit mobile number from a common prefix. */
export function mobileNumber(rng: Prng): string {
  return rng.pick(MOBILE_PREFIXES) + String(rng.below(100_000_000)).padStart(8, '0');
}

/**
 * Generates `count` persons with distinct identity numbers, born in {@link BIRTH_DATE_RANGE}
 * and registered in one of `counties`.
 */
export function generatePersons(rng: Prng, count: number, counties: readonly Region[]): Person[] {
  const first = dayNumber(BIRTH_DATE_RANGE.from);
  const last = dayNumber(BIRTH_DATE_RANGE.to);
  const seen = new Set<string>();
  const persons: Person[] = [];
  while (persons.length < count) {
    const region = rng.pick(counties);
    const birthDay = rng.between(first, last);
    const sequence = rng.between(1, 999);
    const idNumber = residentIdNumber(region.code, compactDate(birthDay), sequence);
    if (seen.has(idNumber)) continue;
    seen.add(idNumber);
    persons.push({
      index: persons.length,
      idNumber,
      name: personName(rng),
      sex: sequence % 2 === 1 ? 'male' : 'female',
      birthDate: isoDate(birthDay),
      birthDay,
      region,
      mobile: mobileNumber(rng),
    });
  }
  return persons;
}
