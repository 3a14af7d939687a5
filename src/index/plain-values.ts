import type { DuckDBConnection } from '@duckdb/node-api';
import { CANONICAL_FIELDS } from '../../schemas/canonical.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { quoteLiteral } from './sql-text.ts';

/**
 * Control characters a mapped value may not hold (RE2 class): the C0 controls U+0000-U+001F
 * (ISO/IEC 6429) except tab, line feed and carriage return, which are whitespace that trimming
 * and the normalisers handle (a multi-line address from a quoted CSV field). NUL, a bell or an
 * escape character in a name is an export fault, never part of a name. DEL and the C1 controls
 * are not checked: finding them would cost a regular expression per value of every row.
 */
export const CONTROL_CHARACTER_CLASS = '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]';

/**
 * SQL over the staging `payload` (JSON text) true for every row that may hold such a character:
 * JSON escapes each of U+0000-U+001F in a string, as `\u00XX` or, for U+0008 and U+000C, `\b`
 * and `\f` (RFC 8259 §7), so a row without those texts has none. One substring search per row;
 * the exact check per column runs only on the few rows it lets through (the whole step: 0.13 s
 * for the benchmark's million rows of 8 mapped columns, against about 2 s for a regular
 * expression on every mapped value).
 */
const MAY_HOLD_CONTROL = `(contains(payload, '\\u00') OR contains(payload, '\\b') OR contains(payload, '\\f'))`;

/** The two faults of a mapped value that is not plain text, with the reason or flag each gives. */
export const NON_PLAIN_RULES = {
  /** A JSON object or array (NDJSON) where a canonical field holds one value. */
  non_scalar_value: 'a JSON object or array where one value is expected',
  /** See CONTROL_CHARACTER_CLASS. */
  control_character: 'control characters (U+0000-U+001F other than tab, line feed, carriage return; e.g. NUL) in the value',
} as const;

/** One projected staging column and what depends on it. */
interface MappedColumn {
  /** Staging column, `col_i`. */
  column: string;
  /** Source column name, as in the pipeline. */
  source: string;
  /** What the value would have gone into: canonical field names and/or "the source key". */
  uses: string[];
  /** Whether a fault quarantines the row (one code or source key) rather than flagging it. */
  identifying: boolean;
}

function mappedColumns(pipeline: Pipeline, layout: { fields: Partial<Record<string, string>>; keyColumns: string[] }, codeColumn: string): MappedColumn[] {
  const byColumn = new Map<string, MappedColumn>();
  const entry = (column: string, source: string): MappedColumn => {
    let e = byColumn.get(column);
    if (!e) byColumn.set(column, (e = { column, source, uses: [], identifying: column === codeColumn }));
    return e;
  };
  for (const field of CANONICAL_FIELDS) {
    const column = layout.fields[field];
    if (column) entry(column, pipeline.mapping[field]!).uses.push(field);
  }
  layout.keyColumns.forEach((column, i) => {
    const e = entry(column, pipeline.source_key[i]!);
    e.uses.push('the source key');
    e.identifying = true;
  });
  return [...byColumn.values()];
}

/**
 * Mapped values that are not plain text, found and cleared before classification: a JSON object
 * or array (listed in the staging table's optional `nonscalar` column, see stageRows) or a value
 * holding a control character (CONTROL_CHARACTER_CLASS). Each such value is set to NULL in its
 * staging column `col_i`, so it reaches no canonical field, no identifier classifier and no
 * golden record; the payload keeps the original.
 *
 * Writes `found` (`rn`, `reasons`, `flags`: lists of {code, field, message}) for the rows
 * concerned: a fault in the one code or a source-key column is a reason (the row is quarantined;
 * the cleared value also gives `one_code_missing` or `source_key_missing`), any other is a flag
 * (`non_scalar_value`, `control_character`; the row loads without that field). `field` is the
 * source column; messages name the rule and the canonical field, never the value.
 * One scan of the staging table; the UPDATE touches only the rows found.
 * @param codeColumn the staging column of the one code.
 * @returns how many rows hold such a value.
 */
export async function clearNonPlainValues(options: {
  connection: DuckDBConnection;
  pipeline: Pipeline;
  layout: { fields: Partial<Record<string, string>>; keyColumns: string[] };
  codeColumn: string;
  stagingTable: string;
  found: string;
}): Promise<number> {
  const { connection: c, stagingTable, found } = options;
  const columns = mappedColumns(options.pipeline, options.layout, options.codeColumn);
  const staged = (await c.runAndReadAll(`SELECT * FROM ${stagingTable} LIMIT 0`)).columnNames();
  const hasNonScalar = staged.includes('nonscalar');
  const faults = columns.flatMap((m) => [
    ...(hasNonScalar ? [{ m, code: 'non_scalar_value' as const, when: `list_contains(nonscalar, ${quoteLiteral(m.source)})` }] : []),
    { m, code: 'control_character' as const, when: `regexp_matches(${m.column}, ${quoteLiteral(CONTROL_CHARACTER_CLASS)})` },
  ]);
  const item = (f: (typeof faults)[number]) =>
    `CASE WHEN ${f.when} THEN {'code': ${quoteLiteral(f.code)}, 'field': ${quoteLiteral(f.m.source)}, 'message': ${quoteLiteral(`${NON_PLAIN_RULES[f.code]}: left out of ${f.m.uses.join(' and ')}, kept in the payload`)}} END`;
  const list = (fs: typeof faults) =>
    fs.length === 0 ? `CAST([] AS STRUCT(code VARCHAR, field VARCHAR, message VARCHAR)[])` : `list_filter([${fs.map(item).join(', ')}], x -> x IS NOT NULL)`;
  // The exact checks run only on rows the cheap tests let through.
  const suspect = hasNonScalar ? `(nonscalar IS NOT NULL OR ${MAY_HOLD_CONTROL})` : MAY_HOLD_CONTROL;
  await c.run(`
    CREATE OR REPLACE TEMP TABLE ${found} AS
    SELECT * FROM (
      SELECT rn, ${list(faults.filter((f) => f.m.identifying))} AS reasons, ${list(faults.filter((f) => !f.m.identifying))} AS flags
      FROM ${stagingTable} WHERE ${columns.length === 0 ? 'false' : suspect}
    ) WHERE len(reasons) + len(flags) > 0`);
  const count = Number((await c.runAndReadAll(`SELECT count(*) FROM ${found}`)).getRows()[0]![0]);
  if (count > 0) {
    const clear = columns.map((m) => {
      const bad = faults.filter((f) => f.m === m).map((f) => f.when).join(' OR ');
      return `${m.column} = CASE WHEN ${bad} THEN NULL ELSE ${m.column} END`;
    });
    await c.run(`UPDATE ${stagingTable} SET ${clear.join(', ')} WHERE rn IN (SELECT rn FROM ${found})`);
  }
  return count;
}

/**
 * Adds what clearNonPlainValues found to the candidates `target`: its reasons to `reasons` (a
 * row that would load is quarantined), its flags to `flags`; then drops `found`.
 */
export async function applyNonPlainFindings(c: DuckDBConnection, target: string, found: string): Promise<void> {
  await c.run(`
    UPDATE ${target} t SET
      reasons = CASE WHEN len(f.reasons) > 0 THEN list_concat(coalesce(t.reasons, []), f.reasons) ELSE t.reasons END,
      flags = CASE WHEN len(f.flags) > 0 THEN list_concat(coalesce(t.flags, []), f.flags) ELSE t.flags END,
      disposition = CASE WHEN len(f.reasons) > 0 AND t.disposition = 'loaded' THEN 'quarantined' ELSE t.disposition END
    FROM ${found} f WHERE t.rn = f.rn`);
  await c.run(`DROP TABLE ${found}`);
}
