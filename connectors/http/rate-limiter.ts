import { pause } from './backoff.ts';

/** Hands out permissions to send a request at a bounded rate. */
export interface RateLimiter {
  /** Resolves when a request may go; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
}

/**
 * A token bucket as the generic cell rate algorithm computes it (GCRA, ITU-T I.371 Annex A):
 * one request every 1000 / requestsPerSecond ms on average, with up to `burst` back to back
 * after an idle spell. Each acquire reserves its slot at once (the theoretical arrival time moves
 * on), so concurrent callers are spaced out too. Times from the monotonic performance.now().
 */
export function createRateLimiter(options: { requestsPerSecond: number; burst: number; now?: () => number }): RateLimiter {
  const now = options.now ?? (() => performance.now());
  const interval = 1000 / options.requestsPerSecond;
  const tolerance = (options.burst - 1) * interval;
  let theoreticalArrival = -Infinity;
  return {
    async acquire(signal) {
      const t = now();
      const arrival = Math.max(theoreticalArrival, t);
      theoreticalArrival = arrival + interval;
      const wait = arrival - tolerance - t;
      if (wait > 0) await pause(wait, signal);
      else signal?.throwIfAborted();
    },
  };
}
