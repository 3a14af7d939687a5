/**
 * An export's policy (`onecode export --policy`): for each class of value (src/protect/field-classes.ts:
 * `public`, `internal`, `personal`) what is written to the Parquet files: `clear`, `mask`,
 * `pseudonymise` (HMAC-SM3, src/protect/pseudonymise.ts) or `drop`, in the form of a feed's policy
 * (src/push/feed-policy.ts): `personal=pseudonymise,internal=clear`.
 *
 * The default is {@link DEFAULT_EXPORT_POLICY}: `public=clear,internal=clear,personal=mask`, the
 * strictest policy that still leaves every row usable and needs no key: personal values are masked
 * as an analyst is shown them by default (src/access/roles.ts; an ID number keeps its region code
 * and check character, a name its surname), so counts by region, sex or employer still work.
 * `drop` would be stricter still, but leaves persons with no identifier at all; `pseudonymise`
 * keeps rows joinable across views (and across exports under one key), which is what a recipient
 * that joins needs and what makes re-identification by linkage possible: it is chosen, with its
 * key, not defaulted. A class the text does not name keeps the default (unlike a feed's policy,
 * where it is clear): `--policy internal=mask` leaves personal values masked.
 */
import { ConfigError } from '../errors.ts';
import { FEED_CLASSES, type FeedClass } from '../protect/field-classes.ts';
import { formatFeedPolicy, parseFeedPolicy, type FeedPolicy } from '../push/feed-policy.ts';

/** The environment variable holding the export's policy when `--policy` is not given. */
export const EXPORT_POLICY_VARIABLE = 'ONECODE_EXPORT_POLICY';

/** `public=clear,internal=clear,personal=mask`: see the module's doc. */
export const DEFAULT_EXPORT_POLICY: FeedPolicy = { public: 'clear', internal: 'clear', personal: 'mask' };

/**
 * The export's policy from `--policy`, then ONECODE_EXPORT_POLICY, then the default; classes not
 * named keep {@link DEFAULT_EXPORT_POLICY}'s.
 * @throws ConfigError `export_policy_invalid` naming the flag or variable: an unknown class or
 *   policy, `secret`, a class named twice.
 */
export function resolveExportPolicy(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): FeedPolicy {
  return resolveExitPolicy({ flag, variable: EXPORT_POLICY_VARIABLE, env, errorCode: 'export_policy_invalid' });
}

/**
 * A policy of an exit that defaults to {@link DEFAULT_EXPORT_POLICY} (an export, a correction
 * report): from `flag` (`--policy`), else the environment variable `variable` when there is one,
 * else the default; classes not named keep the default's.
 * @throws ConfigError `errorCode` naming the flag or variable (see {@link resolveExportPolicy}).
 */
export function resolveExitPolicy(o: { flag: string | undefined; variable?: string; env?: NodeJS.ProcessEnv; errorCode: string }): FeedPolicy {
  const source = o.flag !== undefined || o.variable === undefined ? '--policy' : o.variable;
  const text = o.flag ?? (o.variable === undefined ? undefined : (o.env ?? process.env)[o.variable]) ?? '';
  let parsed: FeedPolicy;
  try {
    parsed = parseFeedPolicy(text, source);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(o.errorCode, error.message);
    throw error;
  }
  const named = new Set(text.split(',').map((item) => item.split('=')[0]!.trim()));
  return Object.fromEntries(FEED_CLASSES.map((c) => [c, named.has(c) ? parsed[c] : DEFAULT_EXPORT_POLICY[c]])) as Record<FeedClass, FeedPolicy[FeedClass]>;
}

/** The policy as `public=…,internal=…,personal=…`, every class named (manifest, access log). */
export const formatExportPolicy = formatFeedPolicy;
