import type { DuckDBConnection } from '@duckdb/node-api';
import { CANONICAL_FIELDS, IDENTIFIER_FIELDS, type CanonicalField } from '../../schemas/canonical.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { classifySlowPath, fastPathSql } from './classify-identifiers.ts';
import { quoteLiteral } from './sql-text.ts';

/** Where each mapped canonical field and each source-key column sits in the staging table. */
export interface StagingLayout {
  /** Canonical field → staging column (`col_i`). */
  fields: Partial<Record<CanonicalField, string>>;
  /** Staging columns of the source key, in the pipeline's order. */
  keyColumns: string[];
}

/** Source columns the staging table must project, and where each lands. */
export function stagingLayout(pipeline: Pipeline): { projectColumns: string[]; layout: StagingLayout } {
  const projectColumns: string[] = [];
  const col = (source: string): string => {
    let i = projectColumns.indexOf(source);
    if (i < 0) i = projectColumns.push(source) - 1;
    return `col_${i}`;
  };
  const fields: StagingLayout['fields'] = {};
  for (const field of CANONICAL_FIELDS) {
    const source = pipeline.mapping[field];
    if (source) fields[field] = col(source);
  }
  return { projectColumns, layout: { fields, keyColumns: pipeline.source_key.map(col) } };
}

/** The field holding this pipeline's one code. */
export function oneCodeField(pipeline: Pipeline): 'id_number' | 'uscc' {
  if (pipeline.entity === 'person') return 'id_number';
  if (pipeline.entity === 'legal_person') return 'uscc';
  return pipeline.mapping.id_number ? 'id_number' : 'uscc';
}

const REASON = (code: string, field: string, message: string): string =>
  `{'code': ${quoteLiteral(code)}, 'field': ${quoteLiteral(field)}, 'message': ${message}}`;

/**
 * Builds `target`: one row per staged row with its payload, `payload_hash`, `source_key`, every
 * mapped canonical field (identifiers normalised through the SQL fast path or the JavaScript
 * classifier, other fields trimmed), `code_status`, quarantine `reasons` (empty when the row can
 * load), data-quality `flags`, and the row's `disposition`:
 * - `quarantined`: it has reasons;
 * - `duplicate`: same source key and payload as an earlier row of this extract;
 * - `superseded`: an earlier, different version of a source key a later row replaces
 *   (`winner_line` says which); it goes to quarantine as `source_key_superseded`;
 * - `loaded`.
 * Set-based, whatever the size: the one code goes through the fast path row by row, secondary
 * identifiers (an employer's USCC repeats on many rows) once per distinct value, and only rows
 * whose source key repeats pay for the duplicate windows.
 * @returns how many distinct identifier values needed the JavaScript classifier.
 */
export async function buildCandidates(options: {
  connection: DuckDBConnection;
  pipeline: Pipeline;
  layout: StagingLayout;
  stagingTable: string;
  target: string;
  runDate: string;
}): Promise<number> {
  const { connection, pipeline, layout, stagingTable, target, runDate } = options;
  const codeField = oneCodeField(pipeline);
  const identifiers = CANONICAL_FIELDS.flatMap((field) => {
    const column = layout.fields[field];
    const kind = IDENTIFIER_FIELDS[field];
    return column && kind ? [{ field, column, kind, source: pipeline.mapping[field]! }] : [];
  });
  const code = identifiers.find((i) => i.field === codeField)!;
  const secondary = identifiers.filter((i) => i.field !== codeField);

  const fastTable = `${target}_fast`;
  const secondaryTable = `${target}_secondary`;
  const slowTable = `${target}_slow`;
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${fastTable} AS
    SELECT rn, ${fastPathSql(code.kind, code.column, runDate)} AS code_fast FROM ${stagingTable}`);
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${secondaryTable} AS
    SELECT kind, raw, CASE kind WHEN 'resident_id' THEN ${fastPathSql('resident_id', 'raw', runDate)}
                                WHEN 'uscc' THEN ${fastPathSql('uscc', 'raw', runDate)} END AS fast
    FROM (${secondary.length === 0 ? `SELECT NULL::VARCHAR AS kind, NULL::VARCHAR AS raw WHERE false` : secondary.map((i) => `SELECT DISTINCT ${quoteLiteral(i.kind)} AS kind, ${i.column} AS raw FROM ${stagingTable} WHERE ${i.column} IS NOT NULL`).join(' UNION ')})`);
  const slowCount = await classifySlowPath({
    connection,
    inputSql: `
      SELECT ${quoteLiteral(code.kind)} AS kind, s.${code.column} AS raw FROM ${stagingTable} s JOIN ${fastTable} f USING (rn)
      WHERE f.code_fast IS NULL AND s.${code.column} IS NOT NULL
      UNION ALL SELECT kind, raw FROM ${secondaryTable} WHERE fast IS NULL`,
    targetTable: slowTable,
    runDate,
  });

  const reasonsOf = (alias: string, source: string) =>
    `list_transform(coalesce(${alias}.reasons, []), r -> {'code': r.code, 'field': ${quoteLiteral(source)}, 'message': r.message})`;
  const selects: string[] = [];
  const joins: string[] = [`LEFT JOIN ${slowTable} jc ON jc.kind = ${quoteLiteral(code.kind)} AND jc.raw = s.${code.column}`];
  const codeStatus = `CASE WHEN f.code_fast IS NOT NULL THEN 'valid' WHEN nullif(trim(s.${code.column}), '') IS NULL THEN 'missing' ELSE jc.status END`;
  selects.push(`coalesce(f.code_fast, jc.normalized) AS ${code.field}`, `${codeStatus} AS code_status`);
  const codeReasons = `CASE ${codeStatus}
      WHEN 'missing' THEN [${REASON('one_code_missing', code.source, `'no ${code.kind === 'uscc' ? 'unified social credit code' : 'resident identity number'}: the one code of this row'`)}]
      WHEN 'invalid' THEN ${reasonsOf('jc', code.source)}
      ELSE [] END`;
  const flagParts = [`CASE WHEN f.code_fast IS NULL AND jc.status <> 'invalid' THEN ${reasonsOf('jc', code.source)} ELSE [] END`];
  for (const { field, column, kind, source } of secondary) {
    // A secondary identifier that is invalid does not stop the row: it is left out of the
    // canonical field and flagged; the raw value stays in the payload.
    const sec = `q_${field}`;
    const j = `j_${field}`;
    joins.push(`LEFT JOIN ${secondaryTable} ${sec} ON ${sec}.kind = ${quoteLiteral(kind)} AND ${sec}.raw = s.${column}`);
    joins.push(`LEFT JOIN ${slowTable} ${j} ON ${j}.kind = ${quoteLiteral(kind)} AND ${j}.raw = s.${column}`);
    selects.push(`CASE WHEN ${sec}.fast IS NOT NULL THEN ${sec}.fast WHEN ${j}.status IN ('valid', 'nonconforming') THEN ${j}.normalized END AS ${field}`);
    flagParts.push(`CASE WHEN ${sec}.fast IS NULL THEN ${reasonsOf(j, source)} ELSE [] END`);
  }
  for (const field of CANONICAL_FIELDS) {
    if (IDENTIFIER_FIELDS[field]) continue;
    const column = layout.fields[field];
    selects.push(column ? `nullif(trim(s.${column}), '') AS ${field}` : `CAST(NULL AS VARCHAR) AS ${field}`);
  }
  for (const field of CANONICAL_FIELDS) {
    if (IDENTIFIER_FIELDS[field] && !layout.fields[field]) selects.push(`CAST(NULL AS VARCHAR) AS ${field}`);
  }
  const keySources = pipeline.source_key.join(', ');
  const keyMissing = layout.keyColumns.map((c) => `nullif(trim(s.${c}), '') IS NULL`).join(' OR ');
  const sourceKey = layout.keyColumns.length === 1 ? `trim(s.${layout.keyColumns[0]})` : `concat_ws(chr(31), ${layout.keyColumns.map((c) => `trim(s.${c})`).join(', ')})`;
  const flags = flagParts.length === 1 ? flagParts[0]! : `flatten([${flagParts.join(', ')}])`;

  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${target} AS
    WITH x AS (
      SELECT s.rn, s.line, s.payload, md5_number(s.payload) AS payload_hash,
             CASE WHEN ${keyMissing} THEN NULL ELSE ${sourceKey} END AS source_key,
             ${selects.join(',\n             ')},
             list_concat(
               CASE WHEN ${keyMissing} THEN [${REASON('source_key_missing', keySources, `'source key column is empty'`)}] ELSE [] END,
               ${codeReasons},
               CASE WHEN contains(s.payload, chr(65533)) THEN [${REASON('undecodable_bytes', '*', `'bytes that do not decode in the declared encoding (U+FFFD): check connector.encoding'`)}] ELSE [] END
             ) AS reasons,
             ${flags} AS flags
      FROM ${stagingTable} s JOIN ${fastTable} f USING (rn) ${joins.join(' ')}
    ), repeated AS (
      SELECT source_key FROM x WHERE len(reasons) = 0 GROUP BY source_key HAVING count(*) > 1
    ), ok AS (
      SELECT rn, line, source_key, row_number() OVER (PARTITION BY source_key, payload_hash ORDER BY rn) AS copy_no
      FROM x WHERE len(reasons) = 0 AND source_key IN (SELECT source_key FROM repeated)
    ), firsts AS (
      SELECT rn, max(rn) OVER (PARTITION BY source_key) AS winner, arg_max(line, rn) OVER (PARTITION BY source_key) AS winner_line
      FROM ok WHERE copy_no = 1
    )
    SELECT x.*,
      CASE WHEN len(x.reasons) > 0 THEN 'quarantined'
           WHEN ok.copy_no > 1 THEN 'duplicate'
           WHEN f.winner <> x.rn THEN 'superseded'
           ELSE 'loaded' END AS disposition,
      f.winner_line
    FROM x LEFT JOIN ok USING (rn) LEFT JOIN firsts f USING (rn)`);
  await connection.run(`DROP TABLE ${fastTable}; DROP TABLE ${secondaryTable}; DROP TABLE ${slowTable}`);
  return slowCount;
}
