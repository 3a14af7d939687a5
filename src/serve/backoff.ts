/**
 * Backoff delays for `onecode serve`: bounded retries of a failed pipeline run, and the relay's
 * wait after a failed push. Pure functions.
 */

/** How a failed scheduled run is retried. */
export interface RetryPolicy {
  /** Retries after the first failed attempt; 0 turns retrying off. Default 3. */
  retries: number;
  /** Wait before the first retry, in ms; each further retry waits twice as long. Default 30,000. */
  initialDelayMs: number;
  /** Longest wait between two attempts, in ms. Default 600,000 (10 min). */
  maxDelayMs: number;
}

/** 3 retries after 30 s, 60 s and 120 s. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ retries: 3, initialDelayMs: 30_000, maxDelayMs: 600_000 });

/**
 * Exponential backoff: `initialDelayMs * 2^(failures - 1)`, capped at `maxDelayMs`.
 * @param failures consecutive failures so far (1 after the first).
 */
export function backoffDelay(failures: number, policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
}

/**
 * The wait before the next attempt after attempt number `failedAttempt` (1-based) failed, or
 * undefined when the policy's retries are used up (the pipeline waits for its next tick).
 */
export function retryDelay(policy: RetryPolicy, failedAttempt: number): number | undefined {
  if (failedAttempt > policy.retries) return undefined;
  return backoffDelay(failedAttempt, policy);
}
