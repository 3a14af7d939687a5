/**
 * Pseudonymisation of personal values with HMAC-SM3 (HMAC, RFC 2104 / GB/T 15852.2-2012, over the
 * SM3 hash, GB/T 32905-2016; Node's crypto has SM3 through OpenSSL): a keyed, stable one-way
 * function, so the same value always gives the same pseudonym under one key — a pseudonymised
 * code still joins across tables and feeds — while nobody without the key can compute or test a
 * guess (GB/T 35273-2020 §3.15 去标识化, §6.2). The key comes from a key file (key-file.ts);
 * changing it changes every pseudonym.
 */
import { createHmac } from 'node:crypto';

/** Prefix of every pseudonym: a pseudonym is never mistaken for a code. */
export const PSEUDONYM_PREFIX = 'p_';

/** Hex characters of the HMAC-SM3 kept (128 bits: collisions need about 2^64 values). */
export const PSEUDONYM_HEX = 32;

/**
 * The pseudonym of a value: `p_` and the first 32 hex characters of HMAC-SM3(key, value as UTF-8).
 * Callers pass the normalised value (an ID number in its 18-character form), so that forms of one
 * value share one pseudonym.
 * @throws RangeError when the key is shorter than 16 bytes.
 */
export function pseudonymise(value: string, key: Buffer): string {
  if (key.length < 16) throw new RangeError('a pseudonymisation key has at least 16 bytes');
  return PSEUDONYM_PREFIX + createHmac('sm3', key).update(value, 'utf8').digest('hex').slice(0, PSEUDONYM_HEX);
}
