/**
 * A private place on a test database server for one test file: a schema of `onecode_test`
 * (PostgreSQL) or a database `onecode_test_<pid>` (MySQL/MariaDB; the test user may create
 * databases named onecode_test_*), with a connection to write tables and rows there as a
 * departmental system would. The servers come from tests/support/postgres.ts and mysql.ts, which
 * never skip: without a server they throw and say how to provide one.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { resolveMysql } from './mysql.ts';
import { resolvePostgres } from './postgres.ts';
import type { TestServer } from './shared-server.ts';

/** A private schema (or database) and a writing connection in it. */
export interface SqlTestDb {
  kind: 'postgres' | 'mysql';
  /** The server's URL with the test-only credentials: for the connector's `url_env` variable, never logged. */
  url: string;
  /** The schema (or database) holding this file's tables: name tables `${schema}.staff`. */
  schema: string;
  /** Quotes an identifier for this dialect. */
  q(name: string): string;
  /** Runs statements (separated by `;` on PostgreSQL; one at a time on MySQL) with `?`-free SQL. */
  exec(sql: string): Promise<void>;
  /** Rows of a query, as the writing connection's driver returns them. */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** Drops the schema (or database) and lets go of the server. */
  dispose(): Promise<void>;
}

/** A new schema on the PostgreSQL test server; the writing session's time zone is `writerZone`. */
export async function postgresTestDb(writerZone = 'America/New_York'): Promise<SqlTestDb> {
  const server = await resolvePostgres();
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}; SET TIME ZONE '${writerZone}'`);
  return {
    kind: 'postgres',
    url: server.url,
    schema,
    q: (name) => `"${name.replaceAll('"', '""')}"`,
    exec: async (sql) => void (await client.query(sql)),
    rows: async (sql) => (await client.query(sql)).rows as Record<string, unknown>[],
    dispose: () => release(server, async () => {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    }),
  };
}

/** A new database on the MySQL test server; the writing session's time_zone is `writerZone` (an offset). */
export async function mysqlTestDb(writerZone = '-05:00'): Promise<SqlTestDb> {
  const server = await resolveMysql();
  const schema = `onecode_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const connection = await mysql.createConnection({ uri: server.url, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
  await connection.query(`CREATE DATABASE ${schema} CHARACTER SET utf8mb4`);
  await connection.query(`USE ${schema}`);
  await connection.query(`SET time_zone = '${writerZone}'`);
  return {
    kind: 'mysql',
    url: server.url,
    schema,
    q: (name) => `\`${name.replaceAll('`', '``')}\``,
    exec: async (sql) => void (await connection.query(sql)),
    rows: async (sql) => (await connection.query(sql))[0] as Record<string, unknown>[],
    dispose: () => release(server, async () => {
      await connection.query(`DROP DATABASE ${schema}`);
      await connection.end();
    }),
  };
}

async function release(server: TestServer, drop: () => Promise<void>): Promise<void> {
  try {
    await drop();
  } finally {
    await server.stop();
  }
}
