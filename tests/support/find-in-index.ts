import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { OpenIndex } from '../../src/index/open-index.ts';

/** Where a text was found in an index. */
export interface Found {
  /** `table db.schema.name`, `view db.schema.name` (with the row count) or `file name` (byte search). */
  where: string;
  count: number;
}

/**
 * Searches a whole index for `needle`: every row of every table and view DuckDB lists (the
 * tables and analyst views of the file and, unless `temp` is false, the connection's temporary
 * tables, which live in memory), each row as its JSON text; then, after a CHECKPOINT, the bytes
 * of every file in the index's folder whose name starts with the index file's (the database, its
 * WAL). Found nowhere: an empty list.
 */
export async function findInIndex(index: OpenIndex, dbFile: string, needle: string, options: { temp?: boolean } = {}): Promise<Found[]> {
  const c = index.connection;
  const found: Found[] = [];
  const relations = (await c.runAndReadAll(`
    SELECT * FROM (
      SELECT 'table', database_name, schema_name, table_name FROM duckdb_tables()
      UNION ALL
      SELECT 'view', database_name, schema_name, view_name FROM duckdb_views() WHERE NOT internal
    ) r(kind, db, schema, name)
    WHERE ${options.temp === false ? `db <> 'temp'` : 'true'}
    ORDER BY ALL`)).getRows() as [string, string, string, string][];
  if (relations.length < 10) throw new Error(`expected the index's tables and views, found ${relations.length}`);
  const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const literal = `'${needle.replaceAll("'", "''")}'`;
  for (const [kind, db, schema, name] of relations) {
    const count = Number((await c.runAndReadAll(`
      SELECT count(*) FROM (SELECT to_json(t)::VARCHAR AS j FROM ${ident(db)}.${ident(schema)}.${ident(name)} t)
      WHERE contains(j, ${literal})`)).getRows()[0]![0]);
    if (count > 0) found.push({ where: `${kind} ${db}.${schema}.${name}`, count });
  }
  await c.run('CHECKPOINT');
  const bytes = Buffer.from(needle, 'utf8');
  const dir = path.dirname(dbFile);
  for (const file of (await readdir(dir)).filter((f) => f.startsWith(path.basename(dbFile)))) {
    const data = await readFile(path.join(dir, file)).catch(() => undefined);
    if (!data) continue;
    let count = 0;
    for (let at = data.indexOf(bytes); at >= 0; at = data.indexOf(bytes, at + 1)) count++;
    if (count > 0) found.push({ where: `file ${file}`, count });
  }
  return found;
}
