/**
 * `onecode query` prints rows as they arrive (writeRows); what it prints is byte for byte what
 * formatting the whole result at once gives (formatRows), however the rows come in batches.
 */
import { Writable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { formatRows, jsonRowReader, writeRows, type OutputFormat } from '../../src/cli/output.ts';

async function* inBatches<T>(rows: T[], size: number): AsyncGenerator<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

async function written(columns: string[], rows: Record<string, unknown>[], format: OutputFormat, size: number, types = [] as never[]): Promise<string> {
  let text = '';
  // a small high-water mark, so that writeRows has to wait for 'drain'
  const out = new Writable({ highWaterMark: 64, write(chunk, _enc, done) { text += chunk; setImmediate(done); } });
  await writeRows(out, columns, inBatches(rows, size), format, types);
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return text;
}

describe('writeRows', () => {
  it('prints what formatRows prints, for every format, batch size and row count', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      const reader = await c.runAndReadAll(`
        SELECT i AS n, 'name ' || i AS "名称", CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1.5 END AS amount,
               to_json({'k': i, 'big': 9007199254740993}) AS payload, [i, i + 1] AS list,
               'line one' || chr(10) || 'line "two"' AS text
        FROM range(7) t(i)`);
      const columns = reader.columnNames();
      const types = reader.columnTypes() as never[];
      const all = jsonRowReader(columns, types)(reader.getRowObjectsJson() as Record<string, unknown>[]);
      for (const format of ['json', 'csv', 'table'] as const) {
        for (const count of [0, 1, 7]) {
          const rows = all.slice(0, count);
          const expected = formatRows(columns, rows, format, types);
          for (const size of [1, 2, 7]) expect(await written(columns, rows, format, size, types), `${format} ${count} rows in batches of ${size}`).toBe(expected);
        }
      }
      // JSON columns are JSON values, numbers exact
      expect(JSON.parse(formatRows(columns, all.slice(0, 1), 'json', types).replace('9007199254740993', '"exact"'))[0].payload).toEqual({ k: 0, big: 'exact' });
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });
});
