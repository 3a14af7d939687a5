/**
 * The pseudonymisation key an exit policy needs: `pseudonymise` needs one (HMAC-SM3,
 * src/protect/pseudonymise.ts), read from the key file named by ONECODE_PSEUDONYM_KEY_FILE; the
 * other policies none.
 */
import { ConfigError } from '../errors.ts';
import { PSEUDONYM_KEY_FILE_VARIABLE, readKeyFile } from '../protect/key-file.ts';
import type { ExitPolicy } from '../protect/policy.ts';

/**
 * Reads the key `policy` needs.
 * @returns the key for `pseudonymise`, undefined for the other policies.
 * @throws ConfigError `pseudonym_key_unset` when the variable is not set, or what readKeyFile throws.
 */
export async function keyForPolicy(policy: ExitPolicy, env: NodeJS.ProcessEnv = process.env): Promise<Buffer | undefined> {
  if (policy !== 'pseudonymise') return undefined;
  const file = env[PSEUDONYM_KEY_FILE_VARIABLE]?.trim();
  if (!file) throw new ConfigError('pseudonym_key_unset', `the pseudonymise policy needs a key: set ${PSEUDONYM_KEY_FILE_VARIABLE} to a key file (openssl rand -hex 32 > FILE; chmod 600 FILE)`);
  return readKeyFile(file);
}

/**
 * Checks that a key is at hand for `policy`.
 * @throws ConfigError `pseudonym_key_unset` for `pseudonymise` without a key of 16 bytes or more.
 */
export function requireKeyFor(policy: ExitPolicy, key: Buffer | undefined): void {
  if (policy === 'pseudonymise' && (key === undefined || key.length < 16)) {
    throw new ConfigError('pseudonym_key_unset', `the pseudonymise policy needs a key of 16 bytes or more (${PSEUDONYM_KEY_FILE_VARIABLE})`);
  }
}
