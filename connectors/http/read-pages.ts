import { createHash } from 'node:crypto';
import { ExtractError } from '../../src/errors.ts';
import type { Logger } from '../../src/logger.ts';
import { valuesFromEnv } from './env-values.ts';
import { fetchPage, type Exchange } from './fetch-page.ts';
import { compilePath, resolvePath } from './json-path.ts';
import { SURROGATE_ESCAPE, parseJsonText, readRecord, syntaxFault, type RecordFault } from '../json-values.ts';
import type { HttpReadOptions } from './options.ts';
import { createPaginator, type HttpReadState, type Paginator, type Step } from './paginators.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { describeUrl, isLoopback } from './safe-url.ts';

export type { HttpReadState } from './paginators.ts';

/** What a read needs besides its options: one context object. */
export interface HttpReadContext {
  /** Where `headers_from_env` and `query_from_env` look their variables up (process.env in a run). */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Aborts the read between or during requests; the signal's reason is thrown. */
  signal?: AbortSignal;
  /** Where to resume (cursor and link pagination; see HttpReadState); absent: from the start. */
  state?: HttpReadState;
  /**
   * How messages name a top-level key of a record, e.g. `column 'sfzh'` for one the pipeline
   * declares. Default: `a key`, since an undeclared key may itself be data.
   */
  columnLabel?: (key: string) => string;
  /** A uniform number in [0, 1) for the retry jitter; Math.random unless a test fixes it. */
  random?: () => number;
}

/** One record of a page, every value as text (see json-values.ts `toText`). */
export interface HttpRecord {
  kind: 'record';
  /** 1-based position of the record in this read, unreadable items counted. */
  ordinal: number;
  /** 1-based number of the page it came on, in this read. */
  page: number;
  /** Key → value as text; null for JSON null. */
  record: Record<string, string | null>;
  /** Keys whose value is an object or array, which arrive as their JSON text. Absent when none. */
  nonScalar?: string[];
}

/** An item of a page's records array that is no readable record; it goes to quarantine. */
export interface HttpUnreadable {
  kind: 'unreadable';
  ordinal: number;
  page: number;
  /** The item's JSON text (numbers exact; a repeated key's values as an array), so nothing is lost. */
  raw: string;
  reasons: RecordFault[];
}

export type HttpItem = HttpRecord | HttpUnreadable;

/** Counts of a read, updated as it goes; `state` and `complete` are final once the generator ends. */
export interface HttpReadSummary {
  /** Pages received. */
  pages: number;
  /** Requests sent: retries and redirects included. */
  requests: number;
  /** Attempts repeated after a retriable failure. */
  retries: number;
  /** Items yielded as records, and as unreadable. */
  records: number;
  unreadable: number;
  /** True once the last page has been read and its items yielded. */
  complete: boolean;
  /**
   * Where a later read resumes: the state of the last page whose items have all been yielded
   * (the input state until then). Save it only when `complete`: a failed read never advances.
   */
  state: HttpReadState;
}

/** The read: an async generator of items, with its summary readable at any time. */
export type HttpRead = AsyncGenerator<HttpItem, HttpReadSummary, undefined> & { readonly summary: HttpReadSummary };

/**
 * Reads a JSON API page by page (options.ts says how each option works) and yields the items of
 * each page's records array in order. Pages are streamed: the next page is requested only when
 * the caller asks for the item after the last of the current page, so one page is in memory at a
 * time (at most `max_page_bytes` of body). The records array is found at `records`; numbers keep
 * their text (lossless-json). Requests go through fetch-page.ts (rate limit, retries, timeouts,
 * same-origin redirects).
 *
 * Throws at once (ConfigError `http_env_missing` / `http_env_invalid`) when a variable named in
 * `headers_from_env` or `query_from_env` is not set; the message names the variable, never a
 * value; ExtractError `http_state_invalid` / `http_state_cross_origin` for a saved link state
 * that is no URL or on another origin. While reading, throws ExtractError naming the page number and URL (query values left
 * out, safe-url.ts): those of fetch-page.ts and paginators.ts, and `http_not_json` (a body that
 * is no JSON), `http_records_missing` (no array at `records`), `http_page_repeated` (a page with
 * the very body of the one before: the server ignores the pagination parameters). A record that
 * is not an object, repeats a key, or holds a lone surrogate is yielded as unreadable, not thrown.
 * Header values are never logged.
 */
export function readPages(options: HttpReadOptions, ctx: HttpReadContext): HttpRead {
  const headers = valuesFromEnv(options.headers_from_env, ctx.env, 'headers_from_env');
  const secretQuery = valuesFromEnv(options.query_from_env, ctx.env, 'query_from_env');
  const fixed = { ...options.query, ...secretQuery };
  const base = new URL(options.url);
  for (const [name, value] of Object.entries(fixed)) base.searchParams.set(name, value);
  const paginator = createPaginator(options.pagination, { base, fixed, secretParams: Object.keys(secretQuery) }, ctx.state);
  const summary: HttpReadSummary = { pages: 0, requests: 0, retries: 0, records: 0, unreadable: 0, complete: false, state: ctx.state ?? {} };
  const variables = [...Object.values(options.headers_from_env), ...Object.values(options.query_from_env)];
  const exchange: Exchange = {
    headers,
    retry: options.retry,
    timeoutMs: options.timeout_ms,
    maxPageBytes: options.max_page_bytes,
    ...(options.rate_limit ? { limiter: createRateLimiter({ requestsPerSecond: options.rate_limit.requests_per_second, burst: options.rate_limit.burst }) } : {}),
    logger: ctx.logger,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    counters: summary,
    credentialsHint: variables.length === 0 ? 'none are sent: add headers_from_env' : `sent from ${variables.join(', ')}`,
    ...(ctx.random ? { random: ctx.random } : {}),
  };
  if (base.protocol === 'http:' && Object.keys(headers).length + Object.keys(secretQuery).length > 0 && !isLoopback(base)) {
    ctx.logger.warn({ url: describeUrl(base) }, 'http: credentials from the environment go over plain http, readable on the network; use https');
  }
  return Object.assign(readItems(options, ctx, paginator, exchange, summary), { summary });
}

/** A page as the items are read from it: its records array and where the read goes next. */
interface LoadedPage {
  records: unknown[];
  step: Step;
  /** Whether the body has a surrogate escape (else no record can hold a lone surrogate). */
  mayHoldSurrogates: boolean;
  /** SHA-256 of the body, to spot a server that sends the same page again. */
  digest: string;
}

async function* readItems(options: HttpReadOptions, ctx: HttpReadContext, paginator: Paginator, exchange: Exchange, summary: HttpReadSummary): AsyncGenerator<HttpItem, HttpReadSummary, undefined> {
  const recordsPath = compilePath(options.records);
  const label = ctx.columnLabel ?? (() => 'a key');
  let ordinal = 0;
  let previousDigest = '';
  let url: URL | undefined = paginator.first;
  for (let page = 1; url !== undefined; page++) {
    let current: LoadedPage | undefined = await loadPage(url, page, previousDigest, { recordsPath, recordsText: options.records, paginator, exchange, logger: ctx.logger });
    summary.pages = page;
    previousDigest = current.digest;
    // An index, not for-of: an array iterator left in the generator's frame would keep the page alive.
    for (let i = 0; i < current.records.length; i++) {
      ordinal++;
      const read = readRecord(current.records[i], label, current.mayHoldSurrogates);
      if (read.ok) {
        summary.records++;
        yield read.nonScalar ? { kind: 'record', ordinal, page, record: read.record, nonScalar: read.nonScalar } : { kind: 'record', ordinal, page, record: read.record };
      } else {
        summary.unreadable++;
        yield { kind: 'unreadable', ordinal, page, raw: read.raw, reasons: read.reasons };
      }
    }
    summary.state = current.step.state;
    url = current.step.next;
    // Let the page go before the next one is fetched and parsed: one parsed page in memory, not two.
    current = undefined;
  }
  summary.complete = true;
  ctx.logger.info({ pages: summary.pages, requests: summary.requests, retries: summary.retries, records: summary.records, unreadable: summary.unreadable }, 'http read complete');
  return summary;
}

/**
 * Fetches and parses page `page`, finds its records and asks the paginator where to go next
 * (before any of its items is handed over, so a bad next link fails the read first).
 */
async function loadPage(url: URL, page: number, previousDigest: string, read: { recordsPath: readonly string[]; recordsText: string; paginator: Paginator; exchange: Exchange; logger: Logger }): Promise<LoadedPage> {
  const fetched = await fetchPage(url, page, read.exchange);
  const where = `page ${page} (GET ${describeUrl(fetched.url)})`;
  const digest = createHash('sha256').update(fetched.text).digest('hex');
  if (digest === previousDigest) {
    throw new ExtractError('http_page_repeated', `${where}: the same body as page ${page - 1}; does the server ignore the pagination parameters? check connector.pagination`);
  }
  const { body, records } = recordsOf(fetched.text, read.recordsPath, read.recordsText, where, fetched.headers);
  const step = read.paginator.step({ url: fetched.url, body, headers: fetched.headers, records: records.length, where });
  read.logger.debug({ page, records: records.length, bytes: fetched.text.length, url: describeUrl(fetched.url) }, 'http page read');
  return { records, step, mayHoldSurrogates: SURROGATE_ESCAPE.test(fetched.text), digest };
}

/** The parsed body and its records array; throws `http_not_json` or `http_records_missing`. */
function recordsOf(text: string, path: readonly string[], pathText: string, where: string, headers: Headers): { body: unknown; records: unknown[] } {
  let body: unknown;
  try {
    body = parseJsonText(text);
  } catch (error) {
    const type = headers.get('content-type')?.split(';')[0]?.trim() || 'none';
    throw new ExtractError('http_not_json', `${where}: the body is ${syntaxFault((error as Error).message)} (Content-Type ${type})`);
  }
  const found = resolvePath(body, path);
  const named = pathText === '' ? 'the body' : `connector.records '${pathText}'`;
  if (!found.found) {
    const why = found.why === 'duplicate_key' ? 'passes a key that appears twice with different values' : 'is not in the body';
    throw new ExtractError('http_records_missing', `${where}: ${named} ${why}; check connector.records`);
  }
  if (!Array.isArray(found.value)) throw new ExtractError('http_records_missing', `${where}: ${named} is not an array; check connector.records`);
  return { body, records: found.value };
}
