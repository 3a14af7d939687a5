import { z } from 'zod';
import { compilePath } from './json-path.ts';

/*
 * Options of the http reader, as a pipeline YAML writes them under `connector:` (snake_case).
 * The connector object adds its `kind: http` (see HttpReadFields); everything else about
 * reading an API is here.
 */

/** An environment variable name: letters, digits and `_`, not starting with a digit (POSIX.1-2017 XBD §8.1). */
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name: letters, digits and _, not starting with a digit');

/** An HTTP field name: a token (RFC 9110 §5.1, §5.6.2). */
const HeaderName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name (RFC 9110 §5.1: letters, digits and !#$%&\'*+.^_`|~-)');

/** A query parameter name: any text but the empty string. */
const ParamName = z.string().min(1, 'a query parameter name cannot be empty');

/** A JSON Pointer (`/data/items`) or dotted path (`data.items`); see json-path.ts. */
const JsonPath = z.string().superRefine((text, ctx) => {
  try {
    compilePath(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/**
 * A mapping whose keys are checked with `key` and values with `value`, each key kept as an own
 * property. Not `z.record`, which rebuilds the object by assignment and so drops a key named
 * `__proto__` (see ColumnClassification in schemas/pipeline.ts).
 */
function ownMapping<V extends z.ZodType>(key: z.ZodString, value: V, expected: string) {
  return z.unknown().optional().transform((input, ctx): Record<string, z.output<V>> => {
    const out: Record<string, z.output<V>> = {};
    if (input === undefined || input === null) return out;
    if (typeof input !== 'object' || Array.isArray(input)) {
      ctx.addIssue({ code: 'custom', message: `expected a mapping of ${expected}` });
      return z.NEVER;
    }
    for (const [k, v] of Object.entries(input)) {
      const name = key.safeParse(k);
      if (!name.success) ctx.addIssue({ code: 'custom', path: [k], message: name.error.issues[0]?.message ?? 'not a valid name' });
      const parsed = value.safeParse(v);
      if (!parsed.success) ctx.addIssue({ code: 'custom', path: [k], message: parsed.error.issues[0]?.message ?? 'not a valid value' });
      else Object.defineProperty(out, k, { value: parsed.data, enumerable: true, writable: true, configurable: true });
    }
    return out;
  });
}

/**
 * The API's first page: an absolute `http:` or `https:` URL. Refused: credentials in it
 * (`user:password@`; send them with `headers_from_env`), and a fragment (`#...`, never sent).
 * Messages never quote the URL, which might hold a password.
 */
const ApiUrl = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not an absolute URL (write it as https://host/path)' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'only http: and https: URLs can be read' });
  if (url.username !== '' || url.password !== '') ctx.addIssue({ code: 'custom', message: 'credentials in the URL (user:password@) are refused: they end up in logs and tables; send them with headers_from_env' });
  if (url.hash !== '') ctx.addIssue({ code: 'custom', message: 'a fragment (#...) is never sent to the server: remove it' });
});

/** How many records a page holds: sent as `size_param` (unless that is null) and used to spot the last page. */
const PageSize = z.number().int().min(1).max(1_000_000);

/**
 * Page-number pagination: `param` = start, start + 1, ... Ends on an empty page; else, when
 * `total` is given, once the records read reach the number at that path of a page; else on a
 * page with fewer than `size` records. Without `total`, a server that caps its page size below
 * `size` ends the read after one page: set `size` to what the server really returns, or `total`.
 */
export const PagePagination = z.strictObject({
  kind: z.literal('page'),
  /** Query parameter of the page number. Default `page`. */
  param: ParamName.default('page'),
  /** Query parameter of the page size; null sends none. Default `size`. */
  size_param: ParamName.nullable().default('size'),
  /** Records per page. Default 100. */
  size: PageSize.default(100),
  /** Number of the first page. Default 1. */
  start: z.number().int().min(0).default(1),
  /** Path of the total number of records in a page body (e.g. `meta.total`). Optional. */
  total: JsonPath.optional(),
});

/**
 * Offset pagination: `param` = start, then advanced by the number of records each page held
 * (not by `size`, so a server that returns fewer than asked loses nothing). Ends like `page`.
 */
export const OffsetPagination = z.strictObject({
  kind: z.literal('offset'),
  /** Query parameter of the offset. Default `offset`. */
  param: ParamName.default('offset'),
  /** Query parameter of the page size; null sends none. Default `limit`. */
  size_param: ParamName.nullable().default('limit'),
  /** Records per page. Default 100. */
  size: PageSize.default(100),
  /** Offset of the first record. Default 0. */
  start: z.number().int().min(0).default(0),
  /** Path of the total number of records in a page body. Optional. */
  total: JsonPath.optional(),
});

/**
 * Cursor-token pagination: the first request goes without `param` (or with the token a saved
 * state holds), each next one with the token found at `next` in the page before. Ends when the
 * token is absent, null or empty. A token equal to the one before is an error (the server does not
 * move on).
 */
export const CursorPagination = z.strictObject({
  kind: z.literal('cursor'),
  /** Query parameter of the token. Default `cursor`. */
  param: ParamName.default('cursor'),
  /** Path of the next token in a page body (e.g. `meta.next_cursor`). Required. */
  next: JsonPath,
  /** Query parameter of the page size; none is sent unless given. */
  size_param: ParamName.nullable().default(null),
  /** Records per page, sent as `size_param`. Default 100. */
  size: PageSize.default(100),
});

/**
 * Link-header pagination (RFC 8288): the next page is the target of the response's `Link`
 * header with relation type `next` (RFC 8288 §3.3; a relative target is resolved against the
 * page's URL, RFC 3986 §5). Ends when there is none. A target on another origin (scheme, host,
 * port: RFC 6454 §4) is refused, so the headers from the environment never leave for another
 * server.
 */
export const LinkPagination = z.strictObject({
  kind: z.literal('link'),
  /** Query parameter of the page size on the first request; none is sent unless given. */
  size_param: ParamName.nullable().default(null),
  /** Records per page, sent as `size_param` on the first request. Default 100. */
  size: PageSize.default(100),
});

/** No pagination: one request, one page. */
export const NoPagination = z.strictObject({ kind: z.literal('none') });

/** One of the kinds; a bare name (`pagination: link`) stands for that kind with its defaults. */
export const Pagination = z.preprocess(
  (value) => (typeof value === 'string' ? { kind: value } : value),
  z.discriminatedUnion('kind', [PagePagination, OffsetPagination, CursorPagination, LinkPagination, NoPagination], {
    error: 'say how the API pages: kind page, offset, cursor, link or none',
  }),
);

/**
 * Retries (429 Too Many Requests, 408, 5xx, network errors and timeouts): at most `max_attempts`
 * requests for one page, the wait before attempt n+1 drawn uniformly from
 * [0, min(max_delay_ms, base_delay_ms × 2^(n-1))] ("full jitter"), or what `Retry-After` says on
 * a 429 or 503 (RFC 9110 §10.2.3; RFC 6585 §4). A `Retry-After` longer than `max_delay_ms` fails
 * the read at once rather than wait or ask early.
 */
export const Retry = z.strictObject({
  /** Requests for one page, the first included. Default 5. */
  max_attempts: z.number().int().min(1).max(100).default(5),
  /** Base of the exponential backoff, in milliseconds. Default 200. */
  base_delay_ms: z.number().int().min(0).max(600_000).default(200),
  /** Longest wait between two attempts, in milliseconds. Default 10,000. */
  max_delay_ms: z.number().int().min(0).max(3_600_000).default(10_000),
});

/**
 * A request rate limit: a token bucket (the generic cell rate algorithm, ITU-T I.371) that lets
 * `burst` requests go at once and `requests_per_second` on average. Every request counts:
 * retries and redirects too.
 */
export const RateLimit = z.strictObject({
  /** Average requests per second; may be fractional (0.5 = one every 2 s). */
  requests_per_second: z.number().positive().max(10_000),
  /** Requests that may go back to back after a pause. Default 1. */
  burst: z.number().int().min(1).max(10_000).default(1),
});

/**
 * The fields of the reader's options, for a connector to spread into its own strict object
 * beside its `kind` (then `.superRefine(checkHttpReadOptions)`): a zod object with refinements
 * cannot be `.extend`ed. Secrets come only from the environment: `headers_from_env` and
 * `query_from_env` name variables, never values; a variable that is not set (or empty) is a
 * configuration error naming the variable (env-values.ts).
 */
export const HttpReadFields = {
  /** The first page's URL (see ApiUrl). */
  url: ApiUrl,
  /** Path of the records array in a page body; absent or `''`: the body is the array. */
  records: JsonPath.default(''),
  /** How the API pages (see Pagination). Required: reading one page of many is a silent loss. */
  pagination: Pagination,
  /** Fixed query parameters, added to every request that does not carry them. */
  query: ownMapping(ParamName, z.union([z.string(), z.number(), z.boolean()]).transform(String), 'query parameter → value'),
  /** Query parameter → environment variable holding its value (an API key sent in the query). */
  query_from_env: ownMapping(ParamName, EnvName, 'query parameter → environment variable name'),
  /** Header name → environment variable holding its value, e.g. `Authorization: ONECODE_API_TOKEN`. */
  headers_from_env: ownMapping(HeaderName, EnvName, 'header name → environment variable name'),
  /** Request rate limit; absent: none. */
  rate_limit: RateLimit.optional(),
  /** Retries (see Retry); defaults apply when absent. */
  retry: Retry.prefault({}),
  /** Time for one request, until its whole body has arrived, in milliseconds. Default 30,000. */
  timeout_ms: z.number().int().min(1).max(3_600_000).default(30_000),
  /**
   * Largest page body read, in bytes; a larger page fails the read. Default 16 MiB; at most
   * 256 MiB. A parsed page takes several times its bytes in memory (measured: about 6× for
   * records of short fields, about 27× for long strings, which lossless-json builds by
   * concatenation), and one page is in memory at a time.
   */
  max_page_bytes: z.number().int().min(1).max(256 * 1024 * 1024).default(16 * 1024 * 1024),
};

type Fields = z.output<z.ZodObject<typeof HttpReadFields>>;

/**
 * Checks across fields: the pagination parameters are the reader's (not in `query` or
 * `query_from_env`, and two different ones), and no parameter is given twice.
 */
export function checkHttpReadOptions(options: Fields, ctx: z.RefinementCtx): void {
  const p = options.pagination;
  const paging = ['param' in p ? p.param : undefined, 'size_param' in p ? p.size_param : undefined].filter((n): n is string => typeof n === 'string');
  if (paging.length === 2 && paging[0] === paging[1]) ctx.addIssue({ code: 'custom', path: ['pagination', 'size_param'], message: 'the size parameter cannot be the page parameter' });
  for (const name of paging) {
    for (const fixed of ['query', 'query_from_env'] as const) {
      if (Object.hasOwn(options[fixed], name)) ctx.addIssue({ code: 'custom', path: [fixed, name], message: `'${name}' is a pagination parameter: the reader sets it` });
    }
  }
  for (const name of Object.keys(options.query_from_env)) {
    if (Object.hasOwn(options.query, name)) ctx.addIssue({ code: 'custom', path: ['query_from_env', name], message: `'${name}' is in query too: give it once` });
  }
}

/** How to read a JSON API: the fields above as one strict object, checked across fields. */
export const HttpReadOptions = z.strictObject(HttpReadFields).superRefine(checkHttpReadOptions);

/** The options as parsed (defaults filled in). */
export type HttpReadOptions = z.output<typeof HttpReadOptions>;
export type HttpPagination = HttpReadOptions['pagination'];

/** Options of the `http` connector (pipeline YAML `connector:`). */
export const HttpConnectorOptions = z
  .strictObject({
    kind: z.literal('http'),
    ...HttpReadFields,
    /** Query parameter that receives the lower bound of a cursor read (`updated_since`); needed for mode cursor. */
    since_param: z.string().min(1).optional(),
    /** Cursor-token or Link pagination of an append-only feed: start at the last page a successful run read. Default false. */
    resume: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    checkHttpReadOptions(o, ctx);
    if (o.resume && o.pagination.kind !== 'cursor' && o.pagination.kind !== 'link') {
      ctx.addIssue({ code: 'custom', path: ['resume'], message: 'resume needs cursor or link pagination (a page or offset read starts at its first page)' });
    }
  });
export type HttpConnectorOptions = z.output<typeof HttpConnectorOptions>;
