/**
 * What leaves onecode of a personal value, per exit (a role of the API, a feed, an export): one of
 * four policies (issue 10) applied to a value of a known kind.
 * - `clear`: the value as stored;
 * - `mask`: the documented pattern of its kind (masks.ts);
 * - `pseudonymise`: HMAC-SM3 under the key (pseudonymise.ts): stable, joins;
 * - `drop`: the value is left out (undefined).
 */
import { maskAddress, maskBirthDate, maskIdNumber, maskPersonName, maskPhone } from './masks.ts';
import { pseudonymise } from './pseudonymise.ts';

export const EXIT_POLICIES = ['clear', 'mask', 'pseudonymise', 'drop'] as const;
export type ExitPolicy = (typeof EXIT_POLICIES)[number];

/** Kinds of personal value, each with its mask. */
export type PersonalKind = 'id_number' | 'person_name' | 'phone' | 'address' | 'birth_date';

/**
 * The canonical fields that are personal unless a pipeline says otherwise, and their kind: the
 * resident identity number, a person's name, phone, address, birth date, and a legal
 * representative's name and ID number (GB/T 35273-2020 Annex A, personal information; the ID
 * number is sensitive, Annex B).
 */
export const PERSONAL_FIELDS = {
  id_number: 'id_number',
  name: 'person_name',
  phone: 'phone',
  address: 'address',
  birth_date: 'birth_date',
  legal_representative: 'person_name',
  legal_representative_id_number: 'id_number',
} as const satisfies Record<string, PersonalKind>;

const MASKS: Record<PersonalKind, (value: string) => string> = {
  id_number: maskIdNumber,
  person_name: maskPersonName,
  phone: maskPhone,
  address: maskAddress,
  birth_date: maskBirthDate,
};

/**
 * A personal value as it may leave under `policy`; null stays null.
 * @param key the pseudonymisation key (key-file.ts); needed for `pseudonymise`.
 * @returns the value to show, or undefined when it is dropped.
 * @throws RangeError for `pseudonymise` without a key of 16 bytes or more.
 */
export function protectValue(value: string | null, kind: PersonalKind, policy: ExitPolicy, key?: Buffer): string | null | undefined {
  if (policy === 'drop') return undefined;
  if (value === null || policy === 'clear') return value;
  if (policy === 'mask') return MASKS[kind](value);
  if (key === undefined) throw new RangeError('pseudonymise needs a key (ONECODE_PSEUDONYM_KEY_FILE)');
  return pseudonymise(value, key);
}
