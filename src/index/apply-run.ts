import type { DuckDBConnection } from '@duckdb/node-api';
import { IDENTIFIER_FIELDS, STORED_FIELDS } from '../../schemas/canonical.ts';
import { CHANGE_EVENT_SCHEMA } from '../../schemas/change-event.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { GuardError } from '../errors.ts';
import { oneCodeField } from './candidates.ts';
import { GOLDEN_TABLES, goldenJsonSql, goldenSql, type GoldenEntity } from './golden.ts';
import { buildLinkTargets, dropLinkTargets, resolveWaitingSql } from './linkage.ts';
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
  /** Rows of this extract (counted in `loaded`) whose one code was found through a legacy code. */
  linked: number;
  /** Rows of this extract (counted in `loaded`) that wait, unlinked, for their legacy code to resolve. */
  unlinked: number;
  /**
   * Records of earlier runs, of any pipeline, whose linkage this run changed: linked (they were
   * waiting), moved to another code, or back to waiting (their code became ambiguous).
   */
  relinked: number;
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
 * 1. counts by disposition (see buildCandidates); rows waiting for linkage are linked where an
 *    alias resolves them (linkage.ts);
 * 2. source records: created, updated (payload changed), deleted (snapshot pipelines only,
 *    bounded by `max_delete_share`), unchanged;
 * 3. records of earlier runs (any pipeline) linked or waiting are resolved again (linkage.ts);
 *    golden persons / legal persons of the affected codes rebuilt by survivorship over the
 *    source records as they will be after the write; new aliases kept in `code_alias`;
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
  const codeColumn = oneCodeField(p);

  // 1b. Linkage of rows waiting for a legacy code (see canWaitUnlinked).
  const waiting = await num(c, `SELECT count(*) FROM ${cand} WHERE disposition = 'loaded' AND code_status = 'unlinked'`);
  const legacyInIndex = await num(c, `SELECT count(*) FROM source_record WHERE code_status IN ('linked', 'unlinked')`);
  if (waiting + legacyInIndex > 0) await buildLinkTargets(c, cand, p);
  if (waiting > 0) {
    await c.run(`
      UPDATE ${cand} t SET ${codeColumn} = r.one_code, code_status = 'linked', linked_via = r.linked_via
      FROM (${resolveWaitingSql(`SELECT rn AS id, org_code, business_reg_no FROM ${cand} WHERE disposition = 'loaded' AND code_status = 'unlinked'`)}) r
      WHERE t.rn = r.id`);
  }
  const [linked, unlinked] = waiting === 0 ? [0, 0] : (await c.runAndReadAll(`
    SELECT count(*) FILTER (WHERE code_status = 'linked'), count(*) FILTER (WHERE code_status = 'unlinked')
    FROM ${cand} WHERE disposition = 'loaded'`)).getRows()[0]!.map(Number) as [number, number];
  if (loaded === 0) {
    throw new GuardError(
      'extract_empty',
      `${o.sourcePath}: the extract holds no loadable rows (${staged + unreadable} read, ${quarantinedRows + unreadable} quarantined): an empty export is treated as an upstream fault, nothing was changed or deleted`,
    );
  }

  // 2. Source records.
  const codeKind = IDENTIFIER_FIELDS[codeColumn]!;
  const isRecord = p.entity === 'record';
  const recordJson = (alias: string, payload: string) => recordJsonSql({ pipeline: P, system: S, sourceKey: `${alias}.source_key`, code: `${alias}.one_code`, payload });
  await c.run(`
    CREATE OR REPLACE TEMP TABLE sr_change AS
    SELECT coalesce(n.source_key, o.source_key) AS source_key, n.rn,
      CASE WHEN o.source_key IS NULL THEN 'c'
           WHEN n.source_key IS NULL THEN ${p.mode === 'snapshot' ? `'d'` : `'='`}
           WHEN n.payload_hash <> o.payload_hash OR n.one_code IS DISTINCT FROM o.one_code THEN 'u'
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
           ${quoteLiteral(codeKind)} AS code_kind, i.code_status, i.linked_via, ${STORED_FIELDS.map((f) => `i.${f}`).join(', ')},
           i.payload, i.payload_hash, CASE WHEN coalesce(len(i.flags), 0) > 0 THEN to_json(i.flags) END AS flags, i.line, ${p.priority} AS priority,
           ${firstLoad ? R : `coalesce(ch.old_first_run_id, ${R})`} AS first_run_id, ${R} AS changed_run_id, ${o.runNo} AS changed_run_no
    FROM ${cand} i ${firstLoad ? `WHERE i.disposition = 'loaded'` : `JOIN sr_change ch ON ch.rn = i.rn WHERE ch.op IN ('c', 'u')`}`;

  // 3. Records of earlier runs linked or waiting (any pipeline but this pipeline's records being
  // rewritten, whose candidates were resolved above), resolved again: `relink` holds those whose
  // one code changes (linked now, to another code, or back to waiting: one_code NULL).
  const rewritten = `SELECT source_key FROM sr_change WHERE op IN ('u', 'd')`;
  let relinked = 0;
  if (legacyInIndex > 0) {
    await c.run(`
      CREATE OR REPLACE TEMP TABLE legacy_record AS
      SELECT row_number() OVER () AS id, pipeline, source_key, entity, one_code, org_code, business_reg_no
      FROM source_record WHERE code_status IN ('linked', 'unlinked') AND NOT (pipeline = ${P} AND source_key IN (${rewritten}))`);
    await c.run(`
      CREATE OR REPLACE TEMP TABLE relink AS
      SELECT s.pipeline, s.source_key, s.entity, s.one_code AS old_code, r.one_code, r.linked_via
      FROM legacy_record s LEFT JOIN (${resolveWaitingSql(`SELECT id, org_code, business_reg_no FROM legacy_record`)}) r ON r.id = s.id
      WHERE r.one_code IS DISTINCT FROM s.one_code`);
    relinked = await num(c, `SELECT count(*) FROM relink`);
  }

  // 3 and 4. Golden records and change events. Each part of `events` yields (entity, op, code, before, after).
  const eventParts: string[] = [];
  const goldenWrite: string[] = [];
  if (isRecord) {
    // An update that leaves the event's content as it was (a record rewritten after an upgrade
    // of the normalisation rules) is no change for consumers.
    // A record waiting for linkage (no code) is not in the feed: it appears (c) when it links and
    // disappears (d) if it goes back to waiting.
    eventParts.push(`
      SELECT * FROM (
        SELECT 'record' AS entity,
               CASE WHEN ch.op = 'u' AND ch.old_code IS NULL THEN 'c' WHEN ch.op = 'u' AND ch.new_code IS NULL THEN 'd' ELSE ch.op END AS op,
               coalesce(ch.new_code, ch.old_code) AS code,
               CASE WHEN ch.old_code IS NOT NULL THEN ch.before END AS before,
               CASE WHEN ch.op <> 'd' AND ch.new_code IS NOT NULL THEN ${recordJson('x', 'x.payload')} END AS after
        FROM sr_change ch
        LEFT JOIN (SELECT rn, source_key, payload, ${codeColumn} AS one_code FROM ${cand}) x ON x.rn = ch.rn
        WHERE ch.op IN ('c', 'u', 'd')
      ) WHERE code IS NOT NULL AND (op <> 'u' OR before IS DISTINCT FROM after)`);
  }
  if (relinked > 0) {
    // Records (entity record) of earlier runs whose linkage this run changed.
    const json = (code: string) => recordJsonSql({ pipeline: 's.pipeline', system: 's.system', sourceKey: 's.source_key', code, payload: 's.payload' });
    eventParts.push(`
      SELECT 'record' AS entity, CASE WHEN r.old_code IS NULL THEN 'c' WHEN r.one_code IS NULL THEN 'd' ELSE 'u' END AS op,
             coalesce(r.one_code, r.old_code) AS code,
             CASE WHEN r.old_code IS NOT NULL THEN ${json('r.old_code')} END AS before,
             CASE WHEN r.one_code IS NOT NULL THEN ${json('r.one_code')} END AS after
      FROM relink r JOIN source_record s ON s.pipeline = r.pipeline AND s.source_key = r.source_key
      WHERE r.entity = 'record'`);
  }
  const relinkedLegalPersons = relinked === 0 ? 0 : await num(c, `SELECT count(*) FROM relink WHERE entity = 'legal_person'`);
  for (const entity of ['person', 'legal_person'] as const) {
    const own = p.entity === entity && created + updated + deleted > 0;
    const relinks = entity === 'legal_person' && relinkedLegalPersons > 0;
    if (!own && !relinks) continue;
    const { stored } = GOLDEN_TABLES[entity];
    const affected = [
      ...(own ? [`SELECT old_code AS code FROM sr_change WHERE op IN ('u', 'd')`, `SELECT new_code FROM sr_change WHERE op IN ('c', 'u')`] : []),
      ...(relinks ? [`SELECT one_code FROM relink WHERE entity = 'legal_person'`, `SELECT old_code FROM relink WHERE entity = 'legal_person'`] : []),
    ];
    // The affected codes' source records as they will be after the write.
    const after = [
      `SELECT one_code, ${stored.join(', ')}, updated_at, priority, changed_run_no, source_key
       FROM source_record
       WHERE entity = '${entity}' AND one_code IN (SELECT code FROM affected_${entity})
         AND NOT (pipeline = ${P} AND source_key IN (${rewritten}))${relinks ? `
         AND NOT EXISTS (SELECT 1 FROM relink x WHERE x.pipeline = source_record.pipeline AND x.source_key = source_record.source_key)` : ''}`,
      ...(relinks ? [`SELECT r.one_code, ${stored.map((f) => `s.${f}`).join(', ')}, s.updated_at, s.priority, ${o.runNo} AS changed_run_no, s.source_key
       FROM source_record s JOIN relink r ON s.pipeline = r.pipeline AND s.source_key = r.source_key WHERE r.one_code IS NOT NULL AND r.entity = 'legal_person'`] : []),
      ...(own ? [`SELECT one_code, ${stored.join(', ')}, updated_at, priority, changed_run_no, source_key FROM (${newRecords}) WHERE one_code IS NOT NULL`] : []),
    ].join('\n      UNION ALL\n      ');
    const plan = await planGolden(c, entity, affected, after, runId);
    goldenWrite.push(...plan.writes);
    eventParts.push(plan.events);
  }
  const events = eventParts.length > 0
    ? eventParts.join(' UNION ALL ')
    : `SELECT NULL::VARCHAR AS entity, NULL::VARCHAR AS op, NULL::VARCHAR AS code, NULL::VARCHAR AS before, NULL::VARCHAR AS after WHERE false`;

  // Aliases this run shows for the first time (linkage.ts), with the record that showed them.
  const aliasParts: string[] = [];
  const seen = (alias: string, kind: string, where: string) => `
    SELECT i.${alias} AS alias, '${kind}' AS alias_kind, i.${codeColumn} AS one_code, ${P} AS pipeline, ${S} AS system, i.source_key,
           ${R} AS first_run_id, ${R} AS linked_run_id
    FROM ${cand} i WHERE i.disposition = 'loaded' AND i.${codeColumn} IS NOT NULL AND ${where}`;
  if (codeKind === 'resident_id') aliasParts.push(seen('code_alias', 'resident_id_15', 'i.code_alias IS NOT NULL'));
  if (codeKind === 'uscc' && p.mapping.org_code) {
    aliasParts.push(seen('org_code', 'org_code', `i.org_code IS NOT NULL AND (i.linked_via = 'org_code' OR (i.linked_via IS NULL AND substr(i.uscc, 9, 9) = i.org_code))`));
  }
  if (codeKind === 'uscc' && p.mapping.business_reg_no) {
    aliasParts.push(seen('business_reg_no', 'business_reg_no', `i.business_reg_no IS NOT NULL AND coalesce(i.linked_via, 'business_reg_no') = 'business_reg_no'`));
  }
  if (relinked > 0) {
    // (records going back to waiting have no new alias: the join below needs a code)
    aliasParts.push(`
      SELECT CASE r.linked_via WHEN 'org_code' THEN s.org_code ELSE s.business_reg_no END AS alias, r.linked_via AS alias_kind, r.one_code,
             s.pipeline, s.system, s.source_key, s.first_run_id, ${R} AS linked_run_id
      FROM relink r JOIN source_record s ON s.pipeline = r.pipeline AND s.source_key = r.source_key WHERE r.one_code IS NOT NULL`);
  }
  let newAliases = 0;
  if (aliasParts.length > 0) {
    // First showing wins: earliest run, then pipeline and source key, for a stable choice.
    await c.run(`
      CREATE OR REPLACE TEMP TABLE alias_new AS
      SELECT DISTINCT ON (alias, alias_kind, one_code) * FROM (${aliasParts.join(' UNION ALL ')}) a
      WHERE NOT EXISTS (SELECT 1 FROM code_alias x WHERE x.alias = a.alias AND x.alias_kind = a.alias_kind AND x.one_code = a.one_code)
      ORDER BY alias, alias_kind, one_code, first_run_id, pipeline, source_key`);
    newAliases = await num(c, `SELECT count(*) FROM alias_new`);
  }
  await dropLinkTargets(c);

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
    SELECT ${R} AS run_id, ${P} AS pipeline, ${S} AS system, ${quoteLiteral(o.sourcePath)} AS source_path, x.line, CAST(x.payload AS VARCHAR) AS raw,
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
    linked,
    unlinked,
    relinked,
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
      if (relinked > 0) {
        await c.run(`
          UPDATE source_record s SET one_code = r.one_code, linked_via = r.linked_via,
            code_status = CASE WHEN r.one_code IS NULL THEN 'unlinked' ELSE 'linked' END,
            changed_run_id = ${R}, changed_run_no = ${o.runNo}
          FROM relink r WHERE s.pipeline = r.pipeline AND s.source_key = r.source_key`);
      }
      if (newAliases > 0) await c.run(`INSERT INTO code_alias BY NAME (SELECT * FROM alias_new)`);
      for (const sql of goldenWrite) await c.run(sql);
      if (eventCount > 0) await c.run(outboxInsert);
      await c.run(`INSERT INTO quarantined_row BY NAME (SELECT * FROM quarantine_new)`);
    },
  };
}

/**
 * Plans the rebuild of the golden records of one entity for the codes `affected` (queries
 * yielding one column of codes, unioned) from `after` (the source records of those codes as they
 * will be after the write; see goldenSql for its columns), reading committed tables only.
 * @returns the statements that write the golden table, and a query of the change events
 *   (entity, op, code, before, after): one per golden record created, changed or deleted;
 *   none for a code whose golden record comes out the same.
 */
async function planGolden(
  c: DuckDBConnection,
  entity: GoldenEntity,
  affected: string[],
  after: string,
  runId: string,
): Promise<{ writes: string[]; events: string }> {
  const { table, key } = GOLDEN_TABLES[entity];
  const E = quoteLiteral(entity);
  await c.run(`CREATE OR REPLACE TEMP TABLE affected_${entity} AS SELECT DISTINCT code FROM (${affected.join(' UNION ALL ')}) a(code) WHERE code IS NOT NULL`);
  await c.run(`CREATE OR REPLACE TEMP TABLE golden_new_${entity} AS ${goldenSql(entity, after, runId)}`);
  const previous = await num(c, `SELECT count(*) FROM ${table} WHERE ${key} IN (SELECT code FROM affected_${entity})`);
  if (previous === 0) {
    // Only new codes (a first load): every golden row is a create.
    return {
      writes: [`INSERT INTO ${table} SELECT * FROM golden_new_${entity}`],
      events: `SELECT ${E} AS entity, 'c' AS op, n.${key} AS code, NULL AS before, ${goldenJsonSql(entity, 'n')} AS after FROM golden_new_${entity} n`,
    };
  }
  await c.run(`
    CREATE OR REPLACE TEMP TABLE golden_diff_${entity} AS
    SELECT * FROM (
      SELECT CASE WHEN o.${key} IS NULL THEN 'c' WHEN n.${key} IS NULL THEN 'd' ELSE 'u' END AS op,
             coalesce(n.${key}, o.${key}) AS code,
             CASE WHEN o.${key} IS NOT NULL THEN ${goldenJsonSql(entity, 'o')} END AS before,
             CASE WHEN n.${key} IS NOT NULL THEN ${goldenJsonSql(entity, 'n')} END AS after
      FROM golden_new_${entity} n
      FULL OUTER JOIN (SELECT * FROM ${table} WHERE ${key} IN (SELECT code FROM affected_${entity})) o ON n.${key} = o.${key}
    ) WHERE before IS NULL OR after IS NULL OR before <> after`);
  return {
    writes: [
      `DELETE FROM ${table} WHERE ${key} IN (SELECT code FROM golden_diff_${entity} WHERE op IN ('u', 'd'))`,
      `INSERT INTO ${table} SELECT * FROM golden_new_${entity} WHERE ${key} IN (SELECT code FROM golden_diff_${entity} WHERE op IN ('c', 'u'))`,
    ],
    events: `SELECT ${E} AS entity, op, code, before, after FROM golden_diff_${entity}`,
  };
}

/**
 * SQL of a record's state in change events: `{pipeline, system, source_key, code, fields}` with
 * `fields` the source row (docs/feed-contract.md); each argument is an SQL expression.
 */
function recordJsonSql(e: { pipeline: string; system: string; sourceKey: string; code: string; payload: string }): string {
  return `json_object('pipeline', ${e.pipeline}, 'system', ${e.system}, 'source_key', ${e.sourceKey}, 'code', ${e.code}, 'fields', json(${e.payload}))`;
}
