/**
 * Issue 9, the `postgres` connector against a real PostgreSQL (tests/support/postgres.ts: never
 * skipped). Values arrive exactly as text whatever the zones of the server, the writing session,
 * the reading connection's default and this Node process; then the shared run suite
 * (sql-source-suite.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresConnector } from '../../connectors/postgres.ts';
import type { Extracted } from '../../connectors/types.ts';
import { createLogger } from '../../src/logger.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { personId } from '../support/csv-files.ts';
import { postgresTestDb, type SqlTestDb } from '../support/sql-db.ts';
import { sqlSourceSuite } from './sql-source-suite.ts';

describe('postgres: every value as exact text', () => {
  let db: SqlTestDb;
  const zone = process.env.TZ;
  beforeAll(async () => {
    // This process at UTC+14 and the writer at UTC-5, the server at UTC, the reading connection's
    // default at UTC+13: any conversion through a JS Date or a session zone would show.
    process.env.TZ = 'Pacific/Kiritimati';
    db = await postgresTestDb('America/New_York');
  });
  afterAll(async () => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
    await db?.dispose();
  });

  async function readAll(options: Record<string, unknown>, url = db.url): Promise<{ columns: unknown; rows: Extracted[] }> {
    const parsed = postgresConnector.options.parse({ kind: 'postgres', url_env: 'PG_URL', ...options });
    const pipeline = { name: 'types', file: '/tmp/types.yaml' } as unknown as Pipeline;
    const read = await postgresConnector.open({ pipeline, logger: createLogger({ level: 'silent' }), state: null, env: { PG_URL: url } }, parsed);
    try {
      const rows: Extracted[] = [];
      for await (const row of read.extract()) rows.push(row);
      return { columns: read.columns, rows };
    } finally {
      await read.close();
    }
  }

  it('bigint, numeric, dates, wall times, zoned times, booleans, bytea, json and arrays', async () => {
    await db.exec(`CREATE TABLE vals (
      n INT, big BIGINT, big2 BIGINT, amount NUMERIC(30,10), day DATE, wall TIMESTAMP(6), wall0 TIMESTAMP, zoned TIMESTAMPTZ,
      flag BOOLEAN, raw BYTEA, doc JSONB, doc2 JSON, tags TEXT[], nums INT[], name TEXT, code CHAR(18), f8 DOUBLE PRECISION)`);
    await db.exec(`INSERT INTO vals VALUES
      (1, 9223372036854775807, 9007199254740993, 12345678901234567890.0123456789, '2026-03-01', '2026-03-01 00:30:00.123456', '2024-02-29 23:59:59',
       '2026-03-01 08:30:00', true, '\\x00ff10', '{"b": [1, 2.50], "a": "甲"}', '{"a":1,  "b":2}', '{"a b",NULL,"{x}"}', '{1,2}', '测试𠀀用户', '${personId(1)}', 0.1),
      (2, -9223372036854775808, NULL, -0.0000000001, '0001-01-01', '1900-01-01 00:00:00', NULL, NULL, false, '\\x', 'null', NULL, '{}', NULL, '', NULL, 1e300)`);
    const { columns, rows } = await readAll({ query: 'SELECT * FROM ' + db.schema + '.vals ORDER BY n' });
    expect(columns).toEqual([
      { name: 'n', type: 'integer' }, { name: 'big', type: 'bigint' }, { name: 'big2', type: 'bigint' }, { name: 'amount', type: 'numeric(30,10)' },
      { name: 'day', type: 'date' }, { name: 'wall', type: 'timestamp(6) without time zone' }, { name: 'wall0', type: 'timestamp without time zone' },
      { name: 'zoned', type: 'timestamp with time zone' }, { name: 'flag', type: 'boolean' }, { name: 'raw', type: 'bytea' }, { name: 'doc', type: 'jsonb' },
      { name: 'doc2', type: 'json' }, { name: 'tags', type: 'text[]' }, { name: 'nums', type: 'integer[]' }, { name: 'name', type: 'text' },
      { name: 'code', type: 'character(18)' }, { name: 'f8', type: 'double precision' },
    ]);
    expect(rows).toEqual([
      {
        kind: 'row', line: 1, nonScalar: ['doc', 'doc2', 'tags', 'nums'],
        fields: {
          n: '1', big: '9223372036854775807', big2: '9007199254740993', amount: '12345678901234567890.0123456789', day: '2026-03-01',
          wall: '2026-03-01 00:30:00.123456', wall0: '2024-02-29 23:59:59',
          // 08:30 at UTC-5 is 13:30 UTC, 21:30 in China
          zoned: '2026-03-01 21:30:00+08:00',
          flag: 'true', raw: '00ff10', doc: '{"a": "甲", "b": [1, 2.50]}', doc2: '{"a":1,  "b":2}', tags: '["a b",null,"{x}"]', nums: '["1","2"]',
          name: '测试𠀀用户', code: personId(1), f8: '0.1',
        },
      },
      {
        kind: 'row', line: 2, nonScalar: ['doc', 'tags'],
        fields: {
          n: '2', big: '-9223372036854775808', big2: null, amount: '-0.0000000001', day: '0001-01-01', wall: '1900-01-01 00:00:00', wall0: null,
          zoned: null, flag: 'false', raw: '', doc: 'null', doc2: null, tags: '[]', nums: null, name: '', code: null, f8: '1e+300',
        },
      },
    ]);
  });

  it('the reading connection\'s own zone and formats do not matter: the session fixes them', async () => {
    await db.exec(`CREATE TABLE zones (wall TIMESTAMP, zoned TIMESTAMPTZ, day DATE)`);
    await db.exec(`INSERT INTO zones VALUES ('2026-12-31 23:30:00', '2026-12-31 23:30:00', '2026-12-31')`);
    const other = new URL(db.url);
    other.searchParams.set('options', '-c TimeZone=Pacific/Auckland -c DateStyle=SQL,DMY -c extra_float_digits=-3');
    const { rows } = await readAll({ table: `${db.schema}.zones` }, other.href);
    // 23:30 at UTC-5 is 04:30 UTC on 1 January, 12:30 in China.
    expect(rows).toEqual([{ kind: 'row', line: 1, fields: { wall: '2026-12-31 23:30:00', zoned: '2027-01-01 12:30:00+08:00', day: '2026-12-31' } }]);
  });

  it('reads inside one read-only snapshot: rows committed during the read are not in it, and writes are refused', async () => {
    await db.exec(`CREATE TABLE snap (id INT)`);
    await db.exec(`INSERT INTO snap SELECT generate_series(1, 5)`);
    const parsed = postgresConnector.options.parse({ kind: 'postgres', url_env: 'PG_URL', table: `${db.schema}.snap`, fetch_size: 2 });
    const pipeline = { name: 'snap', file: '/tmp/snap.yaml' } as unknown as Pipeline;
    const read = await postgresConnector.open({ pipeline, logger: createLogger({ level: 'silent' }), state: null, env: { PG_URL: db.url } }, parsed);
    const ids: string[] = [];
    try {
      for await (const row of read.extract()) {
        if (row.kind === 'row') ids.push(row.fields.id!);
        if (ids.length === 1) await db.exec(`INSERT INTO snap VALUES (6), (7)`);
      }
    } finally {
      await read.close();
    }
    expect(ids.sort()).toEqual(['1', '2', '3', '4', '5']);
    // nextval writes: the read-only transaction refuses it (SQLSTATE 25006) when the read reaches it.
    await db.exec(`CREATE SEQUENCE seq`);
    const write = postgresConnector.options.parse({ kind: 'postgres', url_env: 'PG_URL', query: `SELECT nextval('${db.schema}.seq') AS n` });
    const writing = await postgresConnector.open({ pipeline, logger: createLogger({ level: 'silent' }), state: null, env: { PG_URL: db.url } }, write);
    try {
      await expect((async () => { for await (const _ of writing.extract()) void _; })()).rejects.toMatchObject({ code: 'source_read_failed', message: expect.stringContaining('SQLSTATE 25006 read_only_sql_transaction') });
    } finally {
      await writing.close();
    }
    expect(await db.rows(`SELECT count(*)::int AS n FROM snap`)).toEqual([{ n: 7 }]);
  });
});

sqlSourceSuite({
  kind: 'postgres',
  open: () => postgresTestDb('America/New_York'),
  wallType: 'TIMESTAMP(6)',
  zonedType: 'TIMESTAMPTZ',
  wallText: (text) => text,
  retype: (table, column, type) => `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${type}`,
  varcharName: (n) => `character varying(${n})`,
  duplicateNames: { errorCode: 'source_columns_duplicate', error: expect.stringMatching(/more than one column is named '身份证号'; give each column of connector.query its own name/) },
});
