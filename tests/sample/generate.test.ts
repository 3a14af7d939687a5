import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSheet } from '../../connectors/xlsx/read-sheet.ts';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { generateSample } from '../../src/sample/generate.ts';
import type { SampleManifest } from '../../src/sample/manifest.ts';
import { fileOf, readCsv, readNdjson, readWorkbook } from './read-sample.ts';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = sha256(await readFile(path.join(dir, name)));
  return out;
}

describe('generateSample', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-sample-'));
    dirs.push(dir);
    return dir;
  };
  let outDir: string;
  let manifest: SampleManifest;
  let elapsedMs: number;

  beforeAll(async () => {
    outDir = await tempDir();
    const start = performance.now();
    manifest = await generateSample({ outDir });
    elapsedMs = performance.now() - start;
  });
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('writes the exports of five systems and the licence library, the manifest and the cases', async () => {
    expect((await readdir(outDir)).sort()).toEqual([
      'accounting-staff.gbk.csv',
      'bookkeeping-agencies.csv',
      'continuing-education.xlsx',
      'injected-cases.ndjson',
      'licences-organisations.csv',
      'licences-persons.csv',
      'manifest.json',
      'procurement-suppliers.ndjson',
      'subsidy-payments.csv',
    ]);
    expect(JSON.parse(await readFile(path.join(outDir, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect(manifest.files.map((f) => [f.system, f.path, f.encoding])).toEqual([
      ['accounting-staff', 'accounting-staff.gbk.csv', 'gbk'],
      ['bookkeeping-agencies', 'bookkeeping-agencies.csv', 'utf-8'],
      ['procurement-suppliers', 'procurement-suppliers.ndjson', 'utf-8'],
      ['subsidy-payments', 'subsidy-payments.csv', 'utf-8'],
      ['continuing-education', 'continuing-education.xlsx', 'utf-8'],
      ['licences-persons', 'licences-persons.csv', 'utf-8'],
      ['licences-organisations', 'licences-organisations.csv', 'utf-8'],
    ]);
  });

  it('generates scale 1 quickly', () => {
    // Typically ~0.25 s; the bound only catches a pathological slowdown on a loaded machine.
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('writes the accounting registry in GBK without BOM, LF', async () => {
    const bytes = await readFile(path.join(outDir, 'accounting-staff.gbk.csv'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expect(bytes[0]).not.toBe(0xef);
    const text = iconv.decode(bytes, 'gbk');
    expect(text.split('\n')[0]).toBe('身份证号,姓名,性别,出生日期,手机号,工作单位,单位统一社会信用代码,从业资格,更新时间');
    expect(text).not.toContain('\r');
    expect(iconv.encode(text, 'gbk').equals(bytes)).toBe(true);
  });

  it('writes the agency licences in UTF-8 with BOM and CRLF', async () => {
    const bytes = await readFile(path.join(outDir, 'bookkeeping-agencies.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(3));
    expect(text.startsWith('统一社会信用代码,工商注册号,机构名称,法定代表人,法定代表人身份证号,许可证号,注册地址,发证日期\r\n')).toBe(true);
    const file = fileOf(manifest, 'bookkeeping-agencies');
    // Every record ends in CRLF; the only bare LFs are inside quoted 注册地址 fields.
    expect(text.split('\r\n').length - 1).toBe(file.rows + 1);
    expect(text.split('\n').length - 1).toBe(file.rows + 1 + file.injections.newlineInField!);
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('writes the payments in UTF-8 without BOM, LF, and NDJSON suppliers', async () => {
    const payments = await readFile(path.join(outDir, 'subsidy-payments.csv'));
    expect(payments[0]).not.toBe(0xef);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(payments);
    expect(text.split('\n')[0]).toBe('发放流水号,身份证号,姓名,补贴项目,发放金额,银行账号,发放日期,行政区划');
    expect(text).not.toContain('\r');
    const suppliers = await readFile(path.join(outDir, 'procurement-suppliers.ndjson'), 'utf8');
    const first = suppliers.split('\n')[0]!;
    expect(Object.keys(JSON.parse(first))).toEqual(['supplier_id', 'uscc', 'org_code', 'reg_no', 'name', 'legal_rep', 'registered_capital', 'updated_at']);
  });

  it('writes the training workbook as staff keep it: a title above the header, a notes sheet', async () => {
    const file = fileOf(manifest, 'continuing-education');
    const bytes = await readFile(path.join(outDir, file.path));
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    const title = await readSheet(path.join(outDir, file.path), { sheet: 1 });
    expect(title.sheetName).toBe('学时登记');
    expect(title.columns).toEqual(['会计人员继续教育学时登记表']);
    const notes = await readSheet(path.join(outDir, file.path), { sheet: 2 });
    expect(notes.sheetName).toBe('填表说明');
    expect(notes.columns[0]).toBe('填表说明');
  });

  it('has every column the repository pipelines map or key on, the agency registration number included', async () => {
    const repo = path.resolve(import.meta.dirname, '../..');
    for (const file of manifest.files) {
      const pipeline = await loadPipeline(path.join(repo, 'pipelines', `${file.system}.yaml`));
      expect(path.basename((pipeline.connector as { path: string }).path), file.system).toBe(file.path);
      for (const column of [...Object.values(pipeline.mapping), ...pipeline.source_key]) {
        expect(file.columns, `${file.system}: ${column}`).toContain(column);
      }
      if (file.system === 'bookkeeping-agencies') expect(pipeline.mapping).toMatchObject({ business_reg_no: '工商注册号', uscc: '统一社会信用代码' });
    }
  });

  it('has row counts that match the manifest', async () => {
    for (const file of manifest.files) {
      if (file.format === 'csv') {
        const { header, records } = await readCsv(outDir, file);
        expect(header).toEqual(file.columns);
        expect(records.length, file.path).toBe(file.rows);
        for (const r of records) expect(r.length).toBe(header.length);
      } else if (file.format === 'xlsx') {
        const { header, records } = await readWorkbook(outDir, file);
        expect(header).toEqual(file.columns);
        expect(records.length, file.path).toBe(file.rows);
        // sheet rows: title, header, then the data rows and the injected blank rows
        expect(records.at(-1)!.sheetRow).toBe(file.headerRow! + file.rows + file.injections.blankRow!);
      } else {
        expect((await readNdjson(outDir, file)).length).toBe(file.rows);
      }
      expect(sha256(await readFile(path.join(outDir, file.path)))).toBe(file.sha256);
    }
    expect(manifest.population).toEqual({ persons: 2000, accountingStaff: 1500, organisations: 450, agencies: 300, suppliers: 400 });
    expect(fileOf(manifest, 'accounting-staff').rows).toBe(1500 + 15);
    expect(fileOf(manifest, 'subsidy-payments').rows).toBe(3000 + 30);
    expect(fileOf(manifest, 'continuing-education').rows).toBe(3000 + 30);
  });

  it('is deterministic: same seed and scale give byte-identical files', async () => {
    const again = await tempDir();
    await generateSample({ outDir: again, seed: 1, scale: 1, runDate: '2026-01-01' });
    expect(await hashes(again)).toEqual(await hashes(outDir));
  });

  it('gives different files for another seed or run date', async () => {
    const other = await tempDir();
    const m = await generateSample({ outDir: other, seed: 2 });
    for (const f of m.files) expect(f.sha256).not.toBe(fileOf(manifest, f.system).sha256);
    const later = await tempDir();
    const l = await generateSample({ outDir: later, runDate: '2027-06-30' });
    expect(l.files[0]!.sha256).not.toBe(manifest.files[0]!.sha256);
  });

  it('scales row and injection counts linearly', async () => {
    const dir = await tempDir();
    const m = await generateSample({ outDir: dir, scale: 2 });
    for (const file of m.files) {
      const base = fileOf(manifest, file.system);
      expect(file.rows).toBe(2 * base.rows);
      for (const [kind, n] of Object.entries(file.injections)) {
        // Exact doubling except where eligibility limits a kind; rounding may move it by one.
        expect(Math.abs(n - 2 * base.injections[kind as keyof typeof base.injections]!), `${file.system} ${kind}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('rejects bad options with a message that says what to pass', async () => {
    const dir = await tempDir();
    await expect(generateSample({ outDir: dir, scale: 0 })).rejects.toThrow(/scale must be a positive number/);
    await expect(generateSample({ outDir: dir, seed: 1.5 })).rejects.toThrow(/seed must be a safe integer/);
    await expect(generateSample({ outDir: dir, runDate: '2026-02-30' })).rejects.toThrow(/not a calendar date/);
  });
});
