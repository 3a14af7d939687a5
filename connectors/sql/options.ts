/**
 * The options of the database connectors (`postgres`, `mysql`), named in schemas/pipeline.ts's
 * ConnectorOptions, and what `table` or `query` names.
 */
import { z } from 'zod';

/**
 * What the database connectors (`postgres`, `mysql`) share: where the connection URL is, what to
 * read, and how many rows a fetch takes (connectors/sql/).
 */
const SqlSourceShape = {
  /**
   * Name of the environment variable that holds the connection URL
   * (`postgres://user:password@host:5432/db`, `mysql://user:password@host:3306/db`). The URL is
   * never written in the YAML, a log, a run row or an error: the source is described without its
   * password and query string.
   */
  url_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable: letters, digits and _, not starting with a digit'),
  /**
   * A table or view, optionally schema-qualified (`public.staff`, `hr.staff`): each part is quoted
   * as an identifier, so it is the name exactly as the catalogue holds it (no case folding).
   */
  table: z.string().regex(/^[^.\0]+(\.[^.\0]+)?$/, 'a table name, or schema.table').optional(),
  /** A SELECT (or WITH ... SELECT) read as a subquery; one statement, a final `;` is allowed. */
  query: z.string().regex(/^\s*(select|with|\()/i, 'a SELECT statement').optional(),
  /** Rows a fetch takes from the server cursor (PostgreSQL) or rows buffered from the stream (MySQL). Default 5000. */
  fetch_size: z.number().int().min(1).max(1_000_000).default(5000),
};

/** Exactly one of `table` and `query`. */
function oneSqlSource(o: { table?: string; query?: string }, ctx: z.RefinementCtx): void {
  if ((o.table === undefined) === (o.query === undefined)) {
    ctx.addIssue({ code: 'custom', path: [o.table === undefined ? 'table' : 'query'], message: 'give exactly one of table or query' });
  }
}

/** Options of the `postgres` connector (the `pg` driver; PostgreSQL 10 or later, KingbaseES in PostgreSQL mode): connectors/postgres.ts. */
export const PostgresConnectorOptions = z.strictObject({ kind: z.literal('postgres'), ...SqlSourceShape }).superRefine(oneSqlSource);

/** Options of the `mysql` connector (the `mysql2` driver; MySQL 5.7+, MariaDB 10.5+, OceanBase in MySQL mode): connectors/mysql.ts. */
export const MysqlConnectorOptions = z.strictObject({ kind: z.literal('mysql'), ...SqlSourceShape }).superRefine(oneSqlSource);

/** Options of a database connector (`postgres`, `mysql`), as parsed from the pipeline (schemas/pipeline.ts). */
export type SqlOptions = (typeof PostgresConnectorOptions)['_output'] | (typeof MysqlConnectorOptions)['_output'];

/** The source of a read: a table (schema and name, as the catalogue holds them) or a SELECT. */
export type SqlSource = { table: { schema?: string; name: string } } | { query: string };

/**
 * What `table` or `query` names. A table is split on its one `.` into schema and name (the schema
 * check allows at most one); a query loses surrounding white space and a final `;`, so that it
 * can be read as a subquery.
 */
export function sqlSource(options: Pick<SqlOptions, 'table' | 'query'>): SqlSource {
  if (options.table !== undefined) {
    const dot = options.table.indexOf('.');
    return { table: dot < 0 ? { name: options.table } : { schema: options.table.slice(0, dot), name: options.table.slice(dot + 1) } };
  }
  return { query: (options.query ?? '').trim().replace(/;\s*$/, '').trimEnd() };
}
