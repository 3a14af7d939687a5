import { Writable } from 'node:stream';
import iconv from 'iconv-lite';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpReadOptions } from '../../connectors/http/options.ts';
import { readPages, type HttpItem, type HttpRead, type HttpReadContext } from '../../connectors/http/read-pages.ts';
import { ConfigError, ExtractError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { sendJson, startApiServer, type ApiServer, type Handler } from '../support/api-server.ts';

const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<ApiServer> {
  const server = await startApiServer(handler);
  servers.push(server);
  return server;
}

const quiet = createLogger({ level: 'silent' });
const ctx = (extra: Partial<HttpReadContext> = {}): HttpReadContext => ({ env: {}, logger: quiet, ...extra });
const options = (input: Record<string, unknown>) => HttpReadOptions.parse(input);

async function collect(read: HttpRead): Promise<HttpItem[]> {
  const items: HttpItem[] = [];
  for await (const item of read) items.push(item);
  return items;
}

/** Records 1..n as the API holds them: generated values only. */
const rows = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => ({ id: from + i, label: `item-${from + i}` }));
const ids = (items: HttpItem[]) => items.map((i) => (i.kind === 'record' ? i.record.id : `unreadable:${i.ordinal}`));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/** What a rejected read threw. */
async function failure(read: () => HttpRead | Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    const r = read();
    if (r instanceof Promise) await r;
    else await collect(r);
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('the read did not fail');
}

describe('http reader: pagination', () => {
  it('page numbers: asks page 1, 2, 3 with the size and ends on the short page', async () => {
    const server = await serve((req, res) => {
      const page = Number(req.query.get('page'));
      const size = Number(req.query.get('size'));
      sendJson(res, { data: { items: rows((page - 1) * size + 1, Math.min(page * size, 25)) } });
    });
    const read = readPages(options({ url: `${server.origin}/v1/items`, records: 'data.items', pagination: { kind: 'page', size: 10 } }), ctx());
    const items = await collect(read);
    expect(ids(items)).toEqual(range(1, 25));
    expect(items.map((i) => i.ordinal)).toEqual(range(1, 25).map(Number));
    expect(items.map((i) => i.page)).toEqual([...Array(10).fill(1), ...Array(10).fill(2), ...Array(5).fill(3)]);
    expect(server.seen.map((s) => `${s.query.get('page')}/${s.query.get('size')}`)).toEqual(['1/10', '2/10', '3/10']);
    expect(read.summary).toMatchObject({ pages: 3, requests: 3, retries: 0, records: 25, unreadable: 0, complete: true });
  });

  it('page numbers with total: a server that caps its pages below the size asked is read to the end', async () => {
    const server = await serve((req, res) => {
      const page = Number(req.query.get('page'));
      sendJson(res, { meta: { total: 23 }, rows: rows(page * 4 + 1, Math.min(page * 4 + 4, 23)) }); // pages from 0, four records each
    });
    const read = readPages(options({ url: server.origin, records: '/rows', pagination: { kind: 'page', start: 0, size_param: 'per_page', size: 10, total: 'meta.total' } }), ctx());
    expect(ids(await collect(read))).toEqual(range(1, 23));
    expect(server.seen.map((s) => s.query.get('page'))).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(server.seen.every((s) => s.query.get('per_page') === '10')).toBe(true);
  });

  it('offsets advance by the records received, and an empty page ends the read', async () => {
    const server = await serve((req, res) => {
      const offset = Number(req.query.get('offset'));
      const limit = Math.min(Number(req.query.get('limit')), 7); // the server caps at 7
      sendJson(res, rows(offset + 1, Math.min(offset + limit, 20)));
    });
    // size 7 = what the server returns, so a short page ends it; then size 10 with an empty page at the end
    const exact = readPages(options({ url: server.origin, pagination: { kind: 'offset', size: 7 } }), ctx());
    expect(ids(await collect(exact))).toEqual(range(1, 20));
    expect(server.seen.map((s) => s.query.get('offset'))).toEqual(['0', '7', '14']);
    server.seen.length = 0;
    const total = readPages(options({ url: server.origin, pagination: { kind: 'offset', size: 10, total: '/nothing' } }), ctx());
    const error = await failure(() => total);
    expect(error).toBeInstanceOf(ExtractError);
    expect(error.code).toBe('http_total_invalid');
    expect(error.message).toContain('page 1');
  });

  it('offsets with total stop exactly at the total', async () => {
    const server = await serve((req, res) => {
      const offset = Number(req.query.get('skip'));
      sendJson(res, { total: '20', rows: rows(offset + 1, Math.min(offset + 7, 20)) });
    });
    const read = readPages(options({ url: server.origin, records: 'rows', pagination: { kind: 'offset', param: 'skip', size_param: 'take', size: 10, total: 'total' } }), ctx());
    expect(server.seen).toHaveLength(0);
    const items = await collect(read);
    expect(ids(items)).toEqual(range(1, 20));
    expect(server.seen.map((s) => s.query.get('skip'))).toEqual(['0', '7', '14']);
  });

  it('cursor tokens: follows next until it is null, and the state resumes from the last token', async () => {
    const tokens = ['', 'c1', 'c2', 'c3']; // token → the page it fetches
    const server = await serve((req, res) => {
      const page = tokens.indexOf(req.query.get('cursor') ?? '');
      const next = page === 3 ? null : tokens[page + 1];
      sendJson(res, { items: rows(page * 3 + 1, page * 3 + 3), paging: { next_cursor: next } });
    });
    const read = readPages(options({ url: server.origin, records: 'items', pagination: { kind: 'cursor', next: 'paging.next_cursor', size_param: 'limit', size: 3 } }), ctx());
    expect(ids(await collect(read))).toEqual(range(1, 12));
    expect(server.seen.map((s) => s.query.get('cursor'))).toEqual([null, 'c1', 'c2', 'c3']);
    expect(server.seen.every((s) => s.query.get('limit') === '3')).toBe(true);
    expect(read.summary.state).toEqual({ cursor: 'c3' });

    server.seen.length = 0;
    const resumed = readPages(options({ url: server.origin, records: 'items', pagination: { kind: 'cursor', next: 'paging.next_cursor' } }), ctx({ state: read.summary.state }));
    expect(ids(await collect(resumed))).toEqual(range(10, 12));
    expect(server.seen.map((s) => s.query.get('cursor'))).toEqual(['c3']);
  });

  it('cursor tokens: a number token is sent as its exact text, an empty token ends the read, a repeated token fails', async () => {
    const server = await serve((req, res) => {
      const cursor = req.query.get('cursor');
      if (cursor === null) sendJson(res, '{"items":[{"id":1}],"next":90071992547409931}');
      else if (cursor === '90071992547409931') sendJson(res, '{"items":[{"id":2}],"next":""}');
      else sendJson(res, { items: [], next: 'stuck' });
    });
    const read = readPages(options({ url: server.origin, records: 'items', pagination: { kind: 'cursor', next: 'next' } }), ctx());
    expect(ids(await collect(read))).toEqual(['1', '2']);
    const stuck = readPages(options({ url: server.origin, records: 'items', pagination: { kind: 'cursor', next: 'next' } }), ctx({ state: { cursor: 'stuck' } }));
    const error = await failure(() => stuck);
    expect(error.code).toBe('http_cursor_repeated');
  });

  it('Link rel="next": relative targets resolved, fixed query kept, ends without a next link', async () => {
    const server = await serve((req, res) => {
      const after = Number(req.query.get('after') ?? 0);
      const links = [`</v2/items?after=0>; rel="first"`];
      if (after < 6) links.push(`<items?after=${after + 3}&per_page=3>; rel="prev next"; title="more, and more"`);
      res.setHeader('link', links.join(', '));
      sendJson(res, { data: rows(after + 1, after + 3) });
    });
    const read = readPages(options({ url: `${server.origin}/v2/items`, records: 'data', query: { type: 'person' }, pagination: { kind: 'link', size_param: 'per_page', size: 3 } }), ctx());
    expect(ids(await collect(read))).toEqual(range(1, 9));
    expect(server.seen.map((s) => `${s.path}?${s.query}`)).toEqual([
      '/v2/items?type=person&per_page=3',
      '/v2/items?after=3&per_page=3&type=person',
      '/v2/items?after=6&per_page=3&type=person',
    ]);
    expect(read.summary.state).toEqual({ url: `${server.origin}/v2/items?after=6&per_page=3&type=person` });

    server.seen.length = 0;
    const linkOptions = options({ url: `${server.origin}/v2/items`, records: 'data', query: { type: 'person' }, query_from_env: { key: 'T_KEY' }, pagination: 'link' });
    const resumed = readPages(linkOptions, ctx({ env: { T_KEY: 'k-1' }, state: { url: `${server.origin}/v2/items?after=6&per_page=3` } }));
    expect(ids(await collect(resumed))).toEqual(range(7, 9));
    expect(server.seen.map((s) => `${s.path}?${s.query}`)).toEqual(['/v2/items?after=6&per_page=3&type=person&key=k-1']);
    expect(resumed.summary.state).toEqual({ url: `${server.origin}/v2/items?after=6&per_page=3&type=person` }); // the secret parameter is not saved
    expect(() => readPages(linkOptions, ctx({ env: { T_KEY: 'k-1' }, state: { url: 'http://elsewhere.example/v2/items' } }))).toThrow(expect.objectContaining({ code: 'http_state_cross_origin' }));
  });

  it('Link rel="next" to another origin is refused, and that origin receives nothing', async () => {
    const elsewhere = await serve((_req, res) => sendJson(res, []));
    const server = await serve((_req, res) => sendJson(res, rows(1, 2), 200, { link: `<${elsewhere.origin}/items?page=2>; rel=next` }));
    const read = readPages(options({ url: server.origin, headers_from_env: { Authorization: 'T_TOKEN' }, pagination: 'link' }), ctx({ env: { T_TOKEN: 'Bearer generated-token-1' } }));
    const error = await failure(() => read);
    expect(error.code).toBe('http_link_cross_origin');
    expect(error.message).toContain('page 1');
    expect(elsewhere.seen).toHaveLength(0);
    expect(read.summary.records).toBe(0); // the page's records are not handed over before its next link is checked
  });

  it('none: one request', async () => {
    const server = await serve((_req, res) => sendJson(res, { result: { list: rows(1, 4) } }));
    const read = readPages(options({ url: server.origin, records: '/result/list', pagination: 'none' }), ctx());
    expect(ids(await collect(read))).toEqual(range(1, 4));
    expect(server.seen).toHaveLength(1);
  });

  it('a server that ignores the page parameter fails the read instead of looping', async () => {
    const server = await serve((_req, res) => sendJson(res, rows(1, 10)));
    const error = await failure(() => readPages(options({ url: server.origin, pagination: { kind: 'page', size: 10 } }), ctx()));
    expect(error.code).toBe('http_page_repeated');
    expect(server.seen).toHaveLength(2);
  });
});

describe('http reader: retries, failures and the rate limit', () => {
  it('429 with Retry-After in seconds: waits what the server asks, then succeeds', async () => {
    const server = await serve((_req, res, n) => (n === 1 ? sendJson(res, { error: 'slow down' }, 429, { 'retry-after': '1' }) : sendJson(res, rows(1, 3))));
    const read = readPages(options({ url: server.origin, pagination: 'none', retry: { base_delay_ms: 1 } }), ctx());
    expect(ids(await collect(read))).toEqual(range(1, 3));
    expect(server.seen[1]!.atMs - server.seen[0]!.atMs).toBeGreaterThanOrEqual(950);
    expect(read.summary).toMatchObject({ requests: 2, retries: 1, complete: true });
  });

  it('429 with Retry-After as an HTTP date, and one beyond max_delay_ms fails at once', async () => {
    const server = await serve((_req, res, n) => {
      if (n === 1) sendJson(res, {}, 429, { 'retry-after': new Date(Date.now() + 2000).toUTCString() });
      else if (n === 2) sendJson(res, rows(1, 1));
      else sendJson(res, {}, 503, { 'retry-after': '3600' });
    });
    const read = readPages(options({ url: server.origin, pagination: 'none', retry: { base_delay_ms: 1 } }), ctx());
    expect(ids(await collect(read))).toEqual(['1']);
    expect(server.seen[1]!.atMs - server.seen[0]!.atMs).toBeGreaterThanOrEqual(900); // the date has whole seconds: 1-2 s away
    const error = await failure(() => readPages(options({ url: server.origin, pagination: 'none' }), ctx()));
    expect(error.code).toBe('http_retry_after_too_long');
    expect(server.seen).toHaveLength(3);
  });

  it('503 twice, then success: backoff grows between attempts', async () => {
    const server = await serve((_req, res, n) => (n <= 2 ? sendJson(res, {}, 503) : sendJson(res, rows(1, 2))));
    const read = readPages(options({ url: server.origin, pagination: 'none', retry: { base_delay_ms: 100 } }), ctx({ random: () => 0.999 }));
    expect(ids(await collect(read))).toEqual(range(1, 2));
    const [a, b, c] = server.seen.map((s) => s.atMs) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(95); // ~0.999 × 100
    expect(c - b).toBeGreaterThanOrEqual(195); // ~0.999 × 200
    expect(read.summary).toMatchObject({ requests: 3, retries: 2 });
  });

  it('500 on every attempt fails after max_attempts, naming the page and the path but no query value', async () => {
    const server = await serve((req, res) => (req.query.get('page') === '1' ? sendJson(res, rows(1, 2)) : sendJson(res, {}, 500)));
    const read = readPages(options({
      url: `${server.origin}/api/people`, query_from_env: { api_key: 'T_KEY' }, pagination: { kind: 'page', size: 2 }, retry: { max_attempts: 3, base_delay_ms: 1 },
    }), ctx({ env: { T_KEY: 'generated-key-31337' } }));
    const error = await failure(() => read);
    expect(error).toBeInstanceOf(ExtractError);
    expect(error.code).toBe('http_retries_exhausted');
    expect(error.message).toContain('page 2');
    expect(error.message).toContain(`${server.origin}/api/people?`);
    expect(error.message).toContain('HTTP 500 Internal Server Error');
    expect(error.message).not.toContain('generated-key-31337');
    expect(server.seen.map((s) => s.query.get('page'))).toEqual(['1', '2', '2', '2']);
    expect(server.seen.every((s) => s.query.get('api_key') === 'generated-key-31337')).toBe(true);
    expect(read.summary).toMatchObject({ pages: 1, records: 2, complete: false });
  });

  it('a 4xx other than 429 fails at once with the status', async () => {
    const server = await serve((_req, res) => sendJson(res, { error: 'no' }, 401));
    const error = await failure(() => readPages(options({ url: `${server.origin}/x`, headers_from_env: { Authorization: 'T_TOKEN' }, pagination: 'none' }), ctx({ env: { T_TOKEN: 'Bearer generated' } })));
    expect(error.code).toBe('http_status');
    expect(error.message).toContain('HTTP 401 Unauthorized');
    expect(error.message).toContain('T_TOKEN');
    expect(server.seen).toHaveLength(1);
  });

  it('a request that does not answer within timeout_ms is abandoned and retried', async () => {
    const server = await serve((_req, res, n) => {
      if (n === 1) setTimeout(() => sendJson(res, rows(1, 1)), 2_000).unref();
      else sendJson(res, rows(5, 6));
    });
    const started = performance.now();
    const read = readPages(options({ url: server.origin, pagination: 'none', timeout_ms: 200, retry: { base_delay_ms: 1 } }), ctx());
    expect(ids(await collect(read))).toEqual(['5', '6']);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(read.summary.retries).toBe(1);
  });

  it('network errors are retried: a port with no server fails after the attempts, as a network error', async () => {
    const server = await serve((_req, res) => sendJson(res, []));
    const origin = server.origin;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const error = await failure(() => readPages(options({ url: origin, pagination: 'none', retry: { max_attempts: 2, base_delay_ms: 1 } }), ctx()));
    expect(error.code).toBe('http_retries_exhausted');
    expect(error.message).toMatch(/network error \(ECONNREFUSED\) on the last of 2 attempts/);
  });

  it('same-origin redirects are followed; one to another origin is refused', async () => {
    const elsewhere = await serve((_req, res) => sendJson(res, rows(1, 1)));
    const server = await serve((req, res) => {
      if (req.path === '/old') { res.writeHead(301, { location: '/new' }); res.end(); }
      else if (req.path === '/away') { res.writeHead(302, { location: `${elsewhere.origin}/x` }); res.end(); }
      else sendJson(res, rows(1, 2));
    });
    expect(ids(await collect(readPages(options({ url: `${server.origin}/old`, pagination: 'none' }), ctx())))).toEqual(['1', '2']);
    const error = await failure(() => readPages(options({ url: `${server.origin}/away`, pagination: 'none' }), ctx()));
    expect(error.code).toBe('http_redirect_cross_origin');
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('an abort ends the read at once with the caller\'s reason, even while it waits to retry', async () => {
    const server = await serve((_req, res) => sendJson(res, {}, 503, { 'retry-after': '5' }));
    const controller = new AbortController();
    const read = readPages(options({ url: server.origin, pagination: 'none' }), ctx({ signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('run cancelled')), 200).unref();
    const started = performance.now();
    const error = await failure(() => read);
    expect(error.message).toBe('run cancelled');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(server.seen).toHaveLength(1);
  });

  it('rate limit: 20 requests at 10 per second take at least 1.9 s; without the limit they do not', async () => {
    const server = await serve((req, res) => {
      const page = Number(req.query.get('page'));
      sendJson(res, rows(page, page < 20 ? page : page - 1).slice(0, 1));
    });
    const read = (rateLimit?: object) => readPages(options({ url: server.origin, pagination: { kind: 'page', size: 1 }, ...(rateLimit ? { rate_limit: rateLimit } : {}) }), ctx());
    const free = await collect(read());
    expect(free).toHaveLength(19);
    expect(server.seen).toHaveLength(20);
    const unlimited = server.seen[19]!.atMs - server.seen[0]!.atMs;
    expect(unlimited).toBeLessThan(1_000); // the control: this server answers fast enough for the limit to be what is measured

    server.seen.length = 0;
    const limited = read({ requests_per_second: 10 });
    expect(await collect(limited)).toHaveLength(19);
    expect(server.seen).toHaveLength(20);
    const gaps = server.seen.slice(1).map((s, i) => s.atMs - server.seen[i]!.atMs);
    expect(server.seen[19]!.atMs - server.seen[0]!.atMs).toBeGreaterThanOrEqual(1_850); // 19 intervals of 100 ms
    // spaced evenly, not bunched: the median gap is an interval (a single gap also holds latency jitter)
    expect(gaps.sort((a, b) => a - b)[9]!).toBeGreaterThanOrEqual(90);
    expect(server.seen[19]!.atMs - server.seen[0]!.atMs).toBeLessThan(4_000);
  });

  it('rate limit with a burst: the first requests go back to back, the rest at the rate', async () => {
    const server = await serve((req, res) => sendJson(res, rows(Number(req.query.get('page')), Number(req.query.get('page'))).filter((r) => r.id <= 10)));
    const read = readPages(options({ url: server.origin, pagination: { kind: 'page', size: 1 }, rate_limit: { requests_per_second: 20, burst: 5 } }), ctx());
    await collect(read);
    expect(server.seen).toHaveLength(11);
    const t = server.seen.map((s) => s.atMs - server.seen[0]!.atMs);
    expect(t[4]!).toBeLessThan(150); // five as fast as the round trips go; at the rate alone the fifth would wait 200 ms
    // then one every 50 ms: the eleventh 300 ms after the first (less the first one's connection set-up);
    // without the burst it would be 500 ms
    expect(t[10]!).toBeGreaterThanOrEqual(250);
    expect(t[10]!).toBeLessThan(450);
  });
});

describe('http reader: headers, values and memory', () => {
  it('headers from the environment arrive at the server and are never logged', async () => {
    const server = await serve((_req, res) => sendJson(res, rows(1, 1)));
    let log = '';
    const logger = createLogger({ level: 'trace', destination: new Writable({ write(chunk, _e, done) { log += chunk; done(); } }) });
    const env = { T_TOKEN: 'Bearer generated-token-7f3a', T_TENANT: 'tenant-42' };
    const read = readPages(options({ url: server.origin, pagination: 'none', headers_from_env: { Authorization: 'T_TOKEN', 'X-Tenant-Id': 'T_TENANT' } }), { env, logger });
    await collect(read);
    expect(server.seen[0]!.headers.authorization).toBe('Bearer generated-token-7f3a');
    expect(server.seen[0]!.headers['x-tenant-id']).toBe('tenant-42');
    expect(log).toContain('http read complete');
    expect(log).not.toContain('generated-token-7f3a');
    expect(log).not.toContain('tenant-42');
  });

  it('a missing variable is a configuration error naming it, before any request', async () => {
    const server = await serve((_req, res) => sendJson(res, []));
    const opts = options({ url: server.origin, pagination: 'none', headers_from_env: { Authorization: 'ONECODE_API_TOKEN' } });
    const error = await failure(async () => readPages(opts, ctx({ env: { OTHER: 'x' } })));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('http_env_missing');
    expect(error.message).toContain('ONECODE_API_TOKEN');
    expect(error.message).toContain('headers_from_env.Authorization');
    expect(server.seen).toHaveLength(0);
    expect(() => readPages(opts, ctx({ env: { ONECODE_API_TOKEN: 'a\r\nX-Injected: 1' } }))).toThrow(/ONECODE_API_TOKEN holds a line break/);
  });

  it('big integers and decimals keep their exact text; nested values arrive as JSON text', async () => {
    const body = '{"data":[{"big":12345678901234567890,"edge":9007199254740993,"dec":0.10,"exp":1.5E+400,"neg":-0.0,'
      + '"idAsNumber":350102198503170011,"flag":false,"none":null,"nested":{"n":9007199254740993,"d":1.10},"list":[1.0,2]}]}';
    const server = await serve((_req, res) => sendJson(res, body));
    const items = await collect(readPages(options({ url: server.origin, records: 'data', pagination: 'none' }), ctx()));
    expect(items).toEqual([{
      kind: 'record', ordinal: 1, page: 1,
      record: {
        big: '12345678901234567890', edge: '9007199254740993', dec: '0.10', exp: '1.5E+400', neg: '-0.0',
        idAsNumber: '350102198503170011', flag: 'false', none: null, nested: '{"n":9007199254740993,"d":1.10}', list: '[1.0,2]',
      },
      nonScalar: ['nested', 'list'],
    }]);
  });

  it('a record that is not an object, or repeats a key, is unreadable data and the read goes on', async () => {
    const server = await serve((_req, res) => sendJson(res, '{"data":[{"id":1},42,"text",null,[1],{"id":6,"id":7},{"id":8,"k":"\\ud800"},{"__proto__":"p","id":9}]}'));
    const read = readPages(options({ url: server.origin, records: 'data', pagination: 'none' }), ctx());
    const items = await collect(read);
    expect(items.map((i) => (i.kind === 'record' ? 'record' : i.reasons.map((r) => r.code).join()))).toEqual([
      'record', 'http_record_not_object', 'http_record_not_object', 'http_record_not_object', 'http_record_not_object',
      'http_json_duplicate_key', 'http_lone_surrogate', 'record',
    ]);
    expect(items.filter((i) => i.kind === 'unreadable').map((i) => i.kind === 'unreadable' && i.raw)).toEqual(['42', '"text"', 'null', '[1]', '{"id":[6,7]}', '{"id":8,"k":"\\ud800"}']);
    const last = items[7]!;
    expect(last.kind === 'record' && Object.keys(last.record)).toEqual(['__proto__', 'id']);
    expect(read.summary).toMatchObject({ records: 2, unreadable: 6 });
  });

  it('a body that is not JSON, or has no records array, fails the read naming the page and path', async () => {
    const server = await serve((req, res) => {
      if (req.path === '/html') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>maintenance</html>'); return; }
      sendJson(res, req.query.get('page') === '1' ? { data: { items: rows(1, 2) } } : { data: { list: [] } });
    });
    const notJson = await failure(() => readPages(options({ url: `${server.origin}/html?secret=s3cr3t`, pagination: 'none' }), ctx()));
    expect(notJson.code).toBe('http_not_json');
    expect(notJson.message).toContain(`page 1 (GET ${server.origin}/html?secret=…)`);
    expect(notJson.message).toContain('Content-Type text/html');
    expect(notJson.message).not.toContain('s3cr3t');
    const missing = await failure(() => readPages(options({ url: `${server.origin}/api`, records: 'data.items', pagination: { kind: 'page', size: 2 } }), ctx()));
    expect(missing.code).toBe('http_records_missing');
    expect(missing.message).toContain('page 2');
    expect(missing.message).toContain("'data.items'");
  });

  it('a body declared GBK is decoded as GBK; bytes that are not UTF-8 fail the page', async () => {
    const text = JSON.stringify([{ id: 1, label: '福州市鼓楼区' }]);
    const server = await serve((req, res) => {
      if (req.path === '/gbk') { res.writeHead(200, { 'content-type': 'application/json;charset=GBK' }); res.end(iconv.encode(text, 'gbk')); }
      else { res.writeHead(200, { 'content-type': 'application/json' }); res.end(iconv.encode(text, 'gbk')); }
    });
    const items = await collect(readPages(options({ url: `${server.origin}/gbk`, pagination: 'none' }), ctx()));
    expect(items[0]!.kind === 'record' && items[0]!.record.label).toBe('福州市鼓楼区');
    const error = await failure(() => readPages(options({ url: `${server.origin}/utf8`, pagination: 'none' }), ctx()));
    expect(error.code).toBe('http_invalid_encoding');
  });

  it('a page larger than max_page_bytes fails the read', async () => {
    const server = await serve((_req, res) => sendJson(res, rows(1, 1000)));
    const error = await failure(() => readPages(options({ url: server.origin, pagination: 'none', max_page_bytes: 10_000 }), ctx()));
    expect(error.code).toBe('http_page_too_large');
  });

  it('pages are streamed: the next page is asked for only when the last record of the page before is taken', async () => {
    const server = await serve((req, res) => {
      const page = Number(req.query.get('page'));
      sendJson(res, page <= 5 ? rows(page * 100 - 99, page * 100) : []);
    });
    const read = readPages(options({ url: server.origin, pagination: { kind: 'page', size: 100 } }), ctx());
    expect(server.seen).toHaveLength(0);
    const requestsAt: number[] = [];
    for await (const item of read) if (item.ordinal % 100 === 1 || item.ordinal % 100 === 0) requestsAt.push(server.seen.length);
    // at the first and the last record of page k, exactly k pages have been requested
    expect(requestsAt).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(server.seen).toHaveLength(6);
  });

  it('memory stays bounded by a page: what a read keeps alive does not grow with the pages read', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const pages = 30;
    const page = (n: number) => JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ id: n * 500 + i, note: `${'x'.repeat(200)}-${n}-${i}` })));
    const server = await serve((req, res) => {
      const n = Number(req.query.get('page'));
      sendJson(res, n <= pages ? page(n) : '[]');
    });
    const read = readPages(options({ url: server.origin, pagination: { kind: 'page', size: 500 } }), ctx());
    gc();
    const before = process.memoryUsage().heapUsed;
    const retained: number[] = []; // heap in use after a full collection, in the middle of each page
    let count = 0;
    for await (const item of read) {
      count++;
      if (item.ordinal % 500 === 250) {
        gc();
        retained.push(process.memoryUsage().heapUsed - before);
      }
    }
    expect(count).toBe(pages * 500);
    expect(retained).toHaveLength(pages);
    const first = retained[0]!;
    // One page parsed is a few MB (lossless-json builds strings by concatenation); keeping the pages
    // read would add that much per page, 30 times over.
    expect(first).toBeGreaterThan(1024 * 1024);
    expect(Math.max(...retained)).toBeLessThan(first * 1.5 + 2 * 1024 * 1024);
  });
});

describe('http reader options', () => {
  it('refuse credentials in the URL without quoting them, and other schemes', () => {
    const result = HttpReadOptions.safeParse({ url: 'https://user:pa55word@api.example/v1', pagination: 'none' });
    expect(result.success).toBe(false);
    const text = JSON.stringify(result.error?.issues);
    expect(text).toContain('credentials in the URL');
    expect(text).not.toContain('pa55word');
    expect(HttpReadOptions.safeParse({ url: 'ftp://api.example/', pagination: 'none' }).success).toBe(false);
  });

  it('need a pagination, fill in the defaults, and refuse a pagination parameter in query', () => {
    expect(JSON.stringify(HttpReadOptions.safeParse({ url: 'https://api.example/' }).error?.issues)).toContain('say how the API pages');
    const parsed = options({ url: 'https://api.example/', pagination: { kind: 'page' } });
    expect(parsed.pagination).toEqual({ kind: 'page', param: 'page', size_param: 'size', size: 100, start: 1 });
    expect(parsed.retry).toEqual({ max_attempts: 5, base_delay_ms: 200, max_delay_ms: 10_000 });
    expect(parsed.timeout_ms).toBe(30_000);
    expect(HttpReadOptions.safeParse({ url: 'https://api.example/', pagination: 'offset', query: { offset: 5 } }).success).toBe(false);
    expect(HttpReadOptions.safeParse({ url: 'https://api.example/', pagination: 'cursor' }).success).toBe(false); // next is required
    expect(HttpReadOptions.safeParse({ url: 'https://api.example/', pagination: 'none', records: 'a..b' }).success).toBe(false);
    expect(HttpReadOptions.safeParse({ url: 'https://api.example/', pagination: 'none', headers_from_env: { 'Bad Header': 'X' } }).success).toBe(false);
  });
});
