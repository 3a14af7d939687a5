/**
 * `onecode query`: one read-only statement on the index, and nothing that reads or writes a file.
 *
 * The index is opened for writing, because the query is recorded in access_log (query-command.ts,
 * src/access/protected-query.ts); what keeps the query itself from writing is:
 * 1. the allow-list below (3.), which lets no statement through that changes the database, and
 *    refuses the scalar functions that change state;
 * 2. `enable_external_access = false` and no extension autoloading, then `lock_configuration`: no
 *    file outside the database, no extension, no setting changed (but DuckDB still lets a
 *    statement reach the database's own files, e.g. `COPY … TO '<index>.wal.checkpoint'`);
 * 3. an allow-list checked on DuckDB's own parse tree (`json_serialize_sql`, which serialises only
 *    SELECT statements): exactly one statement, a SELECT in any of its forms (`SELECT`, `WITH`,
 *    `FROM …`, `VALUES`, `DESCRIBE`, `SHOW`, `SUMMARIZE`), whose table functions are all in
 *    {@link ALLOWED_TABLE_FUNCTIONS} and whose tables are names, not file paths. COPY, EXPORT,
 *    ATTACH, INSTALL, LOAD, SET, RESET, PRAGMA, CALL, CREATE, INSERT, UPDATE, DELETE, DROP, ALTER,
 *    EXPLAIN and several statements never run; neither does `read_csv`, `read_text`, `read_blob`,
 *    `glob`, `read_parquet`, `read_json`, `query` or any other table function off the list, nor a
 *    scalar function that changes state ({@link REFUSED_FUNCTIONS}: a SELECT can advance a
 *    sequence), nor the guard's own protection functions (src/access/protect-functions.ts).
 *    With a set of allowed tables (an analyst's query, src/access/protected-query.ts), every table
 *    or view named must be one of them, by its name alone (no schema or catalogue).
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

/**
 * Scalar functions a query may not call, though a SELECT can: they change the database or the
 * session (`nextval`, `setval` advance a sequence such as access_log's; `write_log` writes DuckDB's
 * log; `setseed` the session's random seed) or read a sequence's state (`currval`).
 */
export const REFUSED_FUNCTIONS: ReadonlySet<string> = new Set(['nextval', 'currval', 'setval', 'write_log', 'setseed']);

/**
 * Prefix of the guard's protection functions (src/access/protect-functions.ts). A query may not
 * call them: with a pseudonymising one, a query could pseudonymise guesses and compare.
 */
export const PROTECTION_FUNCTION_PREFIX = 'oc_protect_';

/** Options of {@link checkReadOnlyQuery}. */
export interface ReadOnlyQueryOptions {
  /**
   * The only tables and views the query may name (lower case), each by its name alone; a CTE of
   * the query may not take the name of another table or view of the database. Default: any.
   */
  allowedTables?: ReadonlySet<string>;
}

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
export async function checkReadOnlyQuery(connection: DuckDBConnection, sql: string, options: ReadOnlyQueryOptions = {}): Promise<void> {
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
  const tables = options.allowedTables === undefined ? undefined : { allowed: options.allowedTables, others: await relationNames(connection, options.allowedTables) };
  const refusal = refusedPart(statements[0], tables);
  if (refusal !== undefined) throw new ConfigError('query_refused', `query failed: ${ALLOWED}; ${refusal}`);
}

/** Names (lower case) of the tables and views of every database and schema, but the allowed ones. */
async function relationNames(connection: DuckDBConnection, allowed: ReadonlySet<string>): Promise<Set<string>> {
  const rows = (await connection.runAndReadAll(`SELECT lower(table_name) FROM duckdb_tables() UNION SELECT lower(view_name) FROM duckdb_views()`)).getRows();
  return new Set(rows.map((r) => String(r[0])).filter((name) => !allowed.has(name)));
}

/** The first reason the serialised statement is refused, or undefined. */
function refusedPart(statement: unknown, tables?: { allowed: ReadonlySet<string>; others: ReadonlySet<string> }): string | undefined {
  const ctes = tables === undefined ? new Set<string>() : cteNames(statement);
  if (tables !== undefined) {
    for (const name of ctes) if (tables.others.has(name)) return `the CTE name '${name}' is the name of a table or view of the index: choose another`;
  }
  for (const record of objectsOf(statement)) {
    if (record.type === 'TABLE_FUNCTION') {
      const fn = record.function as { function_name?: string; schema?: string } | undefined;
      const name = String(fn?.function_name ?? '').toLowerCase();
      if (!ALLOWED_TABLE_FUNCTIONS.has(name)) return `the table function ${name}() is not allowed (allowed: ${[...ALLOWED_TABLE_FUNCTIONS].join(', ')})`;
    }
    if (record.type === 'BASE_TABLE' && typeof record.table_name === 'string' && /[./\\:~]/.test(record.table_name)) {
      return `'${record.table_name}' is a file, not a table or view of the index`;
    }
    if (record.type === 'BASE_TABLE' && tables !== undefined) {
      const refused = refusedTable(record, tables.allowed, ctes);
      if (refused !== undefined) return refused;
    }
    if (record.type !== 'TABLE_FUNCTION' && typeof record.function_name === 'string') {
      const name = record.function_name.toLowerCase();
      if (REFUSED_FUNCTIONS.has(name)) return `the function ${name}() changes the database or the session (refused: ${[...REFUSED_FUNCTIONS].join(', ')})`;
      if (name.startsWith(PROTECTION_FUNCTION_PREFIX)) return `the function ${name}() is the guard's own (a query would test guesses against pseudonyms with it)`;
    }
  }
  return undefined;
}

/** Why a table reference of an analyst's query is refused: a qualified name, or a name off the list. */
function refusedTable(ref: Record<string, unknown>, allowed: ReadonlySet<string>, ctes: ReadonlySet<string>): string | undefined {
  const name = String(ref.table_name).toLowerCase();
  const qualifier = [ref.catalog_name, ref.schema_name].filter((part) => typeof part === 'string' && part !== '').join('.');
  if (qualifier !== '') return `'${qualifier}.${name}' names a schema or database: name one of the views alone (${[...allowed].join(', ')})`;
  if (!allowed.has(name) && !ctes.has(name)) return `'${name}' is not one of the views this role may read (${[...allowed].join(', ')})`;
  return undefined;
}

/** Names (lower case) of every CTE the statement defines, at any depth. */
function cteNames(statement: unknown): Set<string> {
  const names = new Set<string>();
  for (const record of objectsOf(statement)) {
    const map = (record.cte_map as { map?: Array<{ key?: unknown }> } | undefined)?.map;
    if (Array.isArray(map)) for (const entry of map) if (typeof entry.key === 'string') names.add(entry.key.toLowerCase());
  }
  return names;
}

/** Every object node of a serialised statement (arrays walked through), depth first, without recursion. */
function* objectsOf(statement: unknown): Generator<Record<string, unknown>> {
  const stack: unknown[] = [statement];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    const record = node as Record<string, unknown>;
    yield record;
    stack.push(...Object.values(record));
  }
}

function oneLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
