/**
 * The `http` connector: a JSON API read page by page (connectors/http/read-pages.ts: page,
 * offset, cursor-token or Link-header pagination, headers and query values from the environment,
 * retries with backoff on 408, 429 and 5xx honouring Retry-After, a request rate limit), every
 * value as text (numbers exact), one row per record with its ordinal in the read as position.
 *
 * What it can do:
 * - snapshot: a read of every page is the whole set (the default);
 * - cursor (`mode: cursor` with `since_param`): the read asks only for records changed since the
 *   last watermark minus `cursor.lag_seconds`, sending that instant in the query parameter
 *   `since_param`; the watermark is the latest `cursor.column` value read (timestamps: ISO 8601
 *   with a zone, or a wall time `YYYY-MM-DD HH:MM:SS` in China Standard Time);
 * - new only (`resume: true`, cursor-token or Link pagination of an append-only feed): the read
 *   starts again at the last page a successful run read.
 */
import { ConfigError } from '../src/errors.ts';
import { HttpConnectorOptions } from './http/options.ts';
import { readPages, type HttpReadState } from './http/read-pages.ts';
import { describeUrl } from './http/safe-url.ts';
import type { Connector, Extracted, SourceColumn, SourceDescription, SourceRead, SourceState } from './types.ts';
import { laterInstant, sinceText } from './watermark.ts';


/** Layout version of the http connector's state. */
const STATE_VERSION = 1;

interface HttpState {
  /** Latest cursor value read (mode cursor). */
  watermark?: string;
  /** Where a resumed read starts (resume). */
  pages?: HttpReadState;
}

export const httpConnector: Connector<HttpConnectorOptions> = {
  kind: 'http',
  options: HttpConnectorOptions,
  capabilities: (o) => ({ snapshot: !o.resume, cursor: o.since_param !== undefined, newOnly: o.resume }),
  describe: (_pipeline, o) => describe(o),

  async open(ctx, o): Promise<SourceRead> {
    const source = describe(o);
    const previous = ctx.state?.version === STATE_VERSION ? (ctx.state.value as HttpState) : {};
    const query = { ...o.query };
    if (ctx.cursor) {
      if (o.since_param === undefined) throw new ConfigError('connector_cannot', `${ctx.pipeline.file}: connector.since_param: mode cursor needs the query parameter that takes the lower bound`);
      if (previous.watermark !== undefined) query[o.since_param] = sinceText(previous.watermark, ctx.cursor.lagSeconds);
    }
    const pages = readPages({ ...o, query }, {
      env: ctx.env, logger: ctx.logger,
      ...(o.resume && previous.pages ? { state: previous.pages } : {}),
      columnLabel: (key) => (declared(ctx.pipeline, key) ? `column '${key}'` : 'a key'),
    });
    const seen = new Map<string, SourceColumn>();
    let watermark = previous.watermark;
    const cursorColumn = ctx.cursor?.column;
    async function* extract(): AsyncGenerator<Extracted> {
      for await (const item of pages) {
        if (item.kind === 'unreadable') {
          yield { kind: 'unreadable', line: item.ordinal, raw: item.raw, reasons: item.reasons.map((r) => ({ code: r.code, message: `page ${item.page}: ${r.message}` })) };
          continue;
        }
        for (const key of Object.keys(item.record)) if (!seen.has(key)) seen.set(key, { name: key });
        if (cursorColumn !== undefined) watermark = laterInstant(watermark, item.record[cursorColumn] ?? null);
        yield item.nonScalar ? { kind: 'row', line: item.ordinal, fields: item.record, nonScalar: item.nonScalar } : { kind: 'row', line: item.ordinal, fields: item.record };
      }
    }
    return {
      source,
      extract,
      async end() {
        const value: HttpState = {};
        if (watermark !== undefined) value.watermark = watermark;
        if (o.resume) value.pages = pages.summary.complete ? pages.summary.state : (previous.pages ?? {});
        const state: SourceState = { version: STATE_VERSION, value: value as Record<string, unknown> };
        return { state, columnsSeen: [...seen.values()] };
      },
      close: async () => {
        await pages.return(undefined as never).catch(() => undefined);
      },
    };
  },
};

function describe(o: HttpConnectorOptions): SourceDescription {
  const url = new URL(o.url);
  return { uri: describeUrl(url), label: `GET ${url.host}${url.pathname}`, positionKind: 'ordinal' };
}

/** Whether the pipeline names `key` (in its mapping, source key, cursor or classification): such a key may be named in messages. */
function declared(p: { mapping: Record<string, string | undefined>; source_key: string[]; classification: Record<string, unknown> }, key: string): boolean {
  return Object.values(p.mapping).includes(key) || p.source_key.includes(key) || Object.hasOwn(p.classification, key);
}
