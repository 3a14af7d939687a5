import type { DuckDBConnection } from '@duckdb/node-api';
import { IDENTIFIER_FIELDS, STORED_FIELDS } from '../../schemas/canonical.ts';
import { CHANGE_EVENT_SCHEMA } from '../../schemas/change-event.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { GuardError } from '../errors.ts';
import { oneCodeField } from './candidates.ts';
import { GOLDEN_TABLES, goldenJsonSql, goldenSql } from './golden.ts';
import { quoteLiteral } from './sql-text.ts';

/**
 * What happened to every row a run read, and to the index. `rowsRead` always equals
 * `loaded + duplicates + quarantined` (checked; a run whose counts do not add up fails).
 */
export interface RunCounts {
  rowsRead: number;
  loaded: number;
  duplicates: number;
  quarantined: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  events: number;
}

export interface ApplyRunOptions {
  connection: DuckDBConnection;
  pipeline: Pipeline;
  runId: string;
  runNo: number;
  sourcePath: string;
  /** Output of buildCandidates. */
  candidates: string;
  /** Unreadable rows: `line, raw, reason_code, message`. */
  rejectTable: string;
  /** Let a snapshot delete more than `max_delete_share` of the pipeline's records. */
  allowDeletes: boolean;
  /** Commit time, ms since the epoch (UTC): the events' ts_ms. */
  tsMs: number;
}

/** A planned run: its counts, and the write that applies it inside the caller's transaction. */
export interface RunPlan {
  counts: RunCounts;
  /** Writes source records, golden records, outbox events and quarantine. */
  write(): Promise<void>;
}

const num = async (connection: DuckDBConnection, sql: string): Promise<number> =>
  Number((await connection.runAndReadAll(sql)).getRows()[0]![0] ?? 0);

/**
 * Plans one staged extract against the index, set-based, reading only committed data (DuckDB
 * scans committed tables in parallel; tables written inside a transaction are scanned far more
 * slowly), and returns the counts and a `write` for the caller's transaction:
 * 1. counts by disposition (see buildCandidates);
 * 2. source records: created, updated (payload changed), deleted (snapshot pipelines only,
 *    bounded by `max_delete_share`), unchanged;
 * 3. golden persons / legal persons of the affected codes rebuilt by survivorship over the
 *    source records as they will be after the write;
 * 4. one change event per changed golden record (person, legal_person pipelines) or per changed
 *    source record (record pipelines), numbered after the outbox's highest `seq`;
 * 5. quarantined rows with their reasons.
 * @throws GuardError `extract_empty` when nothing loadable was read, `delete_guard` when a
 *   snapshot would delete too much, `counts_mismatch` if the counts would not add up. Nothing
 *   has been written then.
 */
export async function planRun(o: ApplyRunOptions): Promise<RunPlan> {
  const { connection: c, pipeline: p, runId } = o;
  const P = quoteLiteral(p.name);
  const R = quoteLiteral(runId);
  const S = quoteLiteral(p.system);
  const cand = o.candidates;
  const ts = `make_timestamp(${o.tsMs}::BIGINT * 1000)`;

  // 1. Dispositions.
  const [loaded, duplicates, quarantinedRows, staged] = (await c.runAndReadAll(`
    SELECT count(*) FILTER (WHERE disposition = 'loaded'),
           count(*) FILTER (WHERE disposition = 'duplicate'),
           count(*) FILTER (WHERE disposition IN ('quarantined', 'superseded')),
           count(*)
    FROM ${cand}`)).getRows()[0]!.map(Number) as [number, number, number, number];
  const unreadable = await num(c, `SELECT count(DISTINCT line) FROM ${o.rejectTable}`);
  if (loaded === 0) {
    throw new GuardError(
      'extract_empty',
      `${o.sourcePath}: the extract holds no loadable rows (${staged + unreadable} read, ${quarantinedRows + unreadable} quarantined): an empty export is treated as an upstream fault, nothing was changed or deleted`,
    );
  }

  // 2. Source records.
  const codeColumn = oneCodeField(p);
  const codeKind = IDENTIFIER_FIELDS[codeColumn]!;
  const isRecord = p.entity === 'record';
  const recordJson = (alias: string, payload: string) =>
    `json_object('pipeline', ${P}, 'system', ${S}, 'source_key', ${alias}.source_key, 'code', ${alias}.one_code, 'fields', json(${payload}))`;
  await c.run(`
    CREATE OR REPLACE TEMP TABLE sr_change AS
    SELECT coalesce(n.source_key, o.source_key) AS source_key, n.rn,
      CASE WHEN o.source_key IS NULL THEN 'c'
           WHEN n.source_key IS NULL THEN ${p.mode === 'snapshot' ? `'d'` : `'='`}
           WHEN n.payload_hash <> o.payload_hash OR n.one_code <> o.one_code THEN 'u'
           ELSE '=' END AS op,
      o.one_code AS old_code, n.one_code AS new_code, o.first_run_id AS old_first_run_id
      ${isRecord ? `, CASE WHEN o.source_key IS NOT NULL THEN ${recordJson('o', 'o.payload')} END AS before` : ''}
    FROM (SELECT rn, source_key, payload_hash, ${codeColumn} AS one_code FROM ${cand} WHERE disposition = 'loaded') n
    FULL OUTER JOIN (SELECT source_key, payload_hash, one_code, first_run_id${isRecord ? ', payload' : ''} FROM source_record WHERE pipeline = ${P}) o
      ON n.source_key = o.source_key`);
  const ops = Object.fromEntries(
    ((await c.runAndReadAll(`SELECT op, count(*) FROM sr_change GROUP BY op`)).getRows() as [string, bigint][]).map(([op, n]) => [op, Number(n)]),
  );
  const created = ops.c ?? 0;
  const updated = ops.u ?? 0;
  const deleted = ops.d ?? 0;
  const unchanged = ops['='] ?? 0;
  const existing = updated + deleted + unchanged;
  if (deleted > 0 && !o.allowDeletes && deleted > p.max_delete_share * existing) {
    throw new GuardError(
      'delete_guard',
      `${o.sourcePath}: this snapshot would delete ${deleted} of ${existing} records of pipeline '${p.name}' (${((100 * deleted) / existing).toFixed(1)}% > max_delete_share ${p.max_delete_share * 100}%): refusing; if the deletions are real, re-run with --allow-deletes`,
    );
  }
  // Rows to insert, shaped as source_record: on a first load every loaded row is new.
  const firstLoad = existing === 0;
  const newRecords = `
    SELECT ${P} AS pipeline, ${S} AS system, ${quoteLiteral(p.entity)} AS entity, i.source_key, i.${codeColumn} AS one_code,
           ${quoteLiteral(codeKind)} AS code_kind, i.code_status, ${STORED_FIELDS.map((f) => `i.${f}`).join(', ')},
           i.payload, i.payload_hash, CASE WHEN coalesce(len(i.flags), 0) > 0 THEN to_json(i.flags) END AS flags, i.line, ${p.priority} AS priority,
           ${firstLoad ? R : `coalesce(ch.old_first_run_id, ${R})`} AS first_run_id, ${R} AS changed_run_id, ${o.runNo} AS changed_run_no
    FROM ${cand} i ${firstLoad ? `WHERE i.disposition = 'loaded'` : `JOIN sr_change ch ON ch.rn = i.rn WHERE ch.op IN ('c', 'u')`}`;

  // 3 and 4. Golden records and change events. `events` yields (entity, op, code, before, after).
  let events = `SELECT NULL::VARCHAR AS entity, NULL::VARCHAR AS op, NULL::VARCHAR AS code, NULL::VARCHAR AS before, NULL::VARCHAR AS after WHERE false`;
  let goldenWrite: string[] = [];
  if (isRecord) {
    events = `
      SELECT 'record' AS entity, ch.op, coalesce(ch.new_code, ch.old_code) AS code, ch.before,
             CASE WHEN ch.op <> 'd' THEN ${recordJson('x', 'x.payload')} END AS after
      FROM sr_change ch
      LEFT JOIN (SELECT rn, source_key, payload, ${codeColumn} AS one_code FROM ${cand}) x ON x.rn = ch.rn
      WHERE ch.op IN ('c', 'u', 'd')`;
  } else if (created + updated + deleted > 0) {
    const entity = p.entity as 'person' | 'legal_person';
    const { table, key } = GOLDEN_TABLES[entity];
    await c.run(`
      CREATE OR REPLACE TEMP TABLE affected AS
      SELECT DISTINCT code FROM (
        SELECT old_code AS code FROM sr_change WHERE op IN ('u', 'd')
        UNION ALL SELECT new_code FROM sr_change WHERE op IN ('c', 'u')
      ) WHERE code IS NOT NULL`);
    // The affected codes' source records as they will be after the write.
    const after = `
      SELECT one_code, ${GOLDEN_TABLES[entity].stored.join(', ')}, updated_at, priority, changed_run_no, source_key
      FROM source_record
      WHERE entity = '${entity}' AND one_code IN (SELECT code FROM affected)
        AND NOT (pipeline = ${P} AND source_key IN (SELECT source_key FROM sr_change WHERE op IN ('u', 'd')))
      UNION ALL
      SELECT one_code, ${GOLDEN_TABLES[entity].stored.join(', ')}, updated_at, priority, changed_run_no, source_key
      FROM (${newRecords})`;
    await c.run(`CREATE OR REPLACE TEMP TABLE golden_new AS ${goldenSql(entity, after, runId)}`);
    const previous = await num(c, `SELECT count(*) FROM ${table} WHERE ${key} IN (SELECT code FROM affected)`);
    if (previous === 0) {
      // Only new codes (a first load): every golden row is a create.
      goldenWrite = [`INSERT INTO ${table} SELECT * FROM golden_new`];
      events = `SELECT ${quoteLiteral(entity)} AS entity, 'c' AS op, n.${key} AS code, NULL AS before, ${goldenJsonSql(entity, 'n')} AS after FROM golden_new n`;
    } else {
      await c.run(`
        CREATE OR REPLACE TEMP TABLE golden_diff AS
        SELECT * FROM (
          SELECT CASE WHEN o.${key} IS NULL THEN 'c' WHEN n.${key} IS NULL THEN 'd' ELSE 'u' END AS op,
                 coalesce(n.${key}, o.${key}) AS code,
                 CASE WHEN o.${key} IS NOT NULL THEN ${goldenJsonSql(entity, 'o')} END AS before,
                 CASE WHEN n.${key} IS NOT NULL THEN ${goldenJsonSql(entity, 'n')} END AS after
          FROM golden_new n
          FULL OUTER JOIN (SELECT * FROM ${table} WHERE ${key} IN (SELECT code FROM affected)) o ON n.${key} = o.${key}
        ) WHERE before IS NULL OR after IS NULL OR before <> after`);
      goldenWrite = [
        `DELETE FROM ${table} WHERE ${key} IN (SELECT code FROM golden_diff WHERE op IN ('u', 'd'))`,
        `INSERT INTO ${table} SELECT * FROM golden_new WHERE ${key} IN (SELECT code FROM golden_diff WHERE op IN ('c', 'u'))`,
      ];
      events = `SELECT ${quoteLiteral(entity)} AS entity, op, code, before, after FROM golden_diff`;
    }
  }
  // The envelope is assembled as text: before/after are JSON already (json_object above), and
  // re-parsing a million of them costs more than the rest. Key order follows
  // schemas/change-event.ts; the contract test parses every event with the zod schema.
  const sourceJson = quoteLiteral(JSON.stringify({ pipeline: p.name, system: p.system, run_id: runId }));
  // Inserted straight from committed temp tables in write(): materialising a million event
  // texts first cost more than the insert itself. `seq` comes from a sequence, not from
  // row_number(), which would make the whole insert single-threaded (measured 2.7 s vs 1.2 s
  // for 1M events); within a run the order of seq is arbitrary, across runs it increases.
  const outboxInsert = `
    INSERT INTO outbox (seq, event_id, entity, op, code, run_id, event, created_at)
    SELECT seq, event_id, entity, op, code, ${R},
           '{"schema":"${CHANGE_EVENT_SCHEMA}","id":"' || event_id || '","seq":' || seq || ',"op":"' || op || '","entity":"' || entity
             || '","code":' || to_json(code) || ',"before":' || coalesce(before, 'null') || ',"after":' || coalesce(after, 'null')
             || ',"source":' || ${sourceJson} || ',"ts_ms":${o.tsMs}}',
           ${ts}
    FROM (
      SELECT nextval('outbox_seq') AS seq, CAST(uuid() AS VARCHAR) AS event_id, *
      FROM (${events})
    )`;
  const eventCount = await num(c, `SELECT count(*) FROM (${events})`);

  // 5. Quarantine.
  await c.run(`
    CREATE OR REPLACE TEMP TABLE quarantine_new AS
    SELECT ${R} AS run_id, ${P} AS pipeline, ${S} AS system, ${quoteLiteral(o.sourcePath)} AS source_path, x.line, x.payload AS raw,
           list_transform(x.reasons, r -> r.code) AS reason_codes, to_json(x.reasons) AS reasons, ${ts} AS quarantined_at
    FROM (
      SELECT line, payload,
             CASE WHEN disposition = 'superseded'
                  THEN [{'code': 'source_key_superseded', 'field': ${quoteLiteral(p.source_key.join(', '))},
                         'message': 'a later row (line ' || winner_line || ') has the same source key with different values'}]
                  ELSE reasons END AS reasons
      FROM ${cand} WHERE disposition IN ('quarantined', 'superseded')
    ) x
    UNION ALL
    SELECT ${R}, ${P}, ${S}, ${quoteLiteral(o.sourcePath)}, line, first(raw), list(reason_code),
           to_json(list({'code': reason_code, 'field': '*', 'message': message})), ${ts}
    FROM ${o.rejectTable} GROUP BY line`);

  const counts: RunCounts = {
    rowsRead: staged + unreadable,
    loaded,
    duplicates,
    quarantined: quarantinedRows + unreadable,
    created,
    updated,
    deleted,
    unchanged,
    events: eventCount,
  };
  if (counts.loaded + counts.duplicates + counts.quarantined !== counts.rowsRead) {
    throw new GuardError('counts_mismatch', `run ${runId}: counts do not add up (${JSON.stringify(counts)}); nothing was applied`);
  }
  const inserts = created + updated;
  return {
    counts,
    async write() {
      if (updated + deleted > 0) {
        await c.run(`DELETE FROM source_record WHERE pipeline = ${P} AND source_key IN (SELECT source_key FROM sr_change WHERE op IN ('u', 'd'))`);
      }
      if (inserts > 0) await c.run(`INSERT INTO source_record BY NAME (${newRecords})`);
      for (const sql of goldenWrite) await c.run(sql);
      if (eventCount > 0) await c.run(outboxInsert);
      await c.run(`INSERT INTO quarantined_row BY NAME (SELECT * FROM quarantine_new)`);
    },
  };
}
