/**
 * Issue 9, the `mysql` connector against a real MariaDB or MySQL (tests/support/mysql.ts: never
 * skipped). Values arrive exactly as text whatever the zones of the server, the writing session
 * and this Node process; then the shared run suite (sql-source-suite.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlConnector } from '../../connectors/mysql.ts';
import type { Extracted } from '../../connectors/types.ts';
import { createLogger } from '../../src/logger.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { personId } from '../support/csv-files.ts';
import { mysqlTestDb, type SqlTestDb } from '../support/sql-db.ts';
import { sqlSourceSuite } from './sql-source-suite.ts';

const pipeline = { name: 'types', file: '/tmp/types.yaml' } as unknown as Pipeline;
const logger = createLogger({ level: 'silent' });

describe('mysql: every value as exact text', () => {
  let db: SqlTestDb;
  const zone = process.env.TZ;
  beforeAll(async () => {
    // This process at UTC+14, the writer at UTC-5, the server at UTC: any conversion through a JS
    // Date or a session zone would show.
    process.env.TZ = 'Pacific/Kiritimati';
    db = await mysqlTestDb('-05:00');
  });
  afterAll(async () => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
    await db?.dispose();
  });

  const open = (options: Record<string, unknown>) =>
    mysqlConnector.open({ pipeline, logger, state: null, env: { MY_URL: db.url } }, mysqlConnector.options.parse({ kind: 'mysql', url_env: 'MY_URL', ...options }));

  async function readAll(options: Record<string, unknown>): Promise<{ columns: unknown; rows: Extracted[] }> {
    const read = await open(options);
    try {
      const rows: Extracted[] = [];
      for await (const row of read.extract()) rows.push(row);
      return { columns: read.columns, rows };
    } finally {
      await read.close();
    }
  }

  it('BIGINT, DECIMAL, DATE, DATETIME, TIMESTAMP, JSON, binary strings, BIT and text', async () => {
    await db.exec(`CREATE TABLE vals (
      n INT, big BIGINT, ubig BIGINT UNSIGNED, amount DECIMAL(30,10), day DATE, wall DATETIME(6), wall0 DATETIME, zoned TIMESTAMP(3) NULL,
      flag TINYINT(1), bits BIT(10), raw VARBINARY(8), blob_ BLOB, doc JSON, name VARCHAR(20), code CHAR(18), f8 DOUBLE, hhmm TIME)`);
    await db.exec(`INSERT INTO vals VALUES
      (1, 9223372036854775807, 18446744073709551615, 12345678901234567890.0123456789, '2026-03-01', '2026-03-01 00:30:00.123456', '2024-02-29 23:59:59',
       '2026-03-01 08:30:00.250', 1, b'1000000001', x'00ff10', x'0102', '{"b": [1, 2.50], "a": "甲"}', '测试𠀀用户', '${personId(1)}', 0.1, '-838:59:59'),
      (2, -9223372036854775808, 0, -0.0000000001, '1000-01-01', '1900-01-01 00:00:00', NULL, NULL, 0, b'0', x'', NULL, 'null', '', NULL, 1e300, NULL)`);
    const { columns, rows } = await readAll({ query: `SELECT * FROM ${db.schema}.vals ORDER BY n` });
    expect(columns).toEqual([
      { name: 'n', type: 'INT' }, { name: 'big', type: 'BIGINT' }, { name: 'ubig', type: 'BIGINT UNSIGNED' }, { name: 'amount', type: 'DECIMAL(30,10)' },
      { name: 'day', type: 'DATE' }, { name: 'wall', type: 'DATETIME(6)' }, { name: 'wall0', type: 'DATETIME' }, { name: 'zoned', type: 'TIMESTAMP(3)' },
      { name: 'flag', type: 'TINYINT' }, { name: 'bits', type: 'BIT(10)' }, { name: 'raw', type: 'VARBINARY(8)' }, { name: 'blob_', type: 'BLOB' },
      { name: 'doc', type: 'JSON' }, { name: 'name', type: 'VARCHAR(20)' }, { name: 'code', type: 'CHAR(18)' }, { name: 'f8', type: 'DOUBLE' }, { name: 'hhmm', type: 'TIME' },
    ]);
    expect(rows).toEqual([
      {
        kind: 'row', line: 1, nonScalar: ['doc'],
        fields: {
          n: '1', big: '9223372036854775807', ubig: '18446744073709551615', amount: '12345678901234567890.0123456789', day: '2026-03-01',
          wall: '2026-03-01 00:30:00.123456', wall0: '2024-02-29 23:59:59',
          // 08:30 at UTC-5 is 13:30 UTC, 21:30 in China
          zoned: '2026-03-01 21:30:00.250+08:00',
          flag: '1', bits: '513', raw: '00ff10', blob_: '0102', doc: expect.stringMatching(/^\{"b": ?\[1, ?2.50\], ?"a": ?"甲"\}$|^\{"a": "甲", "b": \[1, 2.50\]\}$/),
          name: '测试𠀀用户', code: personId(1), f8: '0.1', hhmm: '-838:59:59',
        },
      },
      {
        kind: 'row', line: 2, nonScalar: ['doc'],
        fields: {
          n: '2', big: '-9223372036854775808', ubig: '0', amount: '-0.0000000001', day: '1000-01-01', wall: '1900-01-01 00:00:00.000000', wall0: null,
          zoned: null, flag: '0', bits: '0', raw: '', blob_: null, doc: 'null', name: '', code: null, f8: '1e300', hhmm: null,
        },
      },
    ]);
  });

  it('reads inside one consistent snapshot, pausing the stream every fetch_size rows: rows committed during the read are not in it', async () => {
    await db.exec(`CREATE TABLE snap (id INT PRIMARY KEY) ENGINE=InnoDB`);
    await db.exec(`INSERT INTO snap VALUES ${Array.from({ length: 50 }, (_, i) => `(${i + 1})`).join(', ')}`);
    const read = await open({ table: `${db.schema}.snap`, fetch_size: 3 });
    const ids: string[] = [];
    try {
      for await (const row of read.extract()) {
        if (row.kind === 'row') ids.push(row.fields.id!);
        if (ids.length === 1) await db.exec(`INSERT INTO snap VALUES (51), (52)`);
      }
    } finally {
      await read.close();
    }
    expect(ids.map(Number)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('a read left before its end lets go of its connection', async () => {
    await db.exec(`CREATE TABLE many (id INT)`);
    await db.exec(`INSERT INTO many VALUES ${Array.from({ length: 100 }, (_, i) => `(${i})`).join(', ')}`);
    const read = await open({ table: `${db.schema}.many`, fetch_size: 5 });
    let seen = 0;
    for await (const _ of read.extract()) if (++seen === 7) break;
    await read.close();
    expect(seen).toBe(7);
  });
});

sqlSourceSuite({
  kind: 'mysql',
  open: () => mysqlTestDb('-05:00'),
  wallType: 'DATETIME(6)',
  zonedType: 'TIMESTAMP',
  wallText: (text) => `${text}.000000`,
  retype: (table, column, type) => `ALTER TABLE ${table} MODIFY ${column} ${type}`,
  varcharName: (n) => `VARCHAR(${n})`,
  duplicateNames: { errorCode: 'source_query_invalid', error: expect.stringMatching(/the query cannot run; check connector.query \(error 1060 ER_DUP_FIELDNAME, SQLSTATE 42S21: Duplicate column name '身份证号'\)/) },
});
