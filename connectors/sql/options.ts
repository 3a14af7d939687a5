import type { MysqlConnectorOptions, PostgresConnectorOptions } from '../../schemas/pipeline.ts';

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
