/**
 * A feed's policy (issue 10): for each class of value (src/protect/field-classes.ts) what leaves on
 * the feed's topics: `clear`, `mask`, `pseudonymise` (HMAC-SM3, src/protect/pseudonymise.ts) or
 * `drop` (src/protect/policy.ts). A feed is one topic set and its consumers; the policy is written
 * like `personal=pseudonymise,internal=clear` in ONECODE_FEED_POLICY or `onecode push
 * --feed-policy`, and rides on every message in the `onecode-policy` header, in the same form.
 *
 * The default is `clear` for every class: the provincial data sharing platform is the contracted
 * recipient of the data in clear. It is a default an operator should not rely on without saying
 * so: the push logs a warning on every connection while the policy is not set
 * (docs/feed-contract.md, "Personal data in the feed").
 */
import { ConfigError } from '../errors.ts';
import { FEED_CLASSES, type FeedClass } from '../protect/field-classes.ts';
import { PSEUDONYM_KEY_FILE_VARIABLE } from '../protect/key-file.ts';
import { EXIT_POLICIES, type ExitPolicy } from '../protect/policy.ts';

/** The environment variable holding a feed's policy. */
export const FEED_POLICY_VARIABLE = 'ONECODE_FEED_POLICY';

/** The policy of each class. */
export type FeedPolicy = Readonly<Record<FeedClass, ExitPolicy>>;

/** Every class in clear: the default. */
export const CLEAR_FEED_POLICY: FeedPolicy = { public: 'clear', internal: 'clear', personal: 'clear' };

/** A feed's policy as a deployment configures it. */
export interface FeedSettings {
  policy: FeedPolicy;
  /** False when neither the flag nor the environment set it (the push then warns). */
  explicit: boolean;
  /** The pseudonymisation key file (ONECODE_PSEUDONYM_KEY_FILE); needed unless every class is clear. */
  keyFile: string | undefined;
}

/** Every class clear, the policy not set (the push warns), no key file: what an unset feed setting means. */
export const UNSET_FEED_SETTINGS: FeedSettings = { policy: CLEAR_FEED_POLICY, explicit: false, keyFile: undefined };

/**
 * Parses `class=policy[,class=policy…]` (spaces around items allowed); classes not named are
 * `clear`. An empty text is every class clear.
 * @throws ConfigError `feed_policy_invalid` for an unknown class or policy, `secret` (secret
 *   values are never stored, so never leave), or a class named twice.
 */
export function parseFeedPolicy(text: string, source = FEED_POLICY_VARIABLE): FeedPolicy {
  const policy: Record<FeedClass, ExitPolicy> = { ...CLEAR_FEED_POLICY };
  const named = new Set<string>();
  const fail = (why: string): never => {
    throw new ConfigError('feed_policy_invalid', `${source}: ${why}; write class=policy[,class=policy…] with class ${FEED_CLASSES.join(', ')} and policy ${EXIT_POLICIES.join(', ')}, e.g. personal=pseudonymise,internal=clear`);
  };
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([a-z_]+)\s*=\s*([a-z_]+)$/.exec(item);
    if (m === null) fail(`'${item}' is not class=policy`);
    const [, cls, p] = m!;
    if (cls === 'secret') fail('secret values are never stored, so they never leave; no policy applies to them');
    if (!(FEED_CLASSES as readonly string[]).includes(cls!)) fail(`'${cls}' is not a class`);
    if (!(EXIT_POLICIES as readonly string[]).includes(p!)) fail(`'${p}' is not a policy`);
    if (named.has(cls!)) fail(`class '${cls}' is named twice`);
    named.add(cls!);
    policy[cls as FeedClass] = p as ExitPolicy;
  }
  return policy;
}

/** The policy as `public=…,internal=…,personal=…`, every class named: the `onecode-policy` header and log lines. */
export function formatFeedPolicy(policy: FeedPolicy): string {
  return FEED_CLASSES.map((c) => `${c}=${policy[c]}`).join(',');
}

/** True when every class is clear: events leave as the outbox holds them. */
export function isClearPolicy(policy: FeedPolicy): boolean {
  return FEED_CLASSES.every((c) => policy[c] === 'clear');
}

/**
 * The feed settings from the flag, then the environment (ONECODE_FEED_POLICY,
 * ONECODE_PSEUDONYM_KEY_FILE).
 * @throws ConfigError `feed_policy_invalid` ({@link parseFeedPolicy}).
 */
export function resolveFeedSettings(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): FeedSettings {
  const text = flag ?? env[FEED_POLICY_VARIABLE];
  const keyFile = env[PSEUDONYM_KEY_FILE_VARIABLE]?.trim() || undefined;
  if (text === undefined || text.trim() === '') return { policy: CLEAR_FEED_POLICY, explicit: false, keyFile };
  return { policy: parseFeedPolicy(text, flag !== undefined ? '--feed-policy' : FEED_POLICY_VARIABLE), explicit: true, keyFile };
}

/** Which identity values (the parts of message keys) a policy pseudonymises; see {@link identityPseudonymised}. */
export interface IdentityTreatment {
  /** A person's one code, the ID number (envelope `code`, state `id_number`, a person record's `code`). */
  idNumber: boolean;
  /** A legal person's one code, the USCC (envelope `code`, state `uscc`, a legal person record's `code`). */
  uscc: boolean;
  /** A record's `source_key`. */
  sourceKey: boolean;
}

/**
 * Which identity values a feed pseudonymises (docs/feed-contract.md, "Keys are never masked or
 * dropped"): decided by the feed's policy alone, never by a pipeline's classes, so that a message
 * key does not change when a pipeline reclassifies a column (the push applies a pipeline's latest
 * classes to every pending event; a new key would leave the old one untombstoned in a compacted
 * topic and could move a record's events to another partition). An ID number follows the policy
 * of `personal` (GB/T 35273-2020 Annex B: sensitive), a USCC that of `public` (GB 32100-2015:
 * published by the registration authority), and a record's source key, which may be any column,
 * is pseudonymised whenever any class's policy is not clear. Under every policy but clear an
 * identity is pseudonymised, never masked (not unique) or dropped (no key).
 */
export function identityPseudonymised(policy: FeedPolicy): IdentityTreatment {
  return { idNumber: policy.personal !== 'clear', uscc: policy.public !== 'clear', sourceKey: !isClearPolicy(policy) };
}
