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
 * Builds `target`, a narrow table with one row per staged row (the payload stays in staging):
 * `rn, line, payload_hash, source_key`, every mapped identifier field normalised (through the
 * SQL fast path, or the JavaScript classifier for the rest), `code_status`, quarantine `reasons`
 * (empty when the row can load), data-quality `flags`, and the row's `disposition`:
 * - `quarantined`: it has reasons;
 * - `duplicate`: same source key and payload as an earlier row of this extract;
 * - `superseded`: an earlier, different version of a source key a later row replaces
 *   (`winner_line` says which); it goes to quarantine as `source_key_superseded`;
 * - `loaded`.
 * Set-based: three statements over the staging table, whatever its size.
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

  const fastTable = `${target}_fast`;
  const slowTable = `${target}_slow`;
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${fastTable} AS
    SELECT rn${identifiers.map((i) => `, ${fastPathSql(i.kind, i.column, runDate)} AS ${i.field}__fast`).join('')}
    FROM ${stagingTable}`);
  const slowCount = await classifySlowPath({
    connection,
    source: `${stagingTable} JOIN ${fastTable} USING (rn)`,
    columns: identifiers.map((i) => ({ column: i.column, fastColumn: `${i.field}__fast`, kind: i.kind })),
    targetTable: slowTable,
    runDate,
  });

  const selects: string[] = [];
  const joins: string[] = [];
  const flagParts: string[] = [];
  let codeReasons = '[]';
  for (const { field, column, kind, source } of identifiers) {
    const j = `j_${field}`;
    const fast = `f.${field}__fast`;
    joins.push(`LEFT JOIN ${slowTable} ${j} ON ${j}.kind = ${quoteLiteral(kind)} AND ${j}.raw = s.${column}`);
    const status = `CASE WHEN ${fast} IS NOT NULL THEN 'valid' WHEN nullif(trim(s.${column}), '') IS NULL THEN 'missing' ELSE ${j}.status END`;
    const reasons = `list_transform(coalesce(${j}.reasons, []), r -> {'code': r.code, 'field': ${quoteLiteral(source)}, 'message': r.message})`;
    if (field === codeField) {
      selects.push(`coalesce(${fast}, ${j}.normalized) AS ${field}`, `${status} AS code_status`);
      codeReasons = `CASE ${status}
          WHEN 'missing' THEN [${REASON('one_code_missing', source, `'no ${kind === 'uscc' ? 'unified social credit code' : 'resident identity number'}: the one code of this row'`)}]
          WHEN 'invalid' THEN ${reasons}
          ELSE [] END`;
      flagParts.push(`CASE WHEN ${fast} IS NULL AND ${status} <> 'invalid' THEN ${reasons} ELSE [] END`);
    } else {
      // A secondary identifier that is invalid does not stop the row: it is left out of the
      // canonical field and flagged; the raw value stays in the payload.
      selects.push(`CASE WHEN ${fast} IS NOT NULL THEN ${fast} WHEN ${j}.status IN ('valid', 'nonconforming') THEN ${j}.normalized END AS ${field}`);
      flagParts.push(`CASE WHEN ${fast} IS NULL THEN ${reasons} ELSE [] END`);
    }
  }
  const keySources = pipeline.source_key.join(', ');
  const keyMissing = layout.keyColumns.map((c) => `nullif(trim(s.${c}), '') IS NULL`).join(' OR ');
  const sourceKey = layout.keyColumns.length === 1 ? `trim(s.${layout.keyColumns[0]})` : `concat_ws(chr(31), ${layout.keyColumns.map((c) => `trim(s.${c})`).join(', ')})`;
  const flags = flagParts.length === 0 ? '[]' : flagParts.length === 1 ? flagParts[0]! : `flatten([${flagParts.join(', ')}])`;

  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${target} AS
    WITH x AS (
      SELECT s.rn, s.line, md5(s.payload) AS payload_hash,
             CASE WHEN ${keyMissing} THEN NULL ELSE ${sourceKey} END AS source_key,
             ${selects.join(',\n             ')},
             list_concat(
               CASE WHEN ${keyMissing} THEN [${REASON('source_key_missing', keySources, `'source key column is empty'`)}] ELSE [] END,
               ${codeReasons},
               CASE WHEN contains(s.payload, chr(65533)) THEN [${REASON('undecodable_bytes', '*', `'bytes that do not decode in the declared encoding (U+FFFD): check connector.encoding'`)}] ELSE [] END
             ) AS reasons,
             ${flags} AS flags
      FROM ${stagingTable} s JOIN ${fastTable} f USING (rn) ${joins.join(' ')}
    ), ok AS (
      SELECT rn, line, source_key, row_number() OVER (PARTITION BY source_key, payload_hash ORDER BY rn) AS copy_no
      FROM x WHERE len(reasons) = 0
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
  await connection.run(`DROP TABLE ${fastTable}; DROP TABLE ${slowTable}`);
  return slowCount;
}
