/**
 * Differential test of the normalisation macros against their JS twins (the authority), on a
 * real in-memory DuckDB: every macro must return exactly the JS result for every value. Plus
 * registration as TEMP macros by openIndex and a 1,000,000-row run of oc_date (timed, printed).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlSample, type SqlSample } from '../support/sql-sample.ts';
import { openIndex } from '../../src/index/open-index.ts';
import {
  NORMALIZE_SQL_MACROS,
  normalizeDate,
  normalizeOrgName,
  normalizePersonName,
  normalizeTimestamp,
  orgNameKey,
  personNameKey,
} from '../../src/normalize/index.ts';
import { anyUnicode, excelSerial, junk, nearMiss, writtenDate, writtenOrgName, writtenPersonName } from './arbitraries.ts';

const SEED = 20240304;
const sample = <T>(arbitrary: fc.Arbitrary<T>, numRuns: number): T[] => fc.sample(arbitrary, { numRuns, seed: SEED });

/** A few thousand values: valid forms, near misses, junk, any Unicode, and hand-picked edges. */
function buildValues(): string[] {
  const dates = sample(writtenDate, 1500);
  const serials = sample(excelSerial, 500);
  const nearMisses = [...dates.slice(0, 600), ...serials.slice(0, 200)].flatMap((value, i) => sample(nearMiss(value), 1 + (i % 2)));
  const edges = [
    '', ' ', '\u3000', '2024-02-29', '2023-02-29', '1900-02-29', '2000-02-29', '2024-13-01', '2024-00-01', '2024-01-00',
    '2024-04-31', '0999-12-31', '1000-01-01', '9999-12-31', '2024', '202403', '1234567', '45000', '45000.5', '45000.',
    '45000.99999999', '45000.00015625', `45000.${'9'.repeat(400)}`, `45000.${'0'.repeat(300)}1`, '99999.9999999', '10000',
    '2024-03-01 24:00', '2024-03-01T23:59:59.999+14:00', '2024-03-01\t12:30', '2024-03-01\u300012:30', '2024-3-1 9:5',
  ];
  return [
    ...dates, ...serials, ...nearMisses, ...edges,
    ...sample(writtenPersonName, 1500), ...sample(writtenOrgName, 1000),
    ...sample(junk, 800), ...sample(anyUnicode, 800),
  ];
}

const JS_TWINS: Record<string, (text: string) => string | null> = {
  oc_date: normalizeDate,
  oc_timestamp: normalizeTimestamp,
  oc_person_name: normalizePersonName,
  oc_person_name_key: personNameKey,
  oc_org_name: normalizeOrgName,
  oc_org_name_key: orgNameKey,
};

let fixture: SqlSample;
let connection: DuckDBConnection;
const values = buildValues();
const rows = (sql: string): Promise<Record<string, unknown>[]> => fixture.rows(sql);

beforeAll(async () => {
  fixture = await openSqlSample(NORMALIZE_SQL_MACROS, values);
  connection = fixture.connection;
});

afterAll(() => fixture?.close());

describe('NORMALIZE_SQL_MACROS against the JS rules', () => {
  it('has several thousand values, many of them readable', () => {
    expect(values.length).toBeGreaterThan(7000);
    expect(values.filter((v) => normalizeDate(v) !== null).length).toBeGreaterThan(1000);
    expect(values.filter((v) => normalizeTimestamp(v)?.length === 19).length).toBeGreaterThan(300);
  });

  for (const [macro, js] of Object.entries(JS_TWINS)) {
    it(`${macro}(v) equals the JS result for every value, and NULL for NULL`, async () => {
      const result = await rows(`SELECT i, v, ${macro}(v) AS sql FROM sample ORDER BY i`);
      expect(result).toHaveLength(values.length + 1);
      const differences = result
        .filter(({ v, sql }) => (v === null ? sql !== null : sql !== js(v as string)))
        .map(({ v, sql }) => ({ v, sql, js: v === null ? null : js(v as string) }));
      expect(differences.slice(0, 10)).toEqual([]);
    });
  }
});

describe('registration', () => {
  it('openIndex creates the macros as TEMP macros beside the identifier macros', async () => {
    const index = await openIndex(':memory:');
    try {
      const reader = await index.connection.runAndReadAll(
        `SELECT oc_date('2024/3/1') AS d, oc_timestamp('45000.5') AS t, oc_person_name('陈 明') AS p, oc_org_name_key('某某有限责任公司') AS o`,
      );
      expect(reader.getRowObjects()).toEqual([{ d: '2024-03-01', t: '2023-03-15 12:00:00', p: '陈明', o: '某某有限公司' }]);
      const temp = await index.connection.runAndReadAll(
        `SELECT count(*)::INTEGER AS n FROM duckdb_functions() WHERE function_name LIKE 'oc\\_%' ESCAPE '\\' AND database_name = 'temp' AND function_name IN (${Object.keys(JS_TWINS).map((m) => `'${m}'`).join(', ')})`,
      );
      expect(temp.getRowObjects()).toEqual([{ n: Object.keys(JS_TWINS).length }]);
    } finally {
      index.close();
    }
  });
});

describe('bulk', () => {
  it('runs oc_date over 1,000,000 ISO dates (time printed, not asserted)', async () => {
    await connection.run(
      `CREATE TABLE million AS SELECT strftime(DATE '1950-01-01' + (i % 30000)::INTEGER, '%Y-%m-%d') AS v,
         strftime(DATE '1950-01-01' + (i % 30000)::INTEGER, '%Y/%-m/%-d') AS slashed FROM range(1000000) t(i)`,
    );
    const time = async (sql: string): Promise<[number, unknown]> => {
      const started = performance.now();
      const [row] = await rows(sql);
      return [Math.round(performance.now() - started), Object.values(row!)[0]];
    };
    const [isoMs, isoCount] = await time('SELECT count(oc_date(v))::INTEGER FROM million');
    const [slashedMs, slashedCount] = await time('SELECT count(oc_date(slashed))::INTEGER FROM million');
    const [timestampMs] = await time('SELECT count(oc_timestamp(v))::INTEGER FROM million');
    console.info(`oc_date on 1,000,000 rows: ISO ${isoMs} ms, Y/M/D ${slashedMs} ms; oc_timestamp on ISO ${timestampMs} ms`);
    expect(isoCount).toBe(1_000_000);
    expect(slashedCount).toBe(1_000_000);
  });
});
