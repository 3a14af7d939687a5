/**
 * The change-event format, in one place for the side that writes events (src/index, in the run's
 * transaction) and the side that delivers them (src/push): the envelope's schema name and fields,
 * the state a record event carries, the Kafka message key of an event, and the SQL that assembles
 * an envelope. docs/feed-contract.md is the consumer's description of the same format;
 * schemas/change-event.ts its zod schema (and docs/change-event.schema.json its JSON Schema).
 *
 * The envelope is modelled on Debezium's change-event envelope: `op` c (create), u (update) or
 * d (delete); `before` is null for c, `after` null for d.
 */
import type { EntityKind } from '../../schemas/canonical.ts';
import { quoteLiteral } from '../index/sql-text.ts';

/** Name and version of the envelope's shape: the envelope's `schema` and the `onecode-schema` header. */
export const CHANGE_EVENT_SCHEMA = 'onecode.change.v1';

/**
 * The entities an event can be about (`outbox.entity`, the envelope's `entity`): one topic (and one
 * exchange table) each. Licences (entity `licence`) write no change events yet: they are held for
 * lookups and materials checks (docs/licences.md), so they have no topic.
 */
export const EVENT_ENTITIES = ['person', 'legal_person', 'record'] as const satisfies readonly EntityKind[];
export type EventEntity = (typeof EVENT_ENTITIES)[number];

/** c create, u update, d delete (`outbox.op`, the envelope's `op`). */
export const EVENT_OPS = ['c', 'u', 'd'] as const;
export type EventOp = (typeof EVENT_OPS)[number];

/**
 * The envelope's fields, in the order the writer puts them. The first three are always
 * `{"schema":"…","id":"…","seq":N,` at the start of the text: {@link withSeqSql} relies on it.
 */
export const ENVELOPE_FIELDS = ['schema', 'id', 'seq', 'op', 'entity', 'code', 'before', 'after', 'source', 'ts_ms'] as const;

/**
 * The state a `record` event carries in `before` / `after`: the record's pipeline, its system,
 * its source key (the values of the pipeline's `source_key` columns, joined by U+001F when there
 * are several), its one code, and `fields`, the source row as loaded (column name → value).
 */
export const RECORD_STATE_FIELDS = ['pipeline', 'system', 'source_key', 'code', 'fields'] as const;

/** Where an event came from: the envelope's `source`. */
export interface EventSource {
  /** The pipeline whose run wrote the event (for a record relinked by another system's run, that run's pipeline). */
  pipeline: string;
  /** That pipeline's source system. */
  system: string;
  /** The run, e.g. `r000007`. */
  run_id: string;
}

/**
 * The Kafka message key of a record event: `<pipeline>/<source_key>`, the record's identity. A
 * pipeline name has no `/` (schemas/pipeline.ts), so the first `/` separates the two.
 */
export function recordMessageKey(pipeline: string, sourceKey: string): string {
  return `${pipeline}/${sourceKey}`;
}

/**
 * The Kafka message key of an event (docs/feed-contract.md, "Messages"):
 * - `person`, `legal_person`: the one code (`code`): one golden record per code, so a tombstone
 *   after a delete removes exactly that record from a compacted topic;
 * - `record`: the record's identity `<pipeline>/<source_key>` ({@link recordMessageKey}), taken
 *   from `after`, or from `before` for a delete. Many records share one code: keyed by the code, the
 *   tombstone of one record would remove all of them from a compacted topic. A record's code can
 *   also change (it links to a one code, or goes back to waiting): its key does not.
 * @returns undefined for a record event without `pipeline` and `source_key` strings (not an
 *   event of this format).
 */
export function messageKey(event: { entity: string; code: string; before?: unknown; after?: unknown }): string | undefined {
  if (event.entity !== 'record') return event.code;
  const state = (event.after ?? event.before) as { pipeline?: unknown; source_key?: unknown } | null | undefined;
  if (typeof state?.pipeline !== 'string' || typeof state.source_key !== 'string') return undefined;
  return recordMessageKey(state.pipeline, state.source_key);
}

/**
 * SQL of {@link messageKey} over an outbox row: columns `entity`, `code` and `event` (the envelope
 * text) of the table alias `a` (none by default). NULL for a record event without pipeline and
 * source key. Parses the envelope of record events only.
 */
export function messageKeySql(a = ''): string {
  const col = (c: string) => (a === '' ? c : `${a}.${c}`);
  const field = (name: string) =>
    `coalesce(json_extract_string(${col('event')}, '$.after.${name}'), json_extract_string(${col('event')}, '$.before.${name}'))`;
  return `(CASE WHEN ${col('entity')} = 'record' THEN ${field('pipeline')} || '/' || ${field('source_key')} ELSE ${col('code')} END)`;
}

/**
 * SQL of a record's state (`{pipeline, system, source_key, code, fields}`, {@link RECORD_STATE_FIELDS})
 * as JSON; each argument is an SQL expression, `payload` the source row as JSON text.
 */
export function recordStateSql(e: { pipeline: string; system: string; sourceKey: string; code: string; payload: string }): string {
  return `json_object('pipeline', ${e.pipeline}, 'system', ${e.system}, 'source_key', ${e.sourceKey}, 'code', ${e.code}, 'fields', json(${e.payload}))`;
}

/** The envelope's `source` as JSON text, keys in contract order. */
export function sourceJson(source: EventSource): string {
  return JSON.stringify({ pipeline: source.pipeline, system: source.system, run_id: source.run_id });
}

/**
 * SQL text expression of a whole envelope, fields in {@link ENVELOPE_FIELDS} order. The envelope is
 * assembled as text: `before` / `after` are JSON text already (json_object), and re-parsing a
 * million of them costs more than the rest.
 * @param e SQL expressions: `eventId` (VARCHAR UUID), `seq` (BIGINT), `op`, `entity`, `code`
 *   (VARCHAR), `before` / `after` (JSON text or NULL); and the plain values `source` and `tsMs`
 *   (the commit time, ms since the Unix epoch, UTC).
 */
export function envelopeSql(e: {
  eventId: string;
  seq: string;
  op: string;
  entity: string;
  code: string;
  before: string;
  after: string;
  source: EventSource;
  tsMs: number;
}): string {
  if (!Number.isSafeInteger(e.tsMs) || e.tsMs < 0) throw new Error(`tsMs must be a non-negative integer of milliseconds, got ${e.tsMs}`);
  return `'{"schema":"${CHANGE_EVENT_SCHEMA}","id":"' || ${e.eventId} || '","seq":' || ${e.seq} || ',"op":"' || ${e.op} || '","entity":"' || ${e.entity}
             || '","code":' || to_json(${e.code}) || ',"before":' || coalesce(${e.before}, 'null') || ',"after":' || coalesce(${e.after}, 'null')
             || ',"source":' || ${quoteLiteral(sourceJson(e.source))} || ',"ts_ms":${e.tsMs}}'`;
}

/**
 * The catalogue codes an event is delivered with (outbox `resource_code`, `provider_code`; Kafka
 * headers and sink columns, never the envelope): those of the catalogue entry of the pipeline whose
 * run wrote it (schemas/catalogue-entry.ts), or, for a record of another pipeline, that
 * pipeline's ({@link outboxInsertSql}).
 */
export interface CatalogueCodes {
  resourceCode: string;
  providerCode: string;
}

/**
 * The INSERT that writes a run's change events to the outbox, one row per row of `events`, each
 * with a new `seq` (from the `outbox_seq` sequence: increasing across runs, in no particular order
 * within one) and a random event id.
 * @param options.events SQL query yielding `entity`, `op`, `code`, `before`, `after` (JSON text or
 *   NULL) and `origin`: the pipeline whose source record the event is when that is not
 *   `source.pipeline` (a record of an earlier run of another pipeline that this run linked anew),
 *   else NULL.
 * @param options.createdAt SQL expression of the commit time (outbox.created_at).
 * @param options.catalogue the codes of `source.pipeline`'s entry, stored with every event whose
 *   `origin` is NULL (its own records, and the golden records its run changed: they carry the
 *   codes of the pipeline whose run produced the change); NULL when undefined. An event with an
 *   `origin` is that pipeline's resource: it gets the codes its latest run recorded
 *   (`event_classes`), NULL when it had none.
 */
export function outboxInsertSql(options: { events: string; source: EventSource; tsMs: number; createdAt: string; catalogue?: CatalogueCodes }): string {
  // `seq` comes from a sequence, not from row_number(), which would make the whole insert
  // single-threaded (measured 2.7 s vs 1.2 s for 1M events).
  const envelope = envelopeSql({
    eventId: 'event_id',
    seq: 'seq',
    op: 'op',
    entity: 'entity',
    code: 'code',
    before: 'before',
    after: 'after',
    source: options.source,
    tsMs: options.tsMs,
  });
  const own = options.catalogue === undefined ? { resource_code: 'NULL', provider_code: 'NULL' }
    : { resource_code: quoteLiteral(options.catalogue.resourceCode), provider_code: quoteLiteral(options.catalogue.providerCode) };
  const P = quoteLiteral(options.source.pipeline);
  const codes = (['resource_code', 'provider_code'] as const)
    .map((column) => `CASE WHEN origin IS NULL OR origin = ${P} THEN ${own[column]} ELSE (SELECT ec.${column} FROM event_classes ec WHERE ec.pipeline = origin) END`)
    .join(', ');
  return `
    INSERT INTO outbox (seq, event_id, entity, op, code, run_id, event, created_at, resource_code, provider_code)
    SELECT seq, event_id, entity, op, code, ${quoteLiteral(options.source.run_id)}, ${envelope}, ${options.createdAt}, ${codes}
    FROM (
      SELECT nextval('outbox_seq') AS seq, CAST(uuid() AS VARCHAR) AS event_id, *
      FROM (${options.events})
    )`;
}

/**
 * SQL giving the envelope text `event` (an SQL expression) a new `seq` (an SQL BIGINT expression):
 * the envelope starts with `{"schema":"…","id":"…","seq":N,` ({@link ENVELOPE_FIELDS}), so only that
 * number is replaced and every other byte stays as written. Yields the text unchanged when it does
 * not start that way; callers check the result (`json_extract(…, '$.seq')`).
 */
export function withSeqSql(event: string, seq: string): string {
  return `regexp_replace(${event}, '^\\{"schema":"([^"\\\\]*)","id":"([^"\\\\]*)","seq":[0-9]+,', '{"schema":"\\1","id":"\\2","seq":' || CAST(${seq} AS VARCHAR) || ',')`;
}
