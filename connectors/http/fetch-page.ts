import { STATUS_CODES } from 'node:http';
import { ExtractError, OnecodeError } from '../../src/errors.ts';
import type { Logger } from '../../src/logger.ts';
import { backoffDelayMs, pause, retryAfterMs, type RetrySettings } from './backoff.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { describeUrl, sameOrigin } from './safe-url.ts';

/** What every request of a read shares. */
export interface Exchange {
  /** Headers sent with every request (from the environment; never logged). */
  headers: Readonly<Record<string, string>>;
  retry: RetrySettings;
  /** Time for one request, until its whole body has arrived, in milliseconds. */
  timeoutMs: number;
  /** Largest body read, in bytes. */
  maxPageBytes: number;
  limiter?: RateLimiter;
  logger: Logger;
  /** Aborts the read: no retry, the signal's reason is thrown. */
  signal?: AbortSignal;
  /** Counted as requests go: every request sent (redirects and retries included), every retry. */
  counters: { requests: number; retries: number };
  /** Where the variable names behind `headers` are named, for the hint on 401 and 403. */
  credentialsHint: string;
  /** A uniform number in [0, 1) for the jitter; Math.random unless a test fixes it. */
  random?: () => number;
}

/** A page as received: the URL that answered (after redirects), its headers and its body as text. */
export interface FetchedPage {
  url: URL;
  headers: Headers;
  text: string;
}

/** An attempt that may succeed if repeated: why, and the wait the server asked for if it did. */
interface Retriable {
  problem: string;
  retryAfterMs?: number;
}

/** Statuses worth another attempt: 408 (RFC 9110 §15.5.9: the client MAY repeat), 429 (RFC 6585 §4), any 5xx. */
function retriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Redirects followed for one request (the Fetch standard allows 20; an API needs one or two). */
const MAX_REDIRECTS = 5;
/** Charsets a page may declare (Content-Type `charset=`, RFC 8259 §8.1 wants UTF-8; GBK is common here). */
const CHARSETS = new Set(['utf-8', 'utf8', 'gbk', 'gb18030']);

/** Why a network-level failure happened, without its message (which can quote hosts and paths). */
function networkProblem(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; name?: string } };
  if (e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError') return `no complete response within ${timeoutMs} ms`;
  const code = e.cause?.code;
  return code ? `network error (${code})` : 'network error';
}

/**
 * Fetches one page with GET: waits for the rate limiter before every request, retries what may
 * pass on another attempt (see `retriableStatus`, network errors, timeouts) with the backoff of
 * backoff.ts or the server's Retry-After (429, 503), follows same-origin redirects itself (a
 * redirect to another origin is refused: the headers hold credentials), and reads the body up to
 * `maxPageBytes`, decoded strictly (UTF-8 unless the response declares GBK or GB18030).
 *
 * Errors (ExtractError, each naming the page number and the URL as `describeUrl` writes it):
 * `http_status` (a 4xx other than 408 and 429; or a 3xx without Location), `http_retries_exhausted`,
 * `http_retry_after_too_long` (the server asks for a wait longer than `retry.max_delay_ms`),
 * `http_redirect_cross_origin`, `http_too_many_redirects`, `http_page_too_large`,
 * `http_invalid_encoding`. An abort rethrows the signal's reason.
 */
export async function fetchPage(url: URL, page: number, ex: Exchange): Promise<FetchedPage> {
  const { retry, logger } = ex;
  for (let attempt = 1; ; attempt++) {
    let outcome: FetchedPage | Retriable;
    try {
      outcome = await attemptPage(url, page, ex);
    } catch (error) {
      if (ex.signal?.aborted) throw ex.signal.reason;
      if (error instanceof OnecodeError) throw error;
      outcome = { problem: networkProblem(error, ex.timeoutMs) };
    }
    if (!('problem' in outcome)) return outcome;
    const where = `GET ${describeUrl(url)} (page ${page})`;
    if (attempt >= retry.max_attempts) {
      throw new ExtractError('http_retries_exhausted', `${where}: ${outcome.problem} on the last of ${retry.max_attempts} attempts; try later, or raise connector.retry.max_attempts`);
    }
    if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > retry.max_delay_ms) {
      throw new ExtractError('http_retry_after_too_long', `${where}: ${outcome.problem} asking to retry after ${Math.ceil(outcome.retryAfterMs / 1000)} s, longer than connector.retry.max_delay_ms (${retry.max_delay_ms} ms); run later, or raise max_delay_ms`);
    }
    const delayMs = outcome.retryAfterMs ?? backoffDelayMs(attempt, retry, ex.random);
    ex.counters.retries++;
    logger.warn({ page, attempt, problem: outcome.problem, delay_ms: delayMs, url: describeUrl(url) }, 'http request failed; retrying');
    await pause(delayMs, ex.signal);
  }
}

/** One attempt at a page: its requests (one, plus one per redirect), to a page or a retriable failure. */
async function attemptPage(url: URL, page: number, ex: Exchange): Promise<FetchedPage | Retriable> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    await ex.limiter?.acquire(ex.signal);
    ex.counters.requests++;
    const timeout = AbortSignal.timeout(ex.timeoutMs);
    const signal = ex.signal ? AbortSignal.any([ex.signal, timeout]) : timeout;
    const headers = new Headers({ accept: 'application/json' });
    for (const [name, value] of Object.entries(ex.headers)) headers.set(name, value); // names are case-insensitive: Accept replaces accept
    const response = await fetch(current, { headers, redirect: 'manual', signal });
    const where = `GET ${describeUrl(current)} (page ${page})`;
    const status = `HTTP ${response.status} ${STATUS_CODES[response.status] ?? ''}`.trimEnd();
    if (response.status >= 200 && response.status < 300) return { url: current, headers: response.headers, text: await readBody(response, where, ex.maxPageBytes) };
    await response.body?.cancel().catch(() => undefined);
    const location = response.headers.get('location');
    if (REDIRECTS.has(response.status) && location !== null) {
      const target = new URL(location, current);
      if (!sameOrigin(target, current)) throw new ExtractError('http_redirect_cross_origin', `${where}: ${status} to another origin (${target.origin}); the credentials from the environment are never sent there: point connector.url at the final address`);
      if (redirects >= MAX_REDIRECTS) throw new ExtractError('http_too_many_redirects', `${where}: more than ${MAX_REDIRECTS} redirects in a row`);
      current = target;
      continue;
    }
    if (retriableStatus(response.status)) {
      const asked = response.status === 429 || response.status === 503 ? retryAfterMs(response.headers.get('retry-after')) : undefined;
      return asked === undefined ? { problem: status } : { problem: status, retryAfterMs: asked };
    }
    const hint = response.status === 401 || response.status === 403 ? `check the credentials (${ex.credentialsHint})`
      : response.status === 404 ? 'check connector.url and, for a later page, the pagination settings'
        : 'the server refused the request: check connector.url, query and pagination';
    throw new ExtractError('http_status', `${where}: ${status}; ${hint}`);
  }
}

/** The body as text, at most `maxBytes` bytes, decoded strictly in the declared charset. */
async function readBody(response: Response, where: string, maxBytes: number): Promise<string> {
  const tooLarge = (): ExtractError => new ExtractError('http_page_too_large', `${where}: the body is larger than connector.max_page_bytes (${maxBytes} bytes); ask for smaller pages (pagination.size) or raise it`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  if (response.body) {
    // Throwing inside for-await returns the iterator, which cancels the stream.
    for await (const chunk of response.body) {
      length += chunk.byteLength;
      if (length > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(response.headers.get('content-type') ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
  if (!CHARSETS.has(charset)) throw new ExtractError('http_invalid_encoding', `${where}: the body declares charset ${charset}; JSON is read as UTF-8 (RFC 8259 §8.1), GBK or GB18030`);
  try {
    // fatal: bytes that do not decode fail the page rather than turn into U+FFFD; a BOM is dropped.
    return new TextDecoder(charset, { fatal: true }).decode(Buffer.concat(chunks, length));
  } catch {
    throw new ExtractError('http_invalid_encoding', `${where}: the body holds bytes that are not valid ${charset.toUpperCase()}`);
  }
}
