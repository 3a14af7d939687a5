import type { DuckDBType } from '@duckdb/node-api';
import { DuckDBArrayType, DuckDBListType, DuckDBStructType } from '../index/duckdb-api.ts';
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';

export { jsonRowReader, resultRows } from '../index/result-rows.ts';

/** Output formats of `onecode query`. */
export type OutputFormat = 'json' | 'csv' | 'table';

/** JSON replacer: BigInt (DuckDB BIGINT) as a number when exact, else as a string. */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

/**
 * Formats rows for stdout. `json`: one JSON array, where a column of DuckDB's JSON type (`payload`,
 * `flags`, `reasons`, `event`, `to_json(…)`, also inside lists and structs) is a JSON value, its
 * numbers written exactly as stored (lossless-json), not a string holding JSON; `csv`: RFC 4180 with
 * a header (csv-stringify); `table`: aligned columns for people (cli-table3, CJK-width aware). In
 * `csv` and `table` a JSON column is its JSON text.
 * @param types the columns' DuckDB types, same order as `columns` (only `json` uses them).
 */
export function formatRows(columns: string[], rows: Record<string, unknown>[], format: OutputFormat, types: readonly DuckDBType[] = []): string {
  if (format === 'table') return tableText(columns, rows);
  const writer = rowWriter(columns, format, types);
  return writer.start + (rows.length > 0 ? writer.batch(rows, true) : '') + writer.end(rows.length > 0);
}

/**
 * Writes rows to `out` as they arrive, batch by batch, in the form {@link formatRows} gives them
 * all at once (byte for byte), waiting whenever `out` is full: `json` and `csv` stream, with
 * memory bounded by one batch; `table` must measure every row first and collects them.
 */
export async function writeRows(
  out: NodeJS.WritableStream,
  columns: string[],
  batches: AsyncIterable<Record<string, unknown>[]>,
  format: OutputFormat,
  types: readonly DuckDBType[] = [],
): Promise<void> {
  const write = (text: string): Promise<void> | undefined =>
    text === '' || out.write(text) ? undefined : new Promise((resolve) => out.once('drain', () => resolve()));
  if (format === 'table') {
    const rows: Record<string, unknown>[] = [];
    for await (const batch of batches) rows.push(...batch);
    await write(tableText(columns, rows));
    return;
  }
  const writer = rowWriter(columns, format, types);
  await write(writer.start);
  let first = true;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    await write(writer.batch(batch, first));
    first = false;
  }
  await write(writer.end(!first));
}

/** The pieces of a `json` or `csv` text: what comes first, each batch of rows, what comes last. */
function rowWriter(columns: string[], format: 'json' | 'csv', types: readonly DuckDBType[]) {
  if (format === 'csv') {
    return {
      start: stringify([columns]),
      batch: (rows: Record<string, unknown>[]) => stringify(rows.map((r) => columns.map((c) => cellText(r[c])))),
      end: () => '',
    };
  }
  // One JSON array, as JSON.stringify(rows, null, 2) writes it: each row indented by two spaces.
  const converters = columns.map((_, i) => (types[i] === undefined ? undefined : jsonValueReader(types[i]!)));
  const convert = converters.some((c) => c !== undefined)
    ? (row: Record<string, unknown>) => Object.fromEntries(columns.map((c, i) => [c, converters[i] ? converters[i]!(row[c]) : row[c]]))
    : (row: Record<string, unknown>) => row;
  const rowText = (row: Record<string, unknown>) => '  ' + (stringifyLossless(convert(row), null, 2) ?? 'null').replaceAll('\n', '\n  ');
  return {
    start: '[',
    batch: (rows: Record<string, unknown>[], first: boolean) => (first ? '\n' : ',\n') + rows.map(rowText).join(',\n'),
    end: (any: boolean) => (any ? '\n]\n' : ']\n'),
  };
}

/** Aligned columns for people (cli-table3). */
function tableText(columns: string[], rows: Record<string, unknown>[]): string {
  const table = new Table({ head: columns, style: { head: [], border: [] } });
  table.push(...rows.map((r) => columns.map((c) => cellText(r[c]))));
  return table.toString() + '\n';
}

type Reader = (value: unknown) => unknown;

/**
 * For a type that is JSON or holds JSON (a LIST, ARRAY or STRUCT of it), a function turning the
 * value as `getRowObjectsJson` gives it (JSON as text) into the JSON value; else undefined. Text
 * that does not parse stays text.
 */
function jsonValueReader(type: DuckDBType): Reader | undefined {
  if (type.alias === 'JSON') {
    return (value) => {
      if (typeof value !== 'string') return value;
      try {
        return parseLossless(value);
      } catch {
        return value;
      }
    };
  }
  if (type instanceof DuckDBListType || type instanceof DuckDBArrayType) {
    const inner = jsonValueReader(type.valueType);
    return inner && ((value) => (Array.isArray(value) ? value.map(inner) : value));
  }
  if (type instanceof DuckDBStructType) {
    const inner = type.entryTypes.map((t) => jsonValueReader(t));
    if (inner.every((r) => r === undefined)) return undefined;
    const names = type.entryNames;
    return (value) => {
      if (value === null || typeof value !== 'object') return value;
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      names.forEach((name, i) => {
        if (inner[i] && name in out) out[name] = inner[i]!(out[name]);
      });
      return out;
    };
  }
  return undefined;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value, jsonSafe);
  return String(value);
}
