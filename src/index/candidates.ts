import type { DuckDBConnection } from '@duckdb/node-api';
import { CANONICAL_FIELDS, IDENTIFIER_FIELDS, type CanonicalField } from '../../schemas/canonical.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { fastPathSql } from './classify-identifiers.ts';
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
 * Builds `target`: one row per staged row, with canonical fields normalised (identifiers through
 * the SQL fast path or the JavaScript classifications in `slowTable`), the one code and its
 * status, the source key, quarantine `reasons` (empty when the row can load) and data-quality
 * `flags` (notes kept with a loaded row). Set-based: one CREATE TABLE AS.
 */
export async function buildCandidates(options: {
  connection: DuckDBConnection;
  pipeline: Pipeline;
  layout: StagingLayout;
  stagingTable: string;
  slowTable: string;
  target: string;
  runDate: string;
}): Promise<void> {
  const { connection, pipeline, layout, stagingTable, slowTable, target, runDate } = options;
  const codeField = oneCodeField(pipeline);
  const fastSelects: string[] = [];
  const joins: string[] = [];
  const fieldSelects: string[] = [];
  const flagParts: string[] = [];
  let codeReasons = '[]';

  for (const field of CANONICAL_FIELDS) {
    const column = layout.fields[field];
    if (!column) {
      fieldSelects.push(`CAST(NULL AS VARCHAR) AS ${field}`);
      continue;
    }
    const sourceColumn = pipeline.mapping[field]!;
    const kind = IDENTIFIER_FIELDS[field];
    if (!kind) {
      fieldSelects.push(`nullif(trim(s.${column}), '') AS ${field}`);
      continue;
    }
    const alias = `j_${field}`;
    fastSelects.push(`${fastPathSql(kind, column, runDate)} AS ${field}__fast`);
    joins.push(`LEFT JOIN ${slowTable} ${alias} ON ${alias}.kind = ${quoteLiteral(kind)} AND ${alias}.raw = s.${column}`);
    const status = `CASE WHEN s.${field}__fast IS NOT NULL THEN 'valid' WHEN nullif(trim(s.${column}), '') IS NULL THEN 'missing' ELSE ${alias}.status END`;
    const reasons = `list_transform(coalesce(${alias}.reasons, []), r -> {'code': r.code, 'field': ${quoteLiteral(sourceColumn)}, 'message': r.message})`;
    if (field === codeField) {
      fieldSelects.push(`coalesce(s.${field}__fast, ${alias}.normalized) AS ${field}`);
      fieldSelects.push(`${status} AS code_status`);
      codeReasons = `CASE ${status}
          WHEN 'missing' THEN [${REASON('one_code_missing', sourceColumn, `'no ${kind === 'uscc' ? 'unified social credit code' : 'resident identity number'}: the one code of this row'`)}]
          WHEN 'invalid' THEN ${reasons}
          ELSE [] END`;
      flagParts.push(`CASE WHEN ${status} <> 'invalid' AND s.${field}__fast IS NULL THEN ${reasons} ELSE [] END`);
    } else {
      // A secondary identifier that is invalid does not stop the row: it is dropped from the
      // canonical field and flagged; the raw value stays in the payload.
      fieldSelects.push(`CASE WHEN ${status} IN ('valid', 'nonconforming') THEN coalesce(s.${field}__fast, ${alias}.normalized) END AS ${field}`);
      flagParts.push(`CASE WHEN s.${field}__fast IS NULL THEN ${reasons} ELSE [] END`);
    }
  }

  const keySources = pipeline.source_key.join(', ');
  const keyMissing = layout.keyColumns.map((c) => `nullif(trim(s.${c}), '') IS NULL`).join(' OR ');
  const sourceKey = layout.keyColumns.length === 1 ? `trim(s.${layout.keyColumns[0]})` : `concat_ws(chr(31), ${layout.keyColumns.map((c) => `trim(s.${c})`).join(', ')})`;
  const flags = flagParts.length === 0 ? '[]' : flagParts.length === 1 ? flagParts[0]! : `flatten([${flagParts.join(', ')}])`;

  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${target} AS
    WITH s AS (
      SELECT *${fastSelects.length ? ', ' + fastSelects.join(', ') : ''} FROM ${stagingTable}
    )
    SELECT s.rn, s.line, s.payload, md5(s.payload) AS payload_hash,
           CASE WHEN ${keyMissing} THEN NULL ELSE ${sourceKey} END AS source_key,
           ${fieldSelects.join(',\n           ')},
           list_concat(
             CASE WHEN ${keyMissing} THEN [${REASON('source_key_missing', keySources, `'source key column is empty'`)}] ELSE [] END,
             ${codeReasons},
             CASE WHEN strpos(s.payload, chr(65533)) > 0 THEN [${REASON('undecodable_bytes', '*', `'bytes that do not decode in the declared encoding (U+FFFD): check connector.encoding'`)}] ELSE [] END
           ) AS reasons,
           ${flags} AS flags
    FROM s ${joins.join(' ')}`);
}
