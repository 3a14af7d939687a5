import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCHMARK_DIRTY_ID_RATE, writePersonBenchmarkCsv, type PersonBenchmarkSummary } from '../../src/sample/bench-persons.ts';
import { count, regionCodes, residentIdStatus } from './read-sample.ts';

describe('writePersonBenchmarkCsv', () => {
  const rows = 50_000;
  let dir: string;
  let summary: PersonBenchmarkSummary;
  let records: string[][];
  let header: string[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-bench-'));
    summary = await writePersonBenchmarkCsv(path.join(dir, 'persons.csv'), rows, 3);
    const all = parse(await readFile(path.join(dir, 'persons.csv'))) as string[][];
    header = all[0]!;
    records = all.slice(1);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the registry header and the requested rows in UTF-8', async () => {
    expect(header).toEqual(['身份证号', '姓名', '性别', '出生日期', '手机号', '工作单位', '单位统一社会信用代码', '从业资格', '更新时间']);
    expect(records.length).toBe(rows);
    expect(summary.rows).toBe(rows);
    const bytes = await readFile(path.join(dir, 'persons.csv'));
    expect(summary.bytes).toBe(bytes.length);
    expect(bytes[0]).not.toBe(0xef);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).not.toThrow();
  });

  it('has about 2% dirty identity numbers, as counted, and distinct valid ones otherwise', () => {
    const ids = records.map((r) => r[0]!);
    const dirtyTotal = Object.values(summary.dirty).reduce((a, b) => a + b, 0);
    expect(dirtyTotal / rows).toBeGreaterThan(BENCHMARK_DIRTY_ID_RATE * 0.8);
    expect(dirtyTotal / rows).toBeLessThan(BENCHMARK_DIRTY_ID_RATE * 1.2);
    expect(count(ids, (id) => residentIdStatus(id) === 'valid')).toBe(rows - dirtyTotal);
    expect(count(ids, (id) => /^\d{15}$/.test(id))).toBe(summary.dirty.legacy15Id);
    expect(count(ids, (id) => /x$/.test(id))).toBe(summary.dirty.lowerCase);
    expect(count(ids, (id) => id === '')).toBe(summary.dirty.missingCode);
    expect(count(ids, (id) => residentIdStatus(id) === 'check')).toBe(summary.dirty.wrongCheckCharacter);
    expect(count(ids, (id) => residentIdStatus(id) === 'date')).toBe(summary.dirty.impossibleBirthDate);
    const valid = ids.filter((id) => residentIdStatus(id) === 'valid');
    expect(new Set(valid).size).toBe(valid.length);
    const codes = regionCodes();
    for (const id of valid.slice(0, 5000)) expect(codes.has(id.slice(0, 6)) && id.startsWith('35')).toBe(true);
    for (const r of records.slice(0, 5000)) {
      if (residentIdStatus(r[0]!) !== 'valid') continue;
      expect(r[2]).toBe(Number(r[0]![16]) % 2 ? '男' : '女');
      expect(r[3]!.replace(/-/g, '')).toBe(r[0]!.slice(6, 14));
      expect(r[4]).toMatch(/^1\d{10}$/);
    }
  });

  it('is deterministic in the seed', async () => {
    const again = path.join(dir, 'again.csv');
    await writePersonBenchmarkCsv(again, 2_000, 3);
    const first = (await readFile(path.join(dir, 'persons.csv'), 'utf8')).split('\n').slice(0, 2001).join('\n');
    expect((await readFile(again, 'utf8')).startsWith(first)).toBe(true);
  });
});
