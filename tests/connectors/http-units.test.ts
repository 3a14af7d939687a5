import { describe, expect, it } from 'vitest';
import { backoffDelayMs, retryAfterMs } from '../../connectors/http/backoff.ts';
import { compilePath, resolvePath } from '../../connectors/http/json-path.ts';
import { parseJsonText } from '../../connectors/json-values.ts';
import { nextLink, parseLinkHeader } from '../../connectors/http/link-header.ts';
import { createRateLimiter } from '../../connectors/http/rate-limiter.ts';
import { describeUrl } from '../../connectors/http/safe-url.ts';

describe('http reader parts', () => {
  it('Link header: several link-values, quoted commas and semicolons, rel lists, case, anchors (RFC 8288 §3)', () => {
    const header = '<https://a.example/p?x=1>; rel="prev"; title="a, b; c", </items?page=3>; REL="Last NEXT", <https://a.example/other>; rel=next';
    expect(parseLinkHeader(header).map((l) => [l.target, l.params.get('rel')])).toEqual([
      ['https://a.example/p?x=1', 'prev'],
      ['/items?page=3', 'Last NEXT'],
      ['https://a.example/other', 'next'],
    ]);
    const base = new URL('https://a.example/v1/items?page=2');
    expect(nextLink(header, base)?.href).toBe('https://a.example/items?page=3');
    expect(nextLink('<p3>; rel="next"', base)?.href).toBe('https://a.example/v1/p3');
    expect(nextLink('<https://a.example/x>; rel="next"; anchor="#foo", <q>; rel=next', base)?.href).toBe('https://a.example/v1/q');
    expect(nextLink('<https://a.example/x>; rel="nextpage"', base)).toBeUndefined();
    expect(nextLink('garbage, <n>; rel=next', base)?.href).toBe('https://a.example/v1/n');
    expect(nextLink(null, base)).toBeUndefined();
    // the first rel wins (RFC 8288 §3.3)
    expect(nextLink('<a>; rel=prev; rel=next', base)).toBeUndefined();
  });

  it('Retry-After: delay-seconds and the three HTTP-date forms, whatever the local time zone (RFC 9110 §10.2.3, §5.6.7)', () => {
    const now = Date.UTC(1994, 10, 6, 8, 49, 0);
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(37_000);
    expect(retryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(37_000);
    expect(retryAfterMs('Sun Nov  6 08:49:37 1994', now)).toBe(37_000); // asctime: GMT though no zone is written
    expect(retryAfterMs('Sun, 06 Nov 1994 08:00:00 GMT', now)).toBe(0); // in the past
    expect(retryAfterMs('-5', now)).toBeUndefined();
    expect(retryAfterMs('1.5', now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('backoff: full jitter under an exponential ceiling capped at max_delay_ms', () => {
    const retry = { max_attempts: 10, base_delay_ms: 200, max_delay_ms: 10_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(n, retry, () => 0.999999))).toEqual([199, 399, 799, 1599, 3199, 6399, 9999]);
    expect(backoffDelayMs(3, retry, () => 0)).toBe(0);
    const draws = Array.from({ length: 1000 }, () => backoffDelayMs(4, retry));
    expect(Math.max(...draws)).toBeLessThan(1600);
    expect(new Set(draws).size).toBeGreaterThan(100); // jittered, not fixed
  });

  it('rate limiter: a burst goes at once, the next waits one interval, an idle spell refills no more than the burst', async () => {
    let t = 0;
    const limiter = createRateLimiter({ requestsPerSecond: 10, burst: 3, now: () => t });
    const timed = async (): Promise<number> => {
      const started = performance.now();
      await limiter.acquire();
      return performance.now() - started;
    };
    for (let i = 0; i < 3; i++) expect(await timed()).toBeLessThan(20);
    expect(await timed()).toBeGreaterThanOrEqual(95); // the clock stood still: the fourth waits 100 ms
    t = 60_000; // a minute idle
    for (let i = 0; i < 3; i++) expect(await timed()).toBeLessThan(20);
    expect(await timed()).toBeGreaterThanOrEqual(95);

    const aborted = new AbortController();
    const slow = createRateLimiter({ requestsPerSecond: 0.001, burst: 1 });
    await slow.acquire();
    const waiting = slow.acquire(aborted.signal);
    aborted.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });

  it('paths: JSON Pointer escapes and array indexes (RFC 6901), dotted paths, own keys only', () => {
    expect(compilePath('/a~1b/~0c/0')).toEqual(['a/b', '~c', '0']);
    expect(compilePath('data.items')).toEqual(['data', 'items']);
    expect(compilePath('')).toEqual([]);
    expect(() => compilePath('/a~2')).toThrow(/RFC 6901/);
    expect(() => compilePath('a..b')).toThrow(/empty segment/);
    const doc = parseJsonText('{"a/b":{"~c":[{"x":1}]},"list":[10,20],"constructor":null}');
    expect(resolvePath(doc, compilePath('/a~1b/~0c/0/x'))).toMatchObject({ found: true });
    expect(resolvePath(doc, ['list', '01'])).toEqual({ found: false, depth: 1, why: 'missing' });
    expect(resolvePath(doc, ['list', '2'])).toEqual({ found: false, depth: 1, why: 'missing' });
    expect(resolvePath(doc, ['toString'])).toEqual({ found: false, depth: 0, why: 'missing' });
    expect(resolvePath(doc, ['constructor'])).toEqual({ found: true, value: null });
    expect(resolvePath(parseJsonText('{"data":[1],"data":[2]}'), ['data'])).toEqual({ found: false, depth: 1, why: 'duplicate_key' });
  });

  it('URLs in messages keep origin, path and parameter names, never values', () => {
    expect(describeUrl(new URL('https://api.example:8443/v1/people?api_key=k3y&cursor=abc#frag'))).toBe('https://api.example:8443/v1/people?api_key=…&cursor=…');
    expect(describeUrl(new URL('http://127.0.0.1/x'))).toBe('http://127.0.0.1/x');
  });
});
