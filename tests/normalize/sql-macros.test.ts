/**
 * Differential test of the normalisation macros against their JS twins (the authority), on a
 * real in-memory DuckDB: every macro must return exactly the JS result for every value. Plus
 * registration as TEMP macros by openIndex and 1,000,000-row runs of oc_date, oc_timestamp and
 * oc_org_name_key (timed, printed).
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
  normalizePhone,
  normalizeTimestamp,
  orgNameKey,
  personNameKey,
} from '../../src/normalize/index.ts';
import {
  anyUnicode,
  compactOrChineseDateTime,
  excelSerial,
  junk,
  nearMiss,
  writtenDate,
  writtenOrgName,
  writtenPersonName,
  writtenPhone,
  zonedTimestamp,
} from './arbitraries.ts';

const SEED = 20240304;
const sample = <T>(arbitrary: fc.Arbitrary<T>, numRuns: number): T[] => fc.sample(arbitrary, { numRuns, seed: SEED });

/** A few thousand values: valid forms, near misses, junk, any Unicode, and hand-picked edges. */
function buildValues(): string[] {
  const dates = sample(writtenDate, 1500);
  const serials = sample(excelSerial, 500);
  const compactOrChinese = sample(compactOrChineseDateTime, 800);
  const zoned = sample(zonedTimestamp, 800);
  const nearMisses = [...dates.slice(0, 600), ...serials.slice(0, 200), ...compactOrChinese.slice(0, 300), ...zoned.slice(0, 200)].flatMap(
    (value, i) => sample(nearMiss(value), 1 + (i % 2)),
  );
  const edges = [
    '', ' ', '\u3000', '2024-02-29', '2023-02-29', '1900-02-29', '2000-02-29', '2024-13-01', '2024-00-01', '2024-01-00',
    '2024-04-31', '0999-12-31', '1000-01-01', '9999-12-31', '2024', '202403', '1234567', '45000', '45000.5', '45000.',
    '45000.99999999', '45000.00015625', `45000.${'9'.repeat(400)}`, `45000.${'0'.repeat(300)}1`, '99999.9999999', '10000',
    '2024-03-01 24:00', '2024-03-01T23:59:59.999+14:00', '2024-03-01\t12:30', '2024-03-01\u300012:30', '2024-3-1 9:5',
    // compact and Chinese times
    '20240301083000', '202403010830', '20240301253000', '202403012400', '20240301086000', '2024030108300', '2024030108', '20240301083',
    '2024030108300000', '2024年03月01日 08时30分', '2024年3月1日 8时30分15秒', '2024年3月1日8点30分', '2024年3月1日 25时00分',
    '2024年3月1日 8时60分', '2024年3月1日 8时', '2024-03-01 8时30分', '20240301 8时30分', '2024年3月1日0830', '2024-03-010830',
    '２０２４０３０１０８３０００', '２０２４年３月１日　８时３０分',
    // zones: rolling days, months, years, leap days, the ends of the range
    '2024-03-01T00:30:00Z', '2024-03-01T23:30:00Z', '2024-02-28T20:00:00-05:00', '2023-02-28T20:00:00-05:00',
    '2100-02-28T16:00:00Z', '2000-02-28T16:00:00Z', '2024-12-31T16:00:00Z', '2024-03-01T12:30Z', '2024-03-01T12:30:45.999-0530',
    '9999-12-31T15:59:59Z', '9999-12-31T16:00:00Z', '1000-01-01T00:00:00+08:00', '1000-01-01T00:00:00+08:01', '1000-01-01 00:00:00-23:59',
    // branches after a statutory suffix; dashes in names
    '某某有限责任公司厦门分公司', '某某股份公司思明营业部（筹）', '某某有限责任公司福建分公司厦门营业部', 'A有限责任公司B有限责任公司分公司',
    '某某有限责任公司公司分公司', '某某有限责任公司司法鉴定所', '某某有限责任公司 厦门 分公司', '某某有限责任公司厦门分行',
    '买买提-艾力', '买买提 — 艾力', '买买提－艾力', '买买提——艾力', 'Jean-Pierre', '陈-John', '阿依古丽‐买买提‑艾力',
  ];
  return [
    ...dates, ...serials, ...compactOrChinese, ...zoned, ...nearMisses, ...edges,
    ...sample(writtenPersonName, 1500), ...sample(writtenOrgName, 1000), ...sample(writtenPhone, 1500),
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
  oc_phone: normalizePhone,
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
    expect(values.length).toBeGreaterThan(9000);
    expect(values.filter((v) => normalizeDate(v) !== null).length).toBeGreaterThan(1000);
    expect(values.filter((v) => normalizeTimestamp(v)?.length === 19).length).toBeGreaterThan(300);
    const shifted = values.filter((v) => normalizeTimestamp(v) !== null && normalizeTimestamp(v)!.slice(0, 10) !== normalizeDate(v));
    expect(shifted.length, 'zoned values that roll into another day').toBeGreaterThan(100);
    expect(values.filter((v) => /^\d{12}(\d{2})?$/.test(v) && normalizeTimestamp(v) !== null).length).toBeGreaterThan(100);
    expect(values.filter((v) => /[时点]/.test(v) && normalizeTimestamp(v) !== null).length).toBeGreaterThan(100);
    expect(values.filter((v) => /[时点]/.test(v) && normalizeTimestamp(v) === null).length).toBeGreaterThan(100);
    const branches = values.filter((v) => /有限责任公司[^()]*(?:分公司|分店|营业部|办事处|分所|支行)/.test(v));
    expect(branches.filter((v) => !orgNameKey(v)!.includes('有限责任公司')).length).toBeGreaterThan(30);
    expect(values.filter((v) => /[\p{Script=Han}][-‐‑–—－][\p{Script=Han}]/u.test(v)).length).toBeGreaterThan(30);
    expect(values.filter((v) => normalizePhone(v)?.length === 11).length, 'mobile numbers').toBeGreaterThan(200);
    expect(values.filter((v) => normalizePhone(v)?.includes('-')).length, 'fixed-line numbers').toBeGreaterThan(200);
    expect(values.filter((v) => /\d{5}/.test(v) && normalizePhone(v) === null).length, 'unreadable numbers').toBeGreaterThan(200);
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

  it('runs oc_timestamp over 1,000,000 ISO timestamps and oc_org_name_key over 1,000,000 names (times printed, not asserted)', async () => {
    await connection.run(
      `CREATE TABLE million_more AS SELECT
         strftime(TIMESTAMP '1990-01-01' + to_seconds(i * 997), '%Y-%m-%d %H:%M:%S') AS spaced,
         strftime(TIMESTAMP '1990-01-01' + to_seconds(i * 997), '%Y-%m-%dT%H:%M:%SZ') AS zoned,
         ['福建', '厦门', '泉州', '北京', '上海', '深圳'][1 + i % 6] || ['某某', '宏达', '新世纪', '华兴', '金桥', '天成', '瑞丰'][1 + (i // 6) % 7] ||
           ['科技', '贸易', '建设工程', '食品', '物流', '电子'][1 + (i // 42) % 6] ||
           ['有限公司', '有限公司', '有限责任公司', '股份有限公司', '有限公司', '股份公司', '有限公司（厦门分公司）', '有限公司厦门分公司',
            '有限责任公司厦门分公司', '有限公司'][1 + (i // 252) % 10] AS org
       FROM range(1000000) t(i)`,
    );
    const time = async (sql: string): Promise<[number, unknown]> => {
      const started = performance.now();
      const [row] = await rows(sql);
      return [Math.round(performance.now() - started), Object.values(row!)[0]];
    };
    const [spacedMs, spacedCount] = await time('SELECT count(oc_timestamp(spaced))::INTEGER FROM million_more');
    const [zonedMs, zonedCount] = await time('SELECT count(oc_timestamp(zoned))::INTEGER FROM million_more');
    const [orgMs, orgKeys] = await time('SELECT count(DISTINCT oc_org_name_key(org))::INTEGER FROM million_more');
    console.info(
      `oc_timestamp on 1,000,000 rows: 'YYYY-MM-DD HH:MM:SS' ${spacedMs} ms, 'YYYY-MM-DDTHH:MM:SSZ' ${zonedMs} ms; ` +
        `oc_org_name_key on 1,000,000 names ${orgMs} ms`,
    );
    expect([spacedCount, zonedCount]).toEqual([1_000_000, 1_000_000]);
    expect(orgKeys).toBe(6 * 7 * 6 * 4); // 有限(责任)公司, 股份(有限)公司, the bracketed branch and the unbracketed one
  });
});
