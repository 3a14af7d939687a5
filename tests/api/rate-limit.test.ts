/**
 * The per-principal limit on lookups and queries of every role but steward (src/access/rate-limit.ts),
 * through a real serve over an indexed sample: past the limit an analyst gets 429 rate_limited with
 * Retry-After before anything is looked up, serve logs a warning naming the principal (never the
 * code), the refusal is recorded in access_log without the code; a steward is not limited. The token
 * bucket itself is checked with a clock of the test's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, DEFAULT_PER_MINUTE, rateLimitFromEnv } from '../../src/access/rate-limit.ts';
import { connectToIndex } from '../../src/index/open-index.ts';
import { startApiServe, type ApiServe } from '../support/api-serve.ts';
import { indexedSample, richPerson } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';

describe('token bucket', () => {
  it('allows a burst of perMinute, then one request per 60/perMinute seconds, per principal', () => {
    let now = 0;
    const limiter = createRateLimiter(6, () => now);
    for (let i = 0; i < 6; i++) expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(10); // one token every 10 s
    expect(limiter.take('b')).toBe(0); // another principal has its own bucket
    now += 4_000;
    expect(limiter.take('a')).toBe(6);
    now += 6_000;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(10);
    now += 3_600_000; // a bucket holds one minute's allowance at most
    for (let i = 0; i < 6; i++) expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
  });

  it('0 is no limit; the environment gives the limit, default 60, and refuses what is not a whole number', () => {
    const none = createRateLimiter(0, () => 0);
    for (let i = 0; i < 1000; i++) expect(none.take('a')).toBe(0);
    expect(rateLimitFromEnv('lookup', {})).toBe(DEFAULT_PER_MINUTE);
    expect(DEFAULT_PER_MINUTE).toBe(60);
    expect(rateLimitFromEnv('lookup', { ONECODE_ANALYST_LOOKUPS_PER_MINUTE: '0' })).toBe(0);
    expect(rateLimitFromEnv('query', { ONECODE_ANALYST_QUERIES_PER_MINUTE: ' 12 ' })).toBe(12);
    expect(() => rateLimitFromEnv('lookup', { ONECODE_ANALYST_LOOKUPS_PER_MINUTE: '-1' })).toThrow(/ONECODE_ANALYST_LOOKUPS_PER_MINUTE must be a whole number/);
    expect(() => rateLimitFromEnv('query', { ONECODE_ANALYST_QUERIES_PER_MINUTE: '1.5' })).toThrow(expect.objectContaining({ code: 'rate_limit_invalid' }));
  });
});

describe('through serve', () => {
  let sample: Workspace;
  let api: ApiServe;
  let rich: { id: string; alias15: string; uscc: string };

  beforeAll(async () => {
    sample = await indexedSample(23);
    rich = await richPerson(sample);
    api = await startApiServe(sample, { env: { ...process.env, ONECODE_ANALYST_POLICY: 'mask', ONECODE_ANALYST_LOOKUPS_PER_MINUTE: '3', ONECODE_ANALYST_QUERIES_PER_MINUTE: '2' } });
  }, 300_000);

  afterAll(async () => {
    await api?.stop();
    await sample?.dispose();
  });

  const accessLog = async (): Promise<Array<Record<string, any>>> => {
    const connection = await connectToIndex(api.index);
    try {
      return (await connection.runAndReadAll(`SELECT who, role, action, code, query, row_count::INT AS row_count, outcome FROM access_log ORDER BY access_no`)).getRowObjectsJson() as Array<Record<string, any>>;
    } finally {
      connection.closeSync();
    }
  };

  it("answers an analyst's lookups past the limit 429 rate_limited with Retry-After, logs the principal, records the refusal without the code", async () => {
    for (let i = 0; i < 3; i++) expect((await api.request(`/api/v1/lookup/${rich.id}`, { role: 'analyst' })).status).toBe(200);
    const before = (await accessLog()).length;
    const refused = await api.request(`/api/v1/lookup/${rich.id}`, { role: 'analyst' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(20);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe('rate_limited');
    expect(body.message).toContain('ONECODE_ANALYST_LOOKUPS_PER_MINUTE');
    expect(body.message).not.toContain(rich.id);
    const rows = await accessLog();
    expect(rows.slice(before)).toEqual([{ who: 'anna-analyst', role: 'analyst', action: 'lookup', code: null, query: null, row_count: 0, outcome: 'refused' }]);
    const warning = api.logs.find((l) => l.msg.includes('over the limit'));
    expect(warning).toMatchObject({ level: 40, principal: 'anna-analyst', action: 'lookup', perMinute: 3 });
    expect(api.logText()).not.toContain(rich.id);
    // an unknown code is refused the same way: the limit is decided before anything is looked up
    expect((await api.request('/api/v1/lookup/350102198503171237', { role: 'analyst' })).status).toBe(429);
  });

  it("limits an analyst's queries on their own bucket, and never a steward", async () => {
    for (let i = 0; i < 2; i++) expect((await api.request('/api/v1/query', { method: 'POST', role: 'analyst', body: { sql: 'SELECT 1 AS one' } })).status).toBe(200);
    const refused = await api.request('/api/v1/query', { method: 'POST', role: 'analyst', body: { sql: 'SELECT 1 AS one' } });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toBe('rate_limited');
    expect((await accessLog()).at(-1)).toMatchObject({ who: 'anna-analyst', action: 'query', query: null, outcome: 'refused' });
    for (let i = 0; i < 10; i++) expect((await api.request(`/api/v1/lookup/${rich.id}`, { role: 'steward' })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await api.request('/api/v1/query', { method: 'POST', role: 'steward', body: { sql: 'SELECT 1 AS one' } })).status).toBe(200);
  });
});
