/**
 * The `postgres` connector: a PostgreSQL table or query through the `pg` driver, in one
 * `REPEATABLE READ READ ONLY` transaction (one snapshot for the describe and every fetch) read by
 * a server-side cursor (`pg-cursor`: a named portal, `fetch_size` rows per Execute).
 *
 * Every value arrives as the server's text (no type parser of `pg` runs: no JS number, no Date),
 * in a session whose formats are fixed (DateStyle ISO, YMD; IntervalStyle postgres; time zone
 * UTC+8; extra_float_digits 1: the shortest exact float text; bytea_output hex). So:
 * - bigint, numeric: their exact text (`9007199254740993`, `123456789012345678.12`, `NaN`);
 * - date `2026-03-01`; timestamp without time zone: the wall time written, untouched by any zone
 *   (`2026-03-01 08:30:00.25`);
 * - timestamp with time zone: the instant in China Standard Time (`2026-03-01 16:30:00+08:00`);
 * - boolean `true` / `false`; bytea: lower-case hex without `\x` (`0102ff`);
 * - json, jsonb: their JSON text, structured (`nonScalar`); arrays: JSON arrays of the elements'
 *   text, structured (postgres/array-text.ts);
 * - anything else (text, varchar, uuid, time, interval, enum, money, ...): the server's text.
 * Column types are the server's `format_type` names (`character varying(18)`, `numeric(20,2)`,
 * `timestamp(3) with time zone`); a domain column reports its base type.
 * Cursor columns (by their type name: sql/cursor-types.ts): date, timestamp, timestamptz (bound
 * `>= $1::type - interval '1 second' * lag`), smallint, integer, bigint, numeric (bound `>= $1::type`).
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Logger } from '../src/logger.ts';
import { arrayTextToJson } from './postgres/array-text.ts';
import { PostgresConnectorOptions } from './sql/options.ts';
import { quoteDoubleQuoted, type SqlDialect } from './sql/read-sql.ts';
import type { SourceFailure } from './sql/source-errors.ts';
import { sqlConnector, type SqlColumn, type SqlDriver, type SqlSession } from './sql/sql-connector.ts';

/** Every value as the server's text: the type parser of every type is the identity. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

/** The session: fixed text formats and zone, then the snapshot (PostgreSQL 15 manual §13.2.2, SET TRANSACTION). */
const BEGIN_SESSION = [
  "SET client_encoding = 'UTF8'",
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  "SET TIME ZONE INTERVAL '+08:00' HOUR TO MINUTE",
  'SET extra_float_digits = 1',
  "SET bytea_output = 'hex'",
  'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
].join('; ');

/** Type OIDs (pg_type.dat of PostgreSQL 15). */
const OID = { bool: 16, bytea: 17, json: 114, timestamptz: 1184, jsonb: 3802 } as const;

type Convert = (text: string) => string;

/** How a value of a type becomes the connector's text (module doc); undefined: the server's text as it is. */
function converter(oid: number, category: string | null, delimiter: string | null): Convert | undefined {
  if (category === 'A') return (text) => arrayTextToJson(text, delimiter ?? ',');
  switch (oid) {
    case OID.bool:
      return (text) => (text === 't' ? 'true' : text === 'f' ? 'false' : text);
    case OID.bytea:
      return (text) => (text.startsWith('\\x') ? text.slice(2) : text);
    case OID.timestamptz:
      // The session's zone is UTC+8, which the server writes as `+08`: the ISO 8601 `+08:00`.
      return (text) => (/[+-]\d\d$/.test(text) ? `${text}:00` : text);
    default:
      return undefined;
  }
}

const dialect: SqlDialect = {
  quoteIdent: quoteDoubleQuoted,
  cursorBound(column, type, kind, lagSeconds, watermark) {
    const bound = kind === 'time' ? `$1::${type} - interval '1 second' * ${lagSeconds}` : `$1::${type}`;
    return { sql: `${column} >= ${bound}`, params: [watermark] };
  },
};

/** One connection in one snapshot. */
function session(client: pg.Client): SqlSession {
  let converters: { at: number; convert: Convert }[] = [];
  return {
    async describe(sql) {
      const described = await client.query({ text: sql, rowMode: 'array' });
      if (described.fields.length === 0) return [];
      // One row per column, in order, from a VALUES list of the type OIDs and modifiers the server
      // sent (numbers): no unnest WITH ORDINALITY, which PostgreSQL 9.2-based servers lack.
      const values = described.fields.map((f, n) => `(${n}, ${Number(f.dataTypeID)}::oid, ${Number(f.dataTypeModifier)})`).join(', ');
      const types = await client.query<[string, string | null, string | null]>({
        text: `SELECT format_type(f.o, f.m), t.typcategory, e.typdelim
               FROM (VALUES ${values}) AS f(n, o, m)
               LEFT JOIN pg_type t ON t.oid = f.o LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
               ORDER BY f.n`,
        rowMode: 'array',
      });
      const columns: SqlColumn[] = [];
      converters = [];
      described.fields.forEach((field, at) => {
        const [type, category, delimiter] = types.rows[at]!;
        const convert = converter(field.dataTypeID, category, delimiter);
        if (convert) converters.push({ at, convert });
        columns.push({
          name: field.name,
          type,
          structured: category === 'A' || field.dataTypeID === OID.json || field.dataTypeID === OID.jsonb,
        });
      });
      return columns;
    },
    async *rows(sql, params, fetchSize) {
      const cursor = client.query(new Cursor<(string | null)[]>(sql, params, { rowMode: 'array', types: TEXT_TYPES }));
      try {
        for (;;) {
          const batch = await cursor.read(fetchSize);
          if (batch.length === 0) break;
          if (converters.length > 0) {
            for (const row of batch) for (const { at, convert } of converters) if (row[at] !== null) row[at] = convert(row[at]!);
          }
          yield batch;
          if (batch.length < fetchSize) break;
        }
      } finally {
        await cursor.close().catch(() => undefined);
      }
    },
    // The transaction is read-only: ending the connection ends it with nothing to undo.
    close: () => client.end(),
  };
}

/** SQLSTATE condition names (PostgreSQL 15 manual, Appendix A) of the codes sorted below. */
const CONDITIONS: Record<string, string> = {
  '28000': 'invalid_authorization_specification', '28P01': 'invalid_password', '3D000': 'invalid_catalog_name',
  '3F000': 'invalid_schema_name', '42P01': 'undefined_table', '42501': 'insufficient_privilege', '42601': 'syntax_error',
  '42703': 'undefined_column', '57P01': 'admin_shutdown', '57P03': 'cannot_connect_now', '53300': 'too_many_connections',
  '25006': 'read_only_sql_transaction', '22007': 'invalid_datetime_format', '57014': 'query_canceled', '40001': 'serialization_failure',
};

/** Network errors of Node's `net` and `dns` that mean the server was not reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/** Sorts an error of `pg` (source-errors.ts): SQLSTATE classes, network codes, then the driver's own connection and SASL errors. */
function sortError(error: unknown): SourceFailure {
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (/^[0-9A-Z]{5}$/.test(code)) {
    const detail = `SQLSTATE ${code}${CONDITIONS[code] ? ` ${CONDITIONS[code]}` : ''}`;
    if (code.startsWith('28')) return { code: 'source_auth_failed', detail };
    if (code === '3D000') return { code: 'source_database_missing', detail };
    if (code === '42P01' || code === '3F000' || code === '42501') return { code: 'source_table_missing', detail: `${detail}: ${message}` };
    // Class 42 messages name the configured SQL and the catalogue, never a value read.
    if (code.startsWith('42')) return { code: 'source_query_invalid', detail: `${detail}: ${message}` };
    if (code.startsWith('08') || code === '57P01' || code === '57P03' || code === '53300') return { code: 'source_unreachable', detail };
    return { code: 'source_read_failed', detail };
  }
  if (UNREACHABLE.has(code)) return { code: 'source_unreachable', detail: code };
  if (/^SASL|password/i.test(message)) return { code: 'source_auth_failed', detail: 'the driver could not authenticate (SCRAM-SHA-256, md5 or password)' };
  if (/timeout|terminated|ended/i.test(message)) return { code: 'source_unreachable', detail: 'the connection timed out or was closed' };
  return { code: 'source_read_failed', detail: typeof e.name === 'string' ? e.name : 'unknown error' };
}

const driver: SqlDriver = {
  kind: 'postgres',
  schemes: ['postgres', 'postgresql'],
  defaultPort: 5432,
  dialect,
  async connect(url: string, logger: Logger) {
    const client = new pg.Client({ connectionString: url, types: TEXT_TYPES, application_name: 'onecode', connectionTimeoutMillis: 15_000 });
    // An error while idle (the server going away) also fails the next call; it must not crash the process.
    client.on('error', (error) => logger.warn({ errorCode: (error as { code?: string }).code }, 'database connection error'));
    try {
      await client.connect();
      await client.query(BEGIN_SESSION);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return session(client);
  },
  sortError,
};

/** The `postgres` connector (module doc). */
export const postgresConnector = sqlConnector(driver, PostgresConnectorOptions);
