import { setTimeout as sleep } from 'node:timers/promises';

/** The retry settings, as in the options' `retry`. */
export interface RetrySettings {
  max_attempts: number;
  base_delay_ms: number;
  max_delay_ms: number;
}

/**
 * The wait after failed attempt `attempt` (1-based), in milliseconds: exponential backoff with
 * full jitter, uniform in [0, min(max_delay_ms, base_delay_ms × 2^(attempt-1))] (M. Brooker,
 * "Exponential Backoff And Jitter", AWS Architecture Blog, 2015). Jitter spreads the retries of
 * many clients so they do not hit a recovering server together.
 * @param random a uniform number in [0, 1); Math.random unless a test fixes it.
 */
export function backoffDelayMs(attempt: number, retry: RetrySettings, random: () => number = Math.random): number {
  const ceiling = Math.min(retry.max_delay_ms, retry.base_delay_ms * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

const DELAY_SECONDS = /^[0-9]+$/;
/** asctime-date (RFC 9110 §5.6.7): no zone written, GMT meant. */
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$/;
/** IMF-fixdate and the obsolete RFC 850 form, both ending in GMT (RFC 9110 §5.6.7). */
const GMT_DATE = /^[A-Za-z]{3,9}, [0-9]{2}[ -][A-Za-z]{3}[ -][0-9]{2,4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/;

/**
 * The wait a `Retry-After` field asks for, in milliseconds (RFC 9110 §10.2.3): delay-seconds
 * (`120`) or an HTTP-date in any of the three forms of §5.6.7, counted from `nowMs` (a date in
 * the past is 0). Undefined when the field is absent or neither form.
 */
export function retryAfterMs(field: string | null, nowMs: number = Date.now()): number | undefined {
  if (field === null) return undefined;
  const text = field.trim();
  if (DELAY_SECONDS.test(text)) return Number(text) * 1000;
  const date = ASCTIME.test(text) ? Date.parse(`${text} GMT`) : GMT_DATE.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * Waits `ms` milliseconds; if `signal` aborts first, rejects with the signal's reason (not the
 * AbortError that timers/promises throws), so an aborted read ends with what its caller gave.
 */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
