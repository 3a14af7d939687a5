import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';

export { resultRows } from '../index/result-rows.ts';

/** Output formats of `onecode query`. */
export type OutputFormat = 'json' | 'csv' | 'table';

/** JSON replacer: BigInt (DuckDB BIGINT) as a number when exact, else as a string. */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

/**
 * Formats rows for stdout. `json`: one JSON array; `csv`: RFC 4180 with a header (csv-stringify);
 * `table`: aligned columns for people (cli-table3, CJK-width aware).
 */
export function formatRows(columns: string[], rows: Record<string, unknown>[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(rows, jsonSafe, 2) + '\n';
  const cells = rows.map((r) => columns.map((c) => cellText(r[c])));
  if (format === 'csv') return stringify([columns, ...cells]);
  const table = new Table({ head: columns, style: { head: [], border: [] } });
  table.push(...cells);
  return table.toString() + '\n';
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value, jsonSafe);
  return String(value);
}
