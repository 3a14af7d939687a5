import type { DuckDBConnection } from '@duckdb/node-api';
import { CANONICAL_FIELDS } from '../../schemas/canonical.ts';
import { CHANGE_EVENT_SCHEMA } from '../../schemas/change-event.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { GuardError } from '../errors.ts';
import { goldenLegalPersonSql, goldenPersonSql } from './golden.ts';
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

const num = async (connection: DuckDBConnection, sql: string): Promise<number> =>
  Number((await connection.runAndReadAll(sql)).getRows()[0]![0] ?? 0);

/**
 * Applies one staged extract to the index, set-based, inside the caller's transaction:
 * 1. dispositions: each row is loaded, an exact duplicate of an earlier row (same source key and
 *    payload), or quarantined (its reasons; an earlier different version of a source key that a
 *    later row supersedes is quarantined as `source_key_superseded`);
 * 2. source records: created, updated (payload changed), deleted (snapshot pipelines only, bounded
 *    by `max_delete_share`), unchanged;
 * 3. golden persons / legal persons of the affected codes rebuilt by survivorship;
 * 4. one change event per changed golden record (person, legal_person pipelines) or per changed
 *    source record (record pipelines) appended to the outbox, `seq` continuing the outbox's;
 * 5. quarantined rows written with their reasons.
 * @throws GuardError `extract_empty` when nothing loadable was read, `delete_guard` when a
 *   snapshot would delete too much. The caller rolls back.
 */
export async function applyRun(o: ApplyRunOptions): Promise<RunCounts> {
  const { connection: c, pipeline: p, runId } = o;
  const P = quoteLiteral(p.name);
  const R = quoteLiteral(runId);
  const S = quoteLiteral(p.system);
  const cand = o.candidates;

  // 1. Dispositions.
  await c.run(`
    CREATE OR REPLACE TEMP TABLE disp AS
    WITH ok AS (
      SELECT rn, line, source_key, payload_hash,
             row_number() OVER (PARTITION BY source_key, payload_hash ORDER BY rn) AS copy_no
      FROM ${cand} WHERE len(reasons) = 0
    ), firsts AS (
      SELECT rn, max(rn) OVER (PARTITION BY source_key) AS winner, arg_max(line, rn) OVER (PARTITION BY source_key) AS winner_line
      FROM ok WHERE copy_no = 1
    )
    SELECT c.rn,
      CASE WHEN len(c.reasons) > 0 THEN 'quarantined'
           WHEN ok.copy_no > 1 THEN 'duplicate'
           WHEN f.winner <> c.rn THEN 'superseded'
           ELSE 'loaded' END AS disposition,
      f.winner_line
    FROM ${cand} c LEFT JOIN ok USING (rn) LEFT JOIN firsts f USING (rn)`);
  const counts = (await c.runAndReadAll(`
    SELECT count(*) FILTER (WHERE disposition = 'loaded'),
           count(*) FILTER (WHERE disposition = 'duplicate'),
           count(*) FILTER (WHERE disposition IN ('quarantined', 'superseded')),
           count(*)
    FROM disp`)).getRows()[0]!.map(Number);
  const [loaded, duplicates, quarantinedRows, staged] = counts as [number, number, number, number];
  const unreadable = await num(c, `SELECT count(DISTINCT line) FROM ${o.rejectTable}`);
  if (loaded === 0) {
    throw new GuardError(
      'extract_empty',
      `${o.sourcePath}: the extract holds no loadable rows (${staged + unreadable} read, ${quarantinedRows + unreadable} quarantined): an empty export is treated as an upstream fault, nothing was changed or deleted`,
    );
  }

  // 2. Source records.
  const columns = CANONICAL_FIELDS.join(', ');
  await c.run(`
    CREATE OR REPLACE TEMP TABLE incoming AS
    SELECT x.* FROM ${cand} x JOIN disp d USING (rn) WHERE d.disposition = 'loaded'`);
  const snapshot = p.mode === 'snapshot';
  await c.run(`
    CREATE OR REPLACE TEMP TABLE sr_change AS
    SELECT coalesce(n.source_key, o.source_key) AS source_key,
      CASE WHEN o.source_key IS NULL THEN 'c'
           WHEN n.source_key IS NULL THEN ${snapshot ? `'d'` : `'='`}
           WHEN n.payload_hash <> o.payload_hash OR n.one_code <> o.one_code THEN 'u'
           ELSE '=' END AS op,
      o.one_code AS old_code, n.one_code AS new_code, o.first_run_id AS old_first_run_id,
      CASE WHEN o.source_key IS NOT NULL THEN json_object('pipeline', ${P}, 'system', ${S}, 'source_key', o.source_key, 'code', o.one_code, 'fields', o.payload) END AS before,
      CASE WHEN n.source_key IS NOT NULL THEN json_object('pipeline', ${P}, 'system', ${S}, 'source_key', n.source_key, 'code', n.one_code, 'fields', json(n.payload)) END AS after
    FROM (SELECT source_key, payload_hash, payload, ${oneCodeExpr(p, '')} AS one_code FROM incoming) n
    FULL OUTER JOIN (SELECT source_key, payload_hash, payload, one_code, first_run_id FROM source_record WHERE pipeline = ${P}) o
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
  await c.run(`
    DELETE FROM source_record WHERE pipeline = ${P}
      AND source_key IN (SELECT source_key FROM sr_change WHERE op IN ('u', 'd'))`);
  await c.run(`
    INSERT INTO source_record (pipeline, system, entity, source_key, one_code, code_kind, code_status, ${columns},
                               payload, payload_hash, flags, line, priority, first_run_id, changed_run_id, changed_run_no)
    SELECT ${P}, ${S}, ${quoteLiteral(p.entity)}, i.source_key, ${oneCodeExpr(p, 'i.')}, ${quoteLiteral(codeKind(p))}, i.code_status, ${CANONICAL_FIELDS.map((f) => 'i.' + f).join(', ')},
           i.payload, i.payload_hash, CASE WHEN len(i.flags) > 0 THEN to_json(i.flags) END, i.line, ${p.priority},
           coalesce(ch.old_first_run_id, ${R}), ${R}, ${o.runNo}
    FROM incoming i
    JOIN sr_change ch ON ch.source_key = i.source_key AND ch.op IN ('c', 'u')`);

  // 3 and 4. Golden records and change events.
  await c.run(`CREATE OR REPLACE TEMP TABLE ev (entity VARCHAR, op VARCHAR, code VARCHAR, before VARCHAR, after VARCHAR)`);
  if (p.entity === 'record') {
    await c.run(`
      INSERT INTO ev SELECT 'record', op, coalesce(new_code, old_code), before, after
      FROM sr_change WHERE op IN ('c', 'u', 'd')`);
  } else {
    const [table, key, sql] = p.entity === 'person'
      ? ['golden_person', 'id_number', goldenPersonSql('affected', runId)]
      : ['golden_legal_person', 'uscc', goldenLegalPersonSql('affected', runId)];
    await c.run(`
      CREATE OR REPLACE TEMP TABLE affected AS
      SELECT DISTINCT code FROM (
        SELECT old_code AS code FROM sr_change WHERE op IN ('u', 'd')
        UNION ALL SELECT new_code FROM sr_change WHERE op IN ('c', 'u')
      ) WHERE code IS NOT NULL`);
    await c.run(`CREATE OR REPLACE TEMP TABLE golden_new AS ${sql}`);
    await c.run(`
      INSERT INTO ev
      SELECT ${quoteLiteral(p.entity)},
             CASE WHEN o.${key} IS NULL THEN 'c' WHEN n.${key} IS NULL THEN 'd' ELSE 'u' END,
             coalesce(n.${key}, o.${key}), o.golden, n.golden
      FROM golden_new n
      FULL OUTER JOIN (SELECT * FROM ${table} WHERE ${key} IN (SELECT code FROM affected)) o ON n.${key} = o.${key}
      WHERE o.${key} IS NULL OR n.${key} IS NULL OR CAST(n.golden AS VARCHAR) <> CAST(o.golden AS VARCHAR)`);
    await c.run(`
      DELETE FROM ${table} WHERE ${key} IN (SELECT code FROM ev WHERE op IN ('u', 'd'))`);
    await c.run(`
      INSERT INTO ${table} SELECT * FROM golden_new WHERE ${key} IN (SELECT code FROM ev WHERE op IN ('c', 'u'))`);
  }
  await c.run(`
    INSERT INTO outbox (seq, event_id, entity, op, code, run_id, event, created_at)
    SELECT seq, event_id, entity, op, code, ${R},
           json_object('schema', ${quoteLiteral(CHANGE_EVENT_SCHEMA)}, 'id', event_id, 'seq', seq, 'op', op, 'entity', entity,
                       'code', code, 'before', json(before), 'after', json(after),
                       'source', json_object('pipeline', ${P}, 'system', ${S}, 'run_id', ${R}), 'ts_ms', ${o.tsMs}),
           make_timestamp(${o.tsMs}::BIGINT * 1000)
    FROM (
      SELECT (SELECT coalesce(max(seq), 0) FROM outbox) + row_number() OVER (ORDER BY code, op DESC) AS seq,
             CAST(uuid() AS VARCHAR) AS event_id, *
      FROM ev
    )`);
  const events = await num(c, `SELECT count(*) FROM ev`);

  // 5. Quarantine.
  await c.run(`
    INSERT INTO quarantined_row
    SELECT ${R}, ${P}, ${S}, ${quoteLiteral(o.sourcePath)}, x.line, x.payload,
           list_transform(reasons, r -> r.code), to_json(reasons), make_timestamp(${o.tsMs}::BIGINT * 1000)
    FROM (
      SELECT x.line, x.payload,
             CASE WHEN d.disposition = 'superseded'
                  THEN [{'code': 'source_key_superseded', 'field': ${quoteLiteral(p.source_key.join(', '))},
                         'message': 'a later row (line ' || d.winner_line || ') has the same source key with different values'}]
                  ELSE x.reasons END AS reasons
      FROM ${cand} x JOIN disp d USING (rn) WHERE d.disposition IN ('quarantined', 'superseded')
    ) x
    UNION ALL
    SELECT ${R}, ${P}, ${S}, ${quoteLiteral(o.sourcePath)}, line, first(raw), list(reason_code),
           to_json(list({'code': reason_code, 'field': '*', 'message': message})), make_timestamp(${o.tsMs}::BIGINT * 1000)
    FROM ${o.rejectTable} GROUP BY line`);

  const result: RunCounts = {
    rowsRead: staged + unreadable,
    loaded,
    duplicates,
    quarantined: quarantinedRows + unreadable,
    created,
    updated,
    deleted,
    unchanged,
    events,
  };
  if (result.loaded + result.duplicates + result.quarantined !== result.rowsRead) {
    throw new GuardError('counts_mismatch', `run ${runId}: counts do not add up (${JSON.stringify(result)}); nothing was applied`);
  }
  return result;
}

function oneCodeExpr(p: Pipeline, prefix: string): string {
  return prefix + (codeKind(p) === 'uscc' ? 'uscc' : 'id_number');
}

function codeKind(p: Pipeline): string {
  return p.entity === 'legal_person' || (p.entity === 'record' && !p.mapping.id_number) ? 'uscc' : 'resident_id';
}
