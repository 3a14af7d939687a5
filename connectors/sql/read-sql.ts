/**
 * The SQL of a database read, for one dialect: the relation (a quoted table or the query as a
 * subquery), the statement that describes its columns without reading a row, and the read itself,
 * with the cursor bound of `mode: cursor` (pure functions, no I/O).
 */
import type { SqlSource } from './options.ts';

/** What a cursor column's type allows: a bound with a look-back (`time`) or without (`number`). */
export type CursorKind = 'time' | 'number';

/** A dialect: how identifiers are quoted and how a cursor bound is written. */
export interface SqlDialect {
  /** The identifier quoted (`"name"` with `"` doubled; `` `name` `` with `` ` `` doubled). */
  quoteIdent(name: string): string;
  /**
   * The condition `column >= watermark - lag` comparing in the column's own type, with the
   * watermark as the one parameter (in `params`).
   * @param column the column, quoted and qualified (`s."updated_at"`).
   * @param type the column's type as the driver describes it (`timestamp without time zone`, `DATETIME(6)`).
   */
  cursorBound(column: string, type: string, kind: CursorKind, lagSeconds: number, watermark: string): { sql: string; params: string[] };
}

/**
 * The relation a read selects from, aliased `s`: `"public"."staff" s` or `(SELECT …) s` (no `AS`
 * before the alias, which Oracle and DM refuse; the query's last line may end in a `--` comment,
 * so the closing parenthesis goes on a line of its own).
 */
export function relationSql(dialect: SqlDialect, source: SqlSource): string {
  if ('query' in source) return `(${source.query}\n) s`;
  const { schema, name } = source.table;
  return `${schema === undefined ? '' : `${dialect.quoteIdent(schema)}.`}${dialect.quoteIdent(name)} s`;
}

/**
 * A statement that returns the relation's columns (names and types) and no row: `WHERE 1 = 0`,
 * which every dialect plans as empty without reading (no LIMIT, which Oracle and DM lack).
 */
export function describeSql(dialect: SqlDialect, source: SqlSource): string {
  return `SELECT * FROM ${relationSql(dialect, source)} WHERE 1 = 0`;
}

/** How a read is bounded in `mode: cursor`. */
export interface CursorRange {
  column: string;
  type: string;
  kind: CursorKind;
  lagSeconds: number;
  /** The last run's watermark; absent on a first (full) read. */
  watermark?: string;
}

/**
 * The read: every row (snapshot, incremental), or in `mode: cursor` the rows at or after the
 * watermark minus the look-back, ordered by the cursor column (a first read takes every row,
 * NULL cursors included, ordered the same way; later reads never select a NULL cursor).
 */
export function readSql(dialect: SqlDialect, source: SqlSource, cursor?: CursorRange): { sql: string; params: string[] } {
  const from = `SELECT * FROM ${relationSql(dialect, source)}`;
  if (cursor === undefined) return { sql: from, params: [] };
  const column = `s.${dialect.quoteIdent(cursor.column)}`;
  if (cursor.watermark === undefined) return { sql: `${from} ORDER BY ${column}`, params: [] };
  const bound = dialect.cursorBound(column, cursor.type, cursor.kind, cursor.lagSeconds, cursor.watermark);
  return { sql: `${from} WHERE ${bound.sql} ORDER BY ${column}`, params: bound.params };
}

/** `"name"` with every `"` doubled (SQL:2016 §5.2 <delimited identifier>; PostgreSQL, Oracle, DM). */
export function quoteDoubleQuoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
