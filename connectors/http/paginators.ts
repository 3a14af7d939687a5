import { isLosslessNumber } from 'lossless-json';
import { ExtractError } from '../../src/errors.ts';
import { compilePath, resolvePath } from './json-path.ts';
import { nextLink } from './link-header.ts';
import type { HttpPagination } from './options.ts';
import { sameOrigin } from './safe-url.ts';

/**
 * Where a read can resume, saved by the caller after a complete read and handed back to the next
 * one (for an incremental source). Only cursor and link pagination have one: page and offset reads
 * are full reads every time.
 */
export interface HttpReadState {
  /** cursor pagination: the token that fetched the last page read (absent if that page needed none). */
  cursor?: string;
  /** link pagination: the URL of the last page read, without the `query_from_env` parameters. */
  url?: string;
}

/** A page as the paginator needs it. */
export interface SeenPage {
  /** The URL that answered (after redirects). */
  url: URL;
  /** The parsed body (lossless-json values). */
  body: unknown;
  headers: Headers;
  /** Items in its records array. */
  records: number;
  /** How messages name the page: `page 3 (GET https://host/path?page=…)`. */
  where: string;
}

/** The next page's URL (absent: the read is over) and where a later read resumes from this page. */
export interface Step {
  next?: URL;
  state: HttpReadState;
}

/** Walks the pages of one read. */
export interface Paginator {
  /** The first page's URL. */
  first: URL;
  /** After a page: where to go next. Throws ExtractError when the page contradicts the settings. */
  step(page: SeenPage): Step;
}

/** The pieces of a request URL the paginators build on. */
export interface UrlParts {
  /** `url` with the fixed query (`query`, `query_from_env`) set. */
  base: URL;
  /** Query parameter → value added to any URL that does not carry it (a Link target, a saved URL). */
  fixed: Readonly<Record<string, string>>;
  /** Parameters left out of a saved URL (their values are secrets). */
  secretParams: readonly string[];
}

function withParams(url: URL, params: Record<string, string | number | null | undefined>): URL {
  const out = new URL(url);
  for (const [name, value] of Object.entries(params)) if (value !== null && value !== undefined) out.searchParams.set(name, String(value));
  return out;
}

function withFixed(url: URL, fixed: Readonly<Record<string, string>>): URL {
  const out = new URL(url);
  for (const [name, value] of Object.entries(fixed)) if (!out.searchParams.has(name)) out.searchParams.set(name, value);
  return out;
}

/** The number at `path` in a page body: a JSON integer ≥ 0, or a string of digits. */
function totalAt(body: unknown, path: string, where: string): number {
  const found = resolvePath(body, compilePath(path));
  const value = found.found ? found.value : undefined;
  const text = isLosslessNumber(value) ? value.value : typeof value === 'string' ? value : undefined;
  if (text === undefined || !/^[0-9]+$/.test(text)) {
    throw new ExtractError('http_total_invalid', `${where}: pagination.total '${path}' ${found.found ? 'is not a whole number' : 'is not in the body'}`);
  }
  return Number(text);
}

/** The token at `path` (absent, null or '' → undefined): a string, or a number as its text. */
function tokenAt(body: unknown, path: string, where: string): string | undefined {
  const found = resolvePath(body, compilePath(path));
  if (!found.found) {
    if (found.why === 'duplicate_key') throw new ExtractError('http_cursor_invalid', `${where}: a key on the way to pagination.next '${path}' appears twice with different values`);
    return undefined;
  }
  const value = found.value;
  if (value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (isLosslessNumber(value)) return value.value;
  throw new ExtractError('http_cursor_invalid', `${where}: pagination.next '${path}' is neither a string nor a number`);
}

/**
 * The paginator for `pagination` (see options.ts for what each kind does and when it ends),
 * starting at `state` when the kind has one. Throws ExtractError `http_state_invalid` for a saved
 * link URL that is no URL and `http_state_cross_origin` for one on another origin than `url`.
 */
export function createPaginator(pagination: HttpPagination, parts: UrlParts, state: HttpReadState = {}): Paginator {
  const { base, fixed } = parts;
  switch (pagination.kind) {
    case 'none':
      return { first: base, step: () => ({ state: {} }) };
    case 'page':
    case 'offset': {
      const p = pagination;
      let position = p.start;
      let read = 0;
      const at = (n: number): URL => withParams(base, { [p.param]: n, ...(p.size_param === null ? {} : { [p.size_param]: p.size }) });
      return {
        first: at(position),
        step(page) {
          read += page.records;
          position = p.kind === 'page' ? position + 1 : position + page.records;
          const total = p.total === undefined ? undefined : totalAt(page.body, p.total, page.where);
          const over = page.records === 0
            || (total === undefined ? page.records < p.size : (p.kind === 'page' ? read : position) >= total);
          return over ? { state: {} } : { next: at(position), state: {} };
        },
      };
    }
    case 'cursor': {
      const p = pagination;
      let token = state.cursor;
      const at = (t: string | undefined): URL => withParams(base, { [p.param]: t, ...(p.size_param === null ? {} : { [p.size_param]: p.size }) });
      return {
        first: at(token),
        step(page) {
          const used = token;
          token = tokenAt(page.body, p.next, page.where);
          if (token !== undefined && token === used) {
            throw new ExtractError('http_cursor_repeated', `${page.where}: pagination.next '${p.next}' gives the token this page was fetched with; the server does not move on`);
          }
          const resume = used === undefined ? {} : { cursor: used };
          return token === undefined ? { state: resume } : { next: at(token), state: resume };
        },
      };
    }
    case 'link': {
      const p = pagination;
      let first = withParams(base, p.size_param === null ? {} : { [p.size_param]: p.size });
      if (state.url !== undefined) {
        const saved = URL.canParse(state.url) ? new URL(state.url) : undefined;
        if (saved === undefined) throw new ExtractError('http_state_invalid', 'the saved link state is no URL; clear the source state to read from the start');
        if (!sameOrigin(saved, base)) throw new ExtractError('http_state_cross_origin', `the saved link state points at another origin (${saved.origin}) than connector.url (${base.origin}); was connector.url changed? clear the source state to read from the start`);
        first = withFixed(saved, fixed);
      }
      return {
        first,
        step(page) {
          const saved = new URL(page.url);
          for (const name of parts.secretParams) saved.searchParams.delete(name);
          const target = nextLink(page.headers.get('link'), page.url);
          if (target === undefined) return { state: { url: saved.href } };
          if (!sameOrigin(target, page.url)) {
            throw new ExtractError('http_link_cross_origin', `${page.where}: the Link rel="next" target is on another origin (${target.origin}); the credentials from the environment are never sent there (RFC 6454 §5 origins)`);
          }
          target.hash = '';
          const next = withFixed(target, fixed);
          if (next.href === page.url.href) throw new ExtractError('http_link_repeated', `${page.where}: the Link rel="next" target is this page itself; the server does not move on`);
          return { next, state: { url: saved.href } };
        },
      };
    }
  }
}
