/**
 * Smoke tests of the test database servers, run from two test files (smoke-a, smoke-b) so that
 * vitest runs them in two processes at once and both share one local server through leases. They
 * prove only that each server works through tests/support with the clients the connectors use:
 * connect, create a table, insert, select, with the few value types that show the setup is right.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personId } from '../support/csv-files.ts';
import { resolveMysql } from '../support/mysql.ts';
import { resolvePostgres } from '../support/postgres.ts';
import type { TestServer } from '../support/shared-server.ts';

/** 2^53 + 1: the smallest integer a JavaScript number cannot hold, so parsing it would show. */
const BIG = '9007199254740993';
/** A DECIMAL(20,2) with more significant digits than a double keeps. */
const AMOUNT = '123456789012345678.91';
/** A CJK extension B character (4 bytes in UTF-8): survives only in utf8mb4, not MySQL's utf8mb3. */
const NAME = '测试𠀀用户';

/** Where scripts/<script>.sh keeps the lease of process `pid` on the default instance. */
function leaseFile(script: 'postgres' | 'mysql', pid: number): string {
  return fileURLToPath(new URL(`../../.cache/${script}/default/leases/${pid}`, import.meta.url));
}

/** Declares the smoke tests of both servers; `label` keeps the tables of the two files apart. */
export function serverSmokeTests(label: string): void {
  const table = `smoke_${label}_${process.pid}`;
  const id = personId(7);

  describe(`PostgreSQL through tests/support/postgres.ts (${label})`, () => {
    let server: TestServer | undefined;
    let client: pg.Client | undefined;

    beforeAll(async () => {
      server = await resolvePostgres();
      client = new pg.Client({ connectionString: server.url });
      await client.connect();
    });

    afterAll(async () => {
      await client?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
      await client?.end();
      await server?.stop();
    });

    it('holds a lease on the local server while this file uses it', (ctx) => {
      if (server!.source !== 'local') ctx.skip(); // shown as skipped: a URL or a container has no lease
      expect(existsSync(leaseFile('postgres', process.pid))).toBe(true);
    });

    it('creates, inserts and selects; BIGINT and NUMERIC come back as their exact text, UTF-8 text intact', async () => {
      await client!.query(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, amount NUMERIC(20,2), name TEXT, id_number CHAR(18))`);
      await client!.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4)`, [BIG, AMOUNT, NAME, id]);
      const { rows } = await client!.query(`SELECT id, amount, name, id_number FROM ${table}`);
      expect(rows).toEqual([{ id: BIG, amount: AMOUNT, name: NAME, id_number: id }]);
    });

    it('runs in UTC with UTF8 encoding', async (ctx) => {
      if (server!.source === 'env') ctx.skip(); // a server of POSTGRES_TEST_URL is as its owner set it up
      const { rows } = await client!.query(
        "SELECT current_setting('TimeZone') AS zone, pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()",
      );
      expect(['UTC', 'Etc/UTC']).toContain(rows[0].zone);
      expect(rows[0].encoding).toBe('UTF8');
    });
  });

  describe(`MariaDB through tests/support/mysql.ts (${label})`, () => {
    let server: TestServer | undefined;
    let connection: mysql.Connection | undefined;

    beforeAll(async () => {
      server = await resolveMysql();
      connection = await mysql.createConnection({
        uri: server.url,
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
      });
    });

    afterAll(async () => {
      await connection?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
      await connection?.end();
      await server?.stop();
    });

    it('holds a lease on the local server while this file uses it', (ctx) => {
      if (server!.source !== 'local') ctx.skip();
      expect(existsSync(leaseFile('mysql', process.pid))).toBe(true);
    });

    it('creates, inserts and selects; BIGINT and DECIMAL come back as their exact text, 4-byte UTF-8 intact', async () => {
      await connection!.query(
        `CREATE TABLE ${table} (id BIGINT PRIMARY KEY, amount DECIMAL(20,2), name VARCHAR(40), id_number CHAR(18), seen DATETIME)`,
      );
      await connection!.execute(`INSERT INTO ${table} VALUES (?, ?, ?, ?, ?)`, [BIG, AMOUNT, NAME, id, '2024-02-29 23:59:59']);
      const [rows] = await connection!.query(`SELECT id, amount, name, id_number, seen FROM ${table}`);
      expect(rows).toEqual([{ id: BIG, amount: AMOUNT, name: NAME, id_number: id, seen: '2024-02-29 23:59:59' }]);
    });

    it('runs with utf8mb4 and time zone +00:00', async (ctx) => {
      if (server!.source === 'env') ctx.skip(); // a server of MYSQL_TEST_URL is as its owner set it up
      const [rows] = await connection!.query<mysql.RowDataPacket[]>(
        'SELECT @@time_zone AS zone, @@character_set_database AS charset, @@version AS version',
      );
      expect(rows[0]!.zone).toBe('+00:00');
      expect(rows[0]!.charset).toBe('utf8mb4');
    });
  });
}
