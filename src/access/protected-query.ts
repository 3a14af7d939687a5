/**
 * Read-only SQL by someone with a role (the HTTP API, the CLI's `onecode query`), every query
 * recorded in access_log.
 *
 * - `steward` (policy clear): what `onecode query` allows (src/access/read-only-query.ts: one SELECT
 *   in any of its forms, no file, no state change), over every view and table, values in clear;
 *   the one codes the result shows (query-codes.ts) are recorded with the access.
 * - `analyst` (mask or pseudonymise): the same statements, over the analyst views only, each
 *   shadowed by a protected temporary view (analyst-views.ts); a query naming any other table or
 *   view, or a schema, is refused before it runs. Whatever the query computes from a personal
 *   column (`upper(name)`, a join, an aggregate) it computes from the protected value.
 * - `operator`: no SQL (OnecodeError `forbidden`).
 *
 * A connection's temporary views are its own: the API runs each request on a new connection of
 * serve's instance, the CLI on its own instance; the analyst views are removed again before
 * {@link runQueryAs} returns.
 */
import type { DuckDBConnection, DuckDBMaterializedResult } from '@duckdb/node-api';
import { JsonDuckDBValueConverter } from '../index/duckdb-api.ts';
import { checkReadOnlyQuery } from './read-only-query.ts';
import { errorTextWithoutValues } from '../error-text.ts';
import { ConfigError, OnecodeError } from '../errors.ts';
import { INTEGER_TYPES } from '../index/result-rows.ts';
import type { ExitPolicy } from '../protect/policy.ts';
import { recordAccess } from './access-log.ts';
import { ANALYST_VIEW_NAMES, installAnalystViews, removeAnalystViews } from './analyst-views.ts';
import { requireKeyFor } from './policy-key.ts';
import type { Requester } from './protected-lookup.ts';
import { createCodeCollector } from './query-codes.ts';
import { requireRight } from './require-right.ts';
import { personalPolicyOf } from './roles.ts';

/** Rows {@link queryAs} returns at most unless told otherwise. */
export const DEFAULT_MAX_ROWS = 10_000;

/** Options of {@link runQueryAs}. */
export interface QueryAsOptions {
  /** The pseudonymisation key, needed when the role's policy is `pseudonymise`. */
  key?: Buffer;
  /** Where ONECODE_ANALYST_POLICY is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds the query may run; past them it is interrupted. Default: no limit. */
  timeoutMs?: number;
  /** Rows wanted: the query runs with `LIMIT limit + 1` (to tell whether there were more). Default: all. */
  limit?: number;
}

/** A query that ran: its rows, materialised by DuckDB, and what was shown of them. */
export interface GuardedQuery {
  /** The policy its personal values are under. */
  policy: ExitPolicy;
  /** The result; read it with `getChunk` (the rows past `rowCount` are not to be shown). */
  result: DuckDBMaterializedResult;
  /** Rows to show: all of the result's, or `limit` when there were more. */
  rowCount: number;
  /** Whether the query had more rows than `limit`. */
  truncated: boolean;
}

/** `sql` wrapped to return at most `rows` rows; undefined when the wrapped text is not one statement the check allows. */
async function limitedSql(connection: DuckDBConnection, sql: string, rows: number, allowedTables: ReadonlySet<string> | undefined): Promise<string | undefined> {
  const wrapped = `SELECT * FROM (\n${sql.replace(/[\s;]+$/, '')}\n) LIMIT ${rows}`;
  // What runs is what was checked: the wrapped text passes the same check as the query.
  return checkReadOnlyQuery(connection, wrapped, { allowedTables }).then(() => wrapped, () => undefined);
}

/** Runs `sql`, interrupted after `timeoutMs`. */
async function runWithin(connection: DuckDBConnection, sql: string, timeoutMs: number | undefined): Promise<DuckDBMaterializedResult> {
  let timedOut = false;
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    connection.interrupt();
  }, timeoutMs);
  try {
    return await connection.run(sql);
  } catch (error) {
    if (timedOut) throw new OnecodeError('query_timeout', `query failed: it ran longer than ${timeoutMs} ms and was stopped`, { cause: error });
    throw new ConfigError('query_invalid', `query failed: ${errorTextWithoutValues(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one read-only query for `who` and records it; the caller reads the rows.
 *
 * The role must hold the right `query` (else OnecodeError `forbidden`, exit 2, nothing recorded:
 * decided before the index is touched). Every query that gets that far is recorded in
 * access_log (action `query`, the SQL text, the role's policy), with `codes` the one codes its
 * SQL text names (literals: query-codes.ts) and, for a steward's result, the one codes the result
 * shows: outcome `ok` with row_count the rows shown; `refused` for a statement the
 * allow-list refuses; `failed` for a syntax error, an error while running, or a timeout.
 * @throws OnecodeError `forbidden`, `query_timeout` (exit 1); ConfigError `query_refused`,
 *   `query_invalid` (its message without values of the index, src/error-text.ts),
 *   `pseudonym_key_unset`, `analyst_policy_invalid`.
 */
export async function runQueryAs(connection: DuckDBConnection, sql: string, who: Requester, options: QueryAsOptions = {}): Promise<GuardedQuery> {
  requireRight(who.role, 'query');
  const policy = personalPolicyOf(who.role, options.env);
  if (policy === 'drop') throw new OnecodeError('forbidden', `the ${who.role} role may not run SQL`, { exitCode: 2 });
  requireKeyFor(policy, options.key);
  const entry = { who: who.name, role: who.role, channel: who.channel, action: 'query', query: sql, policy } as const;
  // the codes the query's own text names: it is about them whatever it shows, and whatever the role
  const asked = createCodeCollector();
  asked.add(sql);
  const allowedTables = policy === 'clear' ? undefined : ANALYST_VIEW_NAMES;
  if (policy !== 'clear') await installAnalystViews(connection, policy, options.key);
  try {
    let result: DuckDBMaterializedResult;
    try {
      await checkReadOnlyQuery(connection, sql, { allowedTables });
      const limited = options.limit === undefined ? undefined : await limitedSql(connection, sql, options.limit + 1, allowedTables);
      result = await runWithin(connection, limited ?? sql, options.timeoutMs);
    } catch (error) {
      const refused = error instanceof OnecodeError && error.code === 'query_refused';
      await recordAccess(connection, { ...entry, rowCount: 0, codes: asked.codes, outcome: refused ? 'refused' : 'failed' });
      throw error;
    }
    const truncated = options.limit !== undefined && result.rowCount > options.limit;
    const rowCount = truncated ? options.limit! : result.rowCount;
    const codes = new Set(asked.codes);
    if (policy === 'clear') {
      const collector = createCodeCollector();
      for (const rows of chunksOf(result, rowCount)) for (const row of rows) collector.add(row);
      for (const code of collector.codes) codes.add(code);
    }
    await recordAccess(connection, { ...entry, rowCount, codes, outcome: 'ok' });
    return { policy, result, rowCount, truncated };
  } finally {
    if (policy !== 'clear') await removeAnalystViews(connection);
  }
}

/**
 * The first `rowCount` rows of a materialised result, chunk by chunk, each row a list of JSON
 * values (@duckdb/node-api's JSON conversion: BIGINT and DECIMAL as text, a JSON column as its text).
 */
export function* chunksOf(result: DuckDBMaterializedResult, rowCount: number): Generator<unknown[][]> {
  let left = rowCount;
  for (let i = 0; i < result.chunkCount && left > 0; i++) {
    const rows = result.getChunk(i).convertRows(JsonDuckDBValueConverter) as unknown[][];
    yield rows.length > left ? rows.slice(0, left) : rows;
    left -= rows.length;
  }
}

/** An integer as a number when a double holds it exactly, else its text. */
const integerCell = (v: unknown): unknown => (typeof v === 'string' && Number.isSafeInteger(Number(v)) ? Number(v) : v);
/** A JSON column's text as its JSON value (JSON.parse); text that does not parse stays text. */
const jsonCell = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};

/** What {@link queryAs} returns: the shape of the API's `POST /api/v1/query`. */
export interface QueryAnswer {
  /** Each column's name and DuckDB type (`VARCHAR`, `BIGINT`, `JSON`, …). */
  columns: { name: string; type: string }[];
  /**
   * The rows, each a list of values: integers as numbers when a double holds them exactly (else
   * text), decimals, dates and timestamps as DuckDB's text, a JSON column's value as the JSON value
   * (a number past 2^53 inside it loses precision: select `col::VARCHAR` for the exact text).
   */
  rows: unknown[][];
  /** Rows returned. */
  rowCount: number;
  /** Whether the query had more rows than `maxRows`. */
  truncated: boolean;
}

/**
 * One read-only query for `who`, at most `maxRows` rows, recorded (see {@link runQueryAs}).
 * @param options.maxRows rows returned at most (default {@link DEFAULT_MAX_ROWS}).
 * @param options.timeoutMs milliseconds the query may run (default: no limit).
 * @throws what {@link runQueryAs} throws.
 */
export async function queryAs(
  connection: DuckDBConnection,
  sql: string,
  who: Requester,
  options: { key?: Buffer; maxRows?: number; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<QueryAnswer> {
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const ran = await runQueryAs(connection, sql, who, { key: options.key, env: options.env, timeoutMs: options.timeoutMs, limit: maxRows });
  const types = ran.result.columnTypes().map((t) => t.alias ?? t.toString());
  const cell = types.map((type) => (INTEGER_TYPES.has(type) ? integerCell : type === 'JSON' ? jsonCell : (v: unknown) => v));
  const rows: unknown[][] = [];
  for (const chunk of chunksOf(ran.result, ran.rowCount)) for (const row of chunk) rows.push(row.map((v, i) => cell[i]!(v)));
  return { columns: ran.result.columnNames().map((name, i) => ({ name, type: types[i]! })), rows, rowCount: ran.rowCount, truncated: ran.truncated };
}
