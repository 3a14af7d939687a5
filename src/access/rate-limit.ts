/**
 * A per-principal limit on lookups and queries for every role but `steward` (a token bucket per
 * token name): an analyst sees ID numbers masked to region + check character (the mask the issue
 * mandates, docs/access.md), and a lookup answers a document for a code the index holds and an
 * empty one otherwise, so lookups of guessed codes can confirm a full ID number (a script of the
 * review found one in 6,902 lookups). The limit slows such guessing to the stated rate; it does
 * not make it impossible (docs/access.md, "Residual risk").
 *
 * Settings (environment, read when serve starts):
 * - `ONECODE_ANALYST_LOOKUPS_PER_MINUTE`: lookups per minute per principal (default
 *   {@link DEFAULT_PER_MINUTE}; `0` no limit);
 * - `ONECODE_ANALYST_QUERIES_PER_MINUTE`: queries per minute per principal (default
 *   {@link DEFAULT_PER_MINUTE}; `0` no limit).
 * A bucket holds at most one minute's allowance (a burst of `perMinute`) and refills evenly.
 *
 * Written here rather than with @fastify/rate-limit: the limit is per principal and per role
 * (stewards exempt) after the token is checked, a refusal is recorded in access_log and answered
 * in the API's error shape, and the rule is twenty lines.
 */
import { ConfigError, OnecodeError } from '../errors.ts';

/** Lookups (or queries) per minute per principal when the environment says nothing. */
export const DEFAULT_PER_MINUTE = 60;

/** What is limited. */
export type LimitedAction = 'lookup' | 'query';

/** The environment variable of each limit. */
export const RATE_LIMIT_VARIABLES: Readonly<Record<LimitedAction, string>> = {
  lookup: 'ONECODE_ANALYST_LOOKUPS_PER_MINUTE',
  query: 'ONECODE_ANALYST_QUERIES_PER_MINUTE',
};

/** A token bucket per principal. */
export interface RateLimiter {
  /** Allowance per minute; 0 when there is no limit. */
  readonly perMinute: number;
  /**
   * Takes one request of `principal` from its bucket.
   * @returns 0 when allowed, else the whole seconds until one is (for Retry-After, at least 1).
   */
  take(principal: string): number;
}

/**
 * A limiter of `perMinute` requests per principal (0: none).
 * @param now the clock, in milliseconds (tests pass their own).
 */
export function createRateLimiter(perMinute: number, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = perMinute / 60_000;
  return {
    perMinute,
    take(principal) {
      if (perMinute === 0) return 0;
      const t = now();
      const bucket = buckets.get(principal) ?? { tokens: perMinute, at: t };
      bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.at) * perMs);
      bucket.at = t;
      buckets.set(principal, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    },
  };
}

/**
 * The limit of `action` from the environment.
 * @throws ConfigError `rate_limit_invalid` for a value that is not a whole number ≥ 0.
 */
export function rateLimitFromEnv(action: LimitedAction, env: NodeJS.ProcessEnv = process.env): number {
  const name = RATE_LIMIT_VARIABLES[action];
  const text = env[name]?.trim();
  if (text === undefined || text === '') return DEFAULT_PER_MINUTE;
  if (!/^\d+$/.test(text)) throw new ConfigError('rate_limit_invalid', `${name} must be a whole number of ${action}s per minute (0: no limit), not ${JSON.stringify(text)}`);
  return Number(text);
}

/** A request refused by a limit: OnecodeError `rate_limited` (HTTP 429) with the seconds to wait. */
export class RateLimitedError extends OnecodeError {
  /** Whole seconds until a request is allowed again (the Retry-After header). */
  readonly retryAfterSeconds: number;
  constructor(action: LimitedAction, perMinute: number, retryAfterSeconds: number) {
    super('rate_limited', `too many ${action}s: at most ${perMinute} a minute for this token (${RATE_LIMIT_VARIABLES[action]}); try again in ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
