/**
 * The `mysql` connector: a MySQL, MariaDB (or OceanBase MySQL mode) table or query through the
 * `mysql2` driver, in one `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY` at REPEATABLE
 * READ (InnoDB's consistent read: one snapshot for the describe and the read), read as a stream:
 * the server sends rows as the client takes them, and the connection is paused whenever
 * `fetch_size` rows wait, so memory stays bounded. (MySQL's protocol has no fetch from a
 * server-side cursor for plain queries; the stream is its "use result" read.)
 *
 * Every value arrives as bytes (`typeCast: false`: mysql2 never makes a JS number or Date) and
 * becomes text by its column's type (mysql/column-types.ts): BIGINT and DECIMAL exact, DATE
 * `YYYY-MM-DD`, DATETIME the wall time written (`2026-03-01 08:30:00.250000`), TIMESTAMP the
 * instant in China Standard Time (session time_zone `+08:00`, written with `+08:00`), JSON as its
 * text (structured), binary strings and BLOBs as lower-case hex, BIT as its number. TINYINT(1) (what
 * MySQL calls BOOLEAN) stays `0` / `1`: the type cannot tell a flag from a small number.
 * Cursor columns (by their type name: sql/cursor-types.ts): DATE, DATETIME, TIMESTAMP (bound `>= CAST(? AS DATETIME(6)) - INTERVAL lag
 * SECOND`), the integer types and DECIMAL (bound `>= ?`, exact).
 */
import mysql from 'mysql2';
import type { Logger } from '../src/logger.ts';
import { mysqlConverter, mysqlStructured, mysqlTypeName, type MysqlField } from './mysql/column-types.ts';
import { MysqlConnectorOptions } from './sql/options.ts';
import type { SqlDialect } from './sql/read-sql.ts';
import type { SourceFailure } from './sql/source-errors.ts';
import { sqlConnector, type SqlDriver, type SqlSession } from './sql/sql-connector.ts';

/**
 * The session: UTC+8 for TIMESTAMP values; a long net_write_timeout, since the server waits on a
 * paused stream while the index takes the rows; then the snapshot (MySQL 8.0 manual §15.7.2.3,
 * consistent nonlocking reads; §15.3.1, START TRANSACTION).
 */
const BEGIN_SESSION = [
  "SET time_zone = '+08:00'",
  'SET SESSION net_write_timeout = 3600',
  'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ',
  'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY',
];

/**
 * A cursor read is ordered by its column. With rows longer than max_length_for_sort_data (1024
 * bytes by default in MariaDB; nine VARCHAR(100) utf8mb4 columns are 3,600), the server sorts row
 * ids and then fetches every row by id, in random order: measured on 1,000,000 rows, 40 s instead
 * of 2.7 s. A larger limit sorts the rows themselves. MySQL 8.0.20 deprecated the variable (its
 * optimizer chooses alone); a server without it is left as it is (ER_UNKNOWN_SYSTEM_VARIABLE).
 */
const SORT_WHOLE_ROWS = 'SET SESSION max_length_for_sort_data = 1048576';

const dialect: SqlDialect = {
  quoteIdent: (name) => `\`${name.replaceAll('`', '``')}\``,
  cursorBound(column, _type, kind, lagSeconds, watermark) {
    if (kind === 'number') return { sql: `${column} >= CAST(? AS DECIMAL(65,30))`, params: [watermark] };
    // A TIMESTAMP watermark carries the session's +08:00, which a DATETIME literal cannot (MariaDB).
    return { sql: `${column} >= CAST(? AS DATETIME(6)) - INTERVAL ${lagSeconds} SECOND`, params: [watermark.replace(/\+08:00$/, '')] };
  },
};

type Connection = mysql.Connection;

function call<T>(connection: Connection, sql: string, values: string[] = []): Promise<{ rows: T; fields: MysqlField[] }> {
  return new Promise((resolve, reject) => {
    connection.query({ sql, values, rowsAsArray: true, typeCast: false }, (error, rows, fields) => {
      if (error) reject(error);
      else resolve({ rows: rows as T, fields: (fields ?? []) as unknown as MysqlField[] });
    });
  });
}

/** One connection in one snapshot. */
function session(connection: Connection): SqlSession {
  let converters: ((bytes: Buffer) => string)[] = [];
  let streaming = false;
  let gone = false;
  const destroy = () => {
    gone = true;
    connection.destroy();
  };
  return {
    async describe(sql) {
      const { fields } = await call(connection, sql);
      converters = fields.map(mysqlConverter);
      return fields.map((f) => ({ name: f.name, type: mysqlTypeName(f), structured: mysqlStructured(f) }));
    },
    async *rows(sql, params, fetchSize) {
      const query = connection.query({ sql, values: params, rowsAsArray: true, typeCast: false });
      let batch: (string | null)[][] = [];
      let ended = false;
      let failure: unknown;
      let wake: (() => void) | undefined;
      const wakeUp = () => {
        wake?.();
        wake = undefined;
      };
      query.on('result', (row: unknown) => {
        const bytes = row as (Buffer | null)[];
        const values = new Array<string | null>(bytes.length);
        for (let i = 0; i < bytes.length; i++) values[i] = bytes[i] === null ? null : converters[i]!(bytes[i]!);
        batch.push(values);
        // Paused, the driver queues the packets it already has and the socket stops reading.
        if (batch.length >= fetchSize) connection.pause();
        wakeUp();
      });
      query.on('error', (error: unknown) => {
        failure = error;
        wakeUp();
      });
      query.on('end', () => {
        ended = true;
        wakeUp();
      });
      streaming = true;
      try {
        for (;;) {
          if (failure !== undefined) throw failure;
          if (batch.length >= fetchSize || (ended && batch.length > 0)) {
            const full = batch;
            batch = [];
            yield full;
            connection.resume();
          } else if (ended) {
            return;
          } else {
            await new Promise<void>((resolve) => (wake = resolve));
          }
        }
      } finally {
        // A read left before its end (an error downstream) cannot be finished on this connection.
        if (!ended) destroy();
        streaming = false;
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (streaming || gone) {
          destroy();
          resolve();
          return;
        }
        // The transaction is read-only: quitting ends it with nothing to undo.
        connection.end(() => resolve());
      }),
  };
}

/** Network and driver codes that mean the server was not reached or went away. */
const UNREACHABLE = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_HOST_NOT_PRIVILEGED', 'ER_HOST_IS_BLOCKED',
]);
const AUTH = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'AUTH_SWITCH_PLUGIN_ERROR']);
const TABLE = new Set(['ER_NO_SUCH_TABLE', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_BAD_TABLE_ERROR']);

/**
 * Sorts an error of mysql2 (source-errors.ts) by its code (`ER_…` with errno and SQLSTATE, or a
 * network code). Server text is kept only for SQLSTATE class 42 (syntax, unknown table or column),
 * which names the configured SQL and the catalogue.
 */
function sortError(error: unknown): SourceFailure {
  const e = error as { code?: unknown; errno?: unknown; sqlState?: unknown; sqlMessage?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const state = typeof e.sqlState === 'string' ? e.sqlState : '';
  const detail = typeof e.errno === 'number' && state ? `error ${e.errno} ${code}, SQLSTATE ${state}` : code || (typeof e.name === 'string' ? e.name : 'unknown error');
  if (AUTH.has(code)) return { code: 'source_auth_failed', detail };
  if (code === 'ER_BAD_DB_ERROR') return { code: 'source_database_missing', detail };
  const server = typeof e.sqlMessage === 'string' ? `: ${e.sqlMessage}` : '';
  if (TABLE.has(code)) return { code: 'source_table_missing', detail: `${detail}${server}` };
  if (state.startsWith('42')) return { code: 'source_query_invalid', detail: `${detail}${server}` };
  if (UNREACHABLE.has(code)) return { code: 'source_unreachable', detail };
  return { code: 'source_read_failed', detail };
}

const driver: SqlDriver = {
  kind: 'mysql',
  schemes: ['mysql', 'mariadb'],
  defaultPort: 3306,
  dialect,
  async connect(url: string, logger: Logger) {
    const connection = mysql.createConnection({
      uri: url,
      charset: 'UTF8MB4_UNICODE_CI',
      connectTimeout: 15_000,
      multipleStatements: false,
      // typeCast: false on every query leaves these unused; they keep values exact should a value ever be parsed.
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      dateStrings: true,
    });
    connection.on('error', (error: { code?: string }) => logger.warn({ errorCode: error.code }, 'database connection error'));
    try {
      await new Promise<void>((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
      await call(connection, SORT_WHOLE_ROWS).catch((error: { code?: string }) => {
        if (error.code !== 'ER_UNKNOWN_SYSTEM_VARIABLE') throw error;
      });
      for (const statement of BEGIN_SESSION) await call(connection, statement);
    } catch (error) {
      connection.destroy();
      throw error;
    }
    return session(connection);
  },
  sortError,
};

/** The `mysql` connector (module doc). */
export const mysqlConnector = sqlConnector(driver, MysqlConnectorOptions);
