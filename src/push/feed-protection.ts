/**
 * What a publisher needs to apply a feed's policy (feed-policy.ts): the policy, the key it
 * pseudonymises with, the headers that tell consumers what was done, and a protector of events
 * (protect-event.ts) for the classes recorded beside the outbox.
 */
import type { Logger } from 'pino';
import { ConfigError } from '../errors.ts';
import type { EventClasses } from '../outbox/event-classes.ts';
import { PSEUDONYM_KEY_FILE_VARIABLE, readKeyFile } from '../protect/key-file.ts';
import { pseudonymise } from '../protect/pseudonymise.ts';
import { CLEAR_FEED_POLICY, FEED_POLICY_VARIABLE, formatFeedPolicy, isClearPolicy, type FeedPolicy, type FeedSettings } from './feed-policy.ts';
import { HEADER_POLICY, HEADER_PSEUDONYM_KEY } from './headers.ts';
import { createEventProtector, type EventProtector } from './protect-event.ts';

/** A feed's policy, ready to apply. */
export interface FeedProtection {
  readonly policy: FeedPolicy;
  /** The key's id (header `onecode-pseudonym-key`); undefined when every class is clear (no key is used). */
  readonly keyId: string | undefined;
  /** Headers every message of the feed carries: `onecode-policy`, and `onecode-pseudonym-key` when a key is used. */
  readonly headers: Readonly<Record<string, string>>;
  /** A protector of events whose values have `classes`. */
  protector(classes: EventClasses): EventProtector;
}

/**
 * The id of a pseudonymisation key: 16 hex characters of HMAC-SM3 under the key of a fixed label.
 * Equal ids mean equal keys (up to 2^-64), so consumers can tell whether pseudonyms join; like any
 * pseudonym it tells nothing of the key.
 */
export function pseudonymKeyId(key: Buffer): string {
  return pseudonymise('onecode pseudonym key id', key).slice(2, 18);
}

function protection(policy: FeedPolicy, key: Buffer | undefined): FeedProtection {
  const keyId = key === undefined ? undefined : pseudonymKeyId(key);
  return {
    policy,
    keyId,
    headers: { [HEADER_POLICY]: formatFeedPolicy(policy), ...(keyId === undefined ? {} : { [HEADER_PSEUDONYM_KEY]: keyId }) },
    protector: (classes) => createEventProtector({ policy, key, classes }),
  };
}

/** Every class clear: events leave as the outbox holds them (the publisher's default). */
export const CLEAR_FEED_PROTECTION: FeedProtection = protection(CLEAR_FEED_POLICY, undefined);

/**
 * The key of `settings`: undefined when every class is clear, else read from the key file.
 * @throws ConfigError `feed_policy_needs_key` without ONECODE_PSEUDONYM_KEY_FILE, and the key
 *   file's errors (src/protect/key-file.ts).
 */
export async function readFeedKey(settings: FeedSettings): Promise<Buffer | undefined> {
  if (isClearPolicy(settings.policy)) return undefined;
  if (settings.keyFile === undefined) {
    throw new ConfigError(
      'feed_policy_needs_key',
      `feed policy ${formatFeedPolicy(settings.policy)} needs a pseudonymisation key (one codes and message keys are pseudonymised under mask and drop too): set ${PSEUDONYM_KEY_FILE_VARIABLE} to a key file (openssl rand -hex 32 > FILE; chmod 600 FILE)`,
    );
  }
  return readKeyFile(settings.keyFile);
}

/**
 * Reads the key (when a class is not clear) and logs the policy; warns when the policy was not
 * set, since personal values then leave in clear.
 * @throws ConfigError `feed_policy_needs_key` without ONECODE_PSEUDONYM_KEY_FILE, and the key
 *   file's errors (src/protect/key-file.ts).
 */
export async function createFeedProtection(settings: FeedSettings, logger: Logger): Promise<FeedProtection> {
  const { policy } = settings;
  if (!settings.explicit) {
    logger.warn(
      { policy: formatFeedPolicy(policy) },
      `no feed policy set: personal values (ID numbers, names, phones) go to the feed in clear; set ${FEED_POLICY_VARIABLE} (e.g. personal=pseudonymise) or, for a recipient entitled to them, ${FEED_POLICY_VARIABLE}=personal=clear (docs/feed-contract.md, "Personal data in the feed")`,
    );
  }
  const key = await readFeedKey(settings);
  if (key === undefined) return CLEAR_FEED_PROTECTION;
  const p = protection(policy, key);
  logger.info({ policy: formatFeedPolicy(policy), keyId: p.keyId }, 'feed policy');
  return p;
}
