/**
 * One value as it may leave under an exit policy, by its kind (personal-values.ts): the single
 * function the lookup guard (protect-document.ts) and the analysts' SQL functions
 * (protect-functions.ts) call, so a value looks the same in a lookup and in a query.
 */
import { classify } from '../identifiers/classify.ts';
import { MASK } from '../protect/masks.ts';
import { protectValue, type ExitPolicy } from '../protect/policy.ts';
import { pseudonymise } from '../protect/pseudonymise.ts';
import type { ValueKind } from './personal-values.ts';

/** Returned by {@link guardValue} for a value that is left out (the key or column goes). */
export const LEFT_OUT: unique symbol = Symbol('left out');

/**
 * Whether a code reads as a legal person's: a USCC (GB 32100-2015; valid or nonconforming) that is
 * not also a resident identity number (GB 11643-1999) of any status: a doubt protects.
 */
export function isLegalPersonCode(value: string): boolean {
  const runDate = new Date();
  return classify(value, { kind: 'resident_id', runDate }).status === 'invalid' && classify(value, { kind: 'uscc', runDate }).status !== 'invalid';
}

/**
 * A list of reasons (`{ code, field, message }`: data-quality flags, quarantine reasons) without
 * their messages, which may quote values: each item keeps only its `code` and `field`. A value
 * that is not a list of objects is left out.
 */
function reasonsWithoutMessages(value: unknown): unknown {
  if (!Array.isArray(value)) return LEFT_OUT;
  return value.map((item) => {
    if (item === null || typeof item !== 'object') return null;
    const { code, field } = item as Record<string, unknown>;
    return { code: code ?? null, ...(field !== undefined ? { field } : {}) };
  });
}

/**
 * `value` of `kind` as it may leave under `policy`:
 * - `clear` policy, and the kinds `clear`, `uscc`, `legacy_code`: the value as it is;
 * - a personal kind: src/protect/policy.ts protectValue (mask pattern, HMAC-SM3 pseudonym, drop);
 * - `code`: as a legal person's code when {@link isLegalPersonCode}, else as an `id_number`;
 * - `opaque`: every character masked (`*`, the length kept), the pseudonym, or dropped;
 * - `withheld`: dropped;
 * - `reasons`: the list without messages (under `drop` too: reasons are not personal).
 * NULL stays NULL except where the policy drops the value. A value that is not a string is
 * protected as its text.
 * @param key the pseudonymisation key (16 bytes or more), needed for `pseudonymise`.
 * @returns the value to show, or {@link LEFT_OUT}.
 * @throws RangeError for `pseudonymise` without a key.
 */
export function guardValue(value: unknown, kind: ValueKind, policy: ExitPolicy, key?: Buffer): unknown {
  if (policy === 'clear' || kind === 'clear' || kind === 'uscc' || kind === 'legacy_code') return value;
  if (kind === 'reasons') return value === null || value === undefined ? value : reasonsWithoutMessages(value);
  if (kind === 'code' && typeof value === 'string' && isLegalPersonCode(value)) return value;
  if (kind === 'withheld' || policy === 'drop') return LEFT_OUT;
  if (value === null || value === undefined) return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (kind === 'code') return guardValue(text, 'id_number', policy, key);
  if (kind === 'opaque') {
    if (policy === 'mask') return MASK.repeat([...text].length);
    if (key === undefined) throw new RangeError('pseudonymise needs a key (ONECODE_PSEUDONYM_KEY_FILE)');
    return pseudonymise(text, key);
  }
  const shown = protectValue(text, kind, policy, key);
  return shown === undefined ? LEFT_OUT : shown;
}
