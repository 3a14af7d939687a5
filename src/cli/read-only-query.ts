/**
 * `onecode query`: one read-only statement on the index, and nothing that reads or writes a file.
 *
 * Three locks, each enough for most of what it stops:
 * 1. the index is opened read-only (DuckDB `access_mode = READ_ONLY`): no write to the database;
 * 2. `enable_external_access = false` and no extension autoloading, then `lock_configuration`: no
 *    file outside the database, no extension, no setting changed (but DuckDB still lets a
 *    statement reach the database's own files, e.g. `COPY … TO '<index>.wal.checkpoint'`);
 * 3. an allow-list checked on DuckDB's own parse tree (`json_serialize_sql`, which serialises only
 *    SELECT statements): exactly one statement, a SELECT in any of its forms (`SELECT`, `WITH`,
 *    `FROM …`, `VALUES`, `DESCRIBE`, `SHOW`, `SUMMARIZE`), whose table functions are all in
 *    {@link ALLOWED_TABLE_FUNCTIONS} and whose tables are names, not file paths. COPY, EXPORT,
 *    ATTACH, INSTALL, LOAD, SET, RESET, PRAGMA, CALL, CREATE, INSERT, UPDATE, DELETE, DROP, ALTER,
 *    EXPLAIN and several statements never run; neither does `read_csv`, `read_text`, `read_blob`,
 *    `glob`, `read_parquet`, `read_json`, `query` or any other table function off the list.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ConfigError } from '../errors.ts';

/**
 * Table functions a query may use: generators, JSON and list unnesting, and catalogue information.
 * Everything else (file readers, `query`/`query_table`, `json_execute_serialized_sql`,
 * checkpoint, profiling and logging switches) is refused.
 */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'range', 'generate_series', 'unnest', 'repeat', 'repeat_row', 'json_each', 'json_tree',
  'duckdb_columns', 'duckdb_constraints', 'duckdb_dependencies', 'duckdb_functions', 'duckdb_indexes',
  'duckdb_keywords', 'duckdb_schemas', 'duckdb_sequences', 'duckdb_tables', 'duckdb_types', 'duckdb_views',
  'pragma_table_info', 'pragma_show', 'pragma_version', 'pg_timezone_names', 'icu_calendar_names',
]);

/** What a refused query is told: says what is allowed. */
const ALLOWED = 'onecode query is read-only: it runs one SELECT (or WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE) statement';

/**
 * Settings that keep the connection away from files and extensions, then lock them. Run once on the
 * (read-only) connection before {@link checkReadOnlyQuery}.
 */
export async function lockDownConnection(connection: DuckDBConnection): Promise<void> {
  await connection.run(`SET enable_external_access = false; SET autoinstall_known_extensions = false; SET autoload_known_extensions = false; SET lock_configuration = true`);
}

/**
 * Checks `sql` against the allow-list, on DuckDB's own parse of it. Runs nothing of `sql`.
 * @throws ConfigError (exit 2) `query_invalid` for a syntax error (DuckDB's parser message, which
 *   quotes only the query), `query_refused` for anything but one allowed statement, naming why.
 */
export async function checkReadOnlyQuery(connection: DuckDBConnection, sql: string): Promise<void> {
  const prepared = await connection.prepare('SELECT json_serialize_sql($1::VARCHAR)');
  prepared.bindVarchar(1, sql);
  const reader = await prepared.runAndReadAll();
  const tree = JSON.parse(String(reader.getRows()[0]![0])) as { error: boolean; error_type?: string; error_message?: string; statements?: unknown[] };
  if (tree.error) {
    if (tree.error_type === 'parser') throw new ConfigError('query_invalid', `query failed: Parser Error: ${oneLine(tree.error_message ?? 'syntax error')}`);
    throw new ConfigError('query_refused', `query failed: ${ALLOWED}; this statement is not one (COPY, EXPORT, ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL, EXPLAIN and every write are refused)`);
  }
  const statements = tree.statements ?? [];
  if (statements.length !== 1) throw new ConfigError('query_refused', `query failed: ${ALLOWED}; this is ${statements.length} statements`);
  const refusal = refusedPart(statements[0]);
  if (refusal !== undefined) throw new ConfigError('query_refused', `query failed: ${ALLOWED}; ${refusal}`);
}

/** The first reason the serialised statement is refused, or undefined. Iterative walk. */
function refusedPart(statement: unknown): string | undefined {
  const stack: unknown[] = [statement];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    const record = node as Record<string, unknown>;
    if (record.type === 'TABLE_FUNCTION') {
      const fn = record.function as { function_name?: string; schema?: string } | undefined;
      const name = String(fn?.function_name ?? '').toLowerCase();
      if (!ALLOWED_TABLE_FUNCTIONS.has(name)) return `the table function ${name}() is not allowed (allowed: ${[...ALLOWED_TABLE_FUNCTIONS].join(', ')})`;
    }
    if (record.type === 'BASE_TABLE' && typeof record.table_name === 'string' && /[./\\:~]/.test(record.table_name)) {
      return `'${record.table_name}' is a file, not a table or view of the index`;
    }
    stack.push(...Object.values(record));
  }
  return undefined;
}

function oneLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
