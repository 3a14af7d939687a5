import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFormat, formatKind } from '../../connectors/xlsx/number-formats.ts';
import { exactNumberText } from '../../connectors/xlsx/number-text.ts';
import { readSheet, type ReadSheetOptions, type SheetRecord } from '../../connectors/xlsx/read-sheet.ts';
import { serialText } from '../../connectors/xlsx/serial-date.ts';
import { crc32Table, openPackage } from '../../connectors/xlsx/package-parts.ts';
import { personId } from '../support/csv-files.ts';
import { cell, richSi, row, si, writeWorkbook, type WorkbookSpec } from '../support/xlsx-files.ts';
import { REPO } from '../support/workspace.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-xlsx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let made = 0;
async function workbook(spec: WorkbookSpec): Promise<string> {
  const file = path.join(dir, `book-${++made}.xlsx`);
  await writeWorkbook(file, spec);
  return file;
}

async function readAll(file: string, options: ReadSheetOptions = {}): Promise<{ sheetName: string; columns: string[]; records: SheetRecord[] }> {
  const sheet = await readSheet(file, options);
  const records: SheetRecord[] = [];
  for await (const record of sheet.rows()) records.push(record);
  return { sheetName: sheet.sheetName, columns: sheet.columns, records };
}

/** One header row (A1...) of inline strings and data rows of the given cells, on one sheet. */
const sheetOf = (header: string[], rows: string[][], extra: Partial<WorkbookSpec> = {}): WorkbookSpec => ({
  sheets: [{ name: '名单', rows: [row(1, header.map((h, i) => cell.inline(`${letter(i + 1)}1`, h))), ...rows.map((cells, i) => row(i + 2, cells))] }],
  ...extra,
});
const letter = (column: number): string => String.fromCharCode(64 + column);

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected the promise to reject');
}

describe('number text: the stored text, never a JavaScript number', () => {
  it('a plain decimal is returned as stored', () => {
    for (const v of ['1171', '0.1', '-12.50', '0.30000000000000004', '123456789012345', '110105199001011234', '1234567890123456.5']) {
      expect(exactNumberText(v)).toEqual({ ok: true, text: v });
    }
  });

  it('an exponent form is written out by moving the point: nothing rounded', () => {
    expect(exactNumberText('1.5E+10')).toEqual({ ok: true, text: '15000000000' });
    expect(exactNumberText('1.0000000000000001E-5')).toEqual({ ok: true, text: '0.000010000000000000001' });
    expect(exactNumberText('-2.5E-3')).toEqual({ ok: true, text: '-0.0025' });
    expect(exactNumberText('1.23456789012345E+14')).toEqual({ ok: true, text: '123456789012345' });
    expect(exactNumberText('4.5E+000')).toEqual({ ok: true, text: '4.5' });
  });

  it('an exponent form agrees with BigInt arithmetic on any number of up to 15 significant digits', () => {
    const digits = fc.stringMatching(/^[1-9]\d{0,14}$/);
    fc.assert(fc.property(digits, fc.integer({ min: -30, max: 14 }), fc.boolean(), (m, e, negative) => {
      const mantissaPoint = e; // value = m[0].m[1..] × 10^e
      const text = `${negative ? '-' : ''}${m[0]}${m.length > 1 ? `.${m.slice(1)}` : ''}E${mantissaPoint >= 0 ? '+' : ''}${mantissaPoint}`;
      // The oracle: m × 10^(e - (len - 1)) with BigInt, then a decimal point put in.
      const shift = mantissaPoint - (m.length - 1);
      let expected: string;
      if (shift >= 0) {
        expected = (BigInt(m) * 10n ** BigInt(shift)).toString();
      } else {
        const scale = 10n ** BigInt(-shift);
        const units = BigInt(m);
        const frac = (units % scale).toString().padStart(-shift, '0').replace(/0+$/, '');
        expected = `${units / scale}${frac ? `.${frac}` : ''}`;
      }
      if (negative) expected = `-${expected}`;
      const integerDigits = shift >= 0 ? m.length + shift : Math.max(0, m.length + shift);
      if (integerDigits > 15) expect(exactNumberText(text)).toMatchObject({ ok: false, problem: 'precision_lost' });
      else expect(exactNumberText(text)).toEqual({ ok: true, text: expected });
    }), { numRuns: 2000 });
  });

  it('more than 15 integer digits survive only when every digit is stored: an identity number typed into a number cell does not', () => {
    expect(exactNumberText('1.10105199001011E+17')).toEqual({ ok: false, problem: 'precision_lost', integerDigits: 18 });
    expect(exactNumberText('3.5010219850317E+017')).toEqual({ ok: false, problem: 'precision_lost', integerDigits: 18 }); // LibreOffice's form
    expect(exactNumberText('1.2345678901234567E+17')).toMatchObject({ ok: false, problem: 'precision_lost' }); // 17 digits stored, 18 needed
    expect(exactNumberText('110105199001011000')).toMatchObject({ ok: false, problem: 'precision_lost' }); // Excel's cut, written out
    expect(exactNumberText('1E+15')).toMatchObject({ ok: false, problem: 'precision_lost' });
    expect(exactNumberText('350102198503170015')).toEqual({ ok: true, text: '350102198503170015' }); // all 18 digits stored
  });

  it('what is no xsd:double is no number', () => {
    for (const v of ['', '1,171', '1.2.3', 'INF', 'NaN', '0x10', '1e99999', ' 1']) expect(exactNumberText(v)).toEqual({ ok: false, problem: 'not_a_number' });
  });
});

describe('date serials: integer arithmetic, no zone', () => {
  const DAY_MS = 86_400_000;
  const iso = (ms: number): string => new Date(ms).toISOString();

  it('1900 system: every serial from 61 to 2958465 is 1899-12-30 plus that many days (checked against Date.UTC)', () => {
    fc.assert(fc.property(fc.integer({ min: 61, max: 2_958_465 }), (n) => {
      expect(serialText(String(n), 'date', false)).toEqual({ ok: true, text: iso(Date.UTC(1899, 11, 30) + n * DAY_MS).slice(0, 10) });
    }), { numRuns: 3000 });
  });

  it('1904 system: serial 0 is 1904-01-01 (checked against Date.UTC)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2_957_003 }), (n) => {
      expect(serialText(String(n), 'date', true)).toEqual({ ok: true, text: iso(Date.UTC(1904, 0, 1) + n * DAY_MS).slice(0, 10) });
    }), { numRuns: 1000 });
    expect(serialText('0', 'date', true)).toEqual({ ok: true, text: '1904-01-01' });
  });

  it('a wall time written with 15 significant digits, as Excel writes it, comes back to the second', () => {
    fc.assert(fc.property(fc.integer({ min: 61, max: 2_958_465 }), fc.integer({ min: 0, max: 86_399 }), (n, s) => {
      const serial = Number(((n * 86_400 + s) / 86_400).toPrecision(15)).toString();
      const expected = iso(Date.UTC(1899, 11, 30) + n * DAY_MS + s * 1000);
      expect(serialText(serial, 'datetime', false)).toEqual({ ok: true, text: `${expected.slice(0, 10)} ${expected.slice(11, 19)}` });
    }), { numRuns: 3000 });
  });

  it('the 1900 leap-year bug: 59 is 1900-02-28, 60 is no day, 61 is 1900-03-01', () => {
    expect(serialText('1', 'date', false)).toEqual({ ok: true, text: '1900-01-01' });
    expect(serialText('59', 'date', false)).toEqual({ ok: true, text: '1900-02-28' });
    expect(serialText('60', 'date', false)).toMatchObject({ ok: false, problem: 'out_of_range' });
    expect(serialText('61', 'date', false)).toEqual({ ok: true, text: '1900-03-01' });
    expect(serialText('0', 'date', false)).toMatchObject({ ok: false, problem: 'out_of_range' });
    expect(serialText('-1', 'date', false)).toMatchObject({ ok: false, problem: 'out_of_range' });
    expect(serialText('2958465', 'date', false)).toEqual({ ok: true, text: '9999-12-31' });
    expect(serialText('2958466', 'date', false)).toMatchObject({ ok: false, problem: 'out_of_range' });
    expect(serialText('1E+300', 'datetime', false)).toMatchObject({ ok: false, problem: 'out_of_range' });
  });

  it('times of day, elapsed time, and the day a date format shows', () => {
    expect(serialText('0.5', 'time', false)).toEqual({ ok: true, text: '12:00:00' });
    expect(serialText('1.1574074074074073E-5', 'time', false)).toEqual({ ok: true, text: '00:00:01' });
    expect(serialText('0.354166666666667', 'time', false)).toEqual({ ok: true, text: '08:30:00' });
    expect(serialText('45292.5', 'time', false)).toEqual({ ok: true, text: '2024-01-01 12:00:00' }); // a day the format hides is kept
    expect(serialText('1.5', 'elapsed', false)).toEqual({ ok: true, text: '36:00:00' });
    expect(serialText('45292.5208333333', 'datetime', false)).toEqual({ ok: true, text: '2024-01-01 12:30:00' });
    expect(serialText('45292.99999999', 'date', false)).toEqual({ ok: true, text: '2024-01-01' }); // the day it falls in
    expect(serialText('45292.999999999', 'datetime', false)).toEqual({ ok: true, text: '2024-01-02 00:00:00' }); // nearest second
  });
});

describe('number formats that show dates and times', () => {
  it('built-in ids 14-22 and 45-47 are dates and times (27-36 and 50-58 too, the East Asian ones), the others numbers', () => {
    const none = new Map<number, string>();
    const kinds = Object.fromEntries(Array.from({ length: 60 }, (_, id) => [id, formatKind(id, none)]));
    for (const id of [14, 15, 16, 17]) expect(kinds[id]).toBe('date');
    for (const id of [18, 19, 20, 21, 45, 47]) expect(kinds[id]).toBe('time');
    expect(kinds[22]).toBe('datetime');
    expect(kinds[46]).toBe('elapsed');
    for (const id of [0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 37, 38, 39, 40, 48, 49]) expect(kinds[id]).toBe('number');
    for (const id of [27, 28, 30, 31, 36, 50, 57, 58]) expect(kinds[id]).toBe('date'); // zh-CN built-ins
    for (const id of [32, 33, 34, 35, 55, 56]) expect(kinds[id]).toBe('time');
    expect(formatKind(14, new Map([[14, '0.00']]))).toBe('number'); // a workbook's own definition wins
  });

  it('custom format codes', () => {
    const cases: [string, string][] = [
      ['yyyy-mm-dd', 'date'], ['yyyy"年"m"月"d"日"', 'date'], ['yyyy\\年m\\月d\\日', 'date'], ['[$-804]yyyy年m月d日', 'date'],
      ['[DBNum1][$-804]yyyy"年"m"月"d"日"', 'date'], ['mmm', 'date'], ['m/d', 'date'],
      ['hh:mm', 'time'], ['h:mm AM/PM', 'time'], ['mm:ss', 'time'], ['上午/下午h"时"mm"分"', 'time'],
      ['yyyy\\-mm\\-dd\\ hh:mm:ss', 'datetime'], ['yyyy/m/d h:mm', 'datetime'],
      ['[h]:mm:ss', 'elapsed'], ['[mm]:ss', 'elapsed'],
      ['General', 'number'], ['0.00', 'number'], ['#,##0.00_);[Red](#,##0.00)', 'number'], ['0.00E+00', 'number'],
      ['"days"0', 'number'], ['0 "天"', 'number'], ['\\d0', 'number'], ['@', 'number'], ['[Red]0.00', 'number'],
      ['"TRUE";"TRUE";"FALSE"', 'number'], ['0;[Red]yyyy', 'number'],
    ];
    expect(cases.map(([code]) => [code, classifyFormat(code)])).toEqual(cases);
  });
});

describe('readSheet on generated workbooks', () => {
  it('chooses a sheet by its Chinese name or its position, reads a header that is not on row 1, and names the sheets when one is missing', async () => {
    const file = await workbook({
      sheets: [
        { name: '说明', rows: [row(1, [cell.inline('A1', '测试数据')])] },
        { name: '人员 名单', rows: [
          row(1, [cell.inline('A1', '人员名单（测试）')]),
          row(2, []),
          row(3, [cell.s('A3', 0), cell.s('B3', 1), cell.inline('C3', ' 工作单位 ')]),
          row(4, [cell.inline('A4', personId(1)), cell.inline('B4', '测试甲'), cell.inline('C4', '单位甲')]),
        ] },
      ],
      sharedStrings: [si('身份证号'), si('姓名')],
    });
    const byName = await readAll(file, { sheet: '人员 名单', headerRow: 3 });
    expect(byName.sheetName).toBe('人员 名单');
    expect(byName.columns).toEqual(['身份证号', '姓名', '工作单位']);
    expect(byName.records).toEqual([{ kind: 'row', row: 4, values: [personId(1), '测试甲', '单位甲'] }]);
    expect(await readAll(file, { sheet: 2, headerRow: 3 })).toEqual(byName);
    expect((await readAll(file)).columns).toEqual(['测试数据']);

    const missing = await failure(readSheet(file, { sheet: '名单' }));
    expect(missing.code).toBe('xlsx_sheet_not_found');
    expect(missing.message).toContain('说明, 人员 名单');
    expect((await failure(readSheet(file, { sheet: 3 }))).code).toBe('xlsx_sheet_not_found');
    expect((await failure(readSheet(file, { sheet: 0 }))).code).toBe('config_invalid');
    expect((await failure(readSheet(file, { sheet: '人员 名单', headerRow: 9 }))).code).toBe('source_empty');
  });

  it('numbers are their stored text; an 18-digit number cut to 15 digits is unreadable, named by cell and column, never by value', async () => {
    const cut = '1.10105199001011E+17';
    const file = await workbook(sheetOf(['序号', '金额', '身份证号'], [
      [cell.n('A2', '1171'), cell.n('B2', '0.1'), cell.n('C2', personId(1))],
      [cell.n('A3', '2'), cell.n('B3', '0.30000000000000004'), cell.inline('C3', personId(2))],
      [cell.n('A4', '3'), cell.n('B4', '1.5E+10'), cell.n('C4', cut)],
      [cell.n('A5', '4'), cell.n('B5', '-12.50'), cell.n('C5', '350102198503170000')],
    ]));
    const { records } = await readAll(file);
    expect(records.slice(0, 2)).toEqual([
      { kind: 'row', row: 2, values: ['1171', '0.1', personId(1)] },
      { kind: 'row', row: 3, values: ['2', '0.30000000000000004', personId(2)] },
    ]);
    const [lost, zeros] = records.slice(2);
    expect(lost).toMatchObject({ kind: 'unreadable', row: 4, reasons: [{ code: 'xlsx_number_precision_lost', field: '身份证号' }], raw: ['3', '15000000000', cut] });
    expect(zeros).toMatchObject({ kind: 'unreadable', row: 5, reasons: [{ code: 'xlsx_number_precision_lost', field: '身份证号' }] });
    const message = lost!.kind === 'unreadable' ? lost!.reasons[0]!.message : '';
    expect(message).toContain('cell C4 (身份证号)');
    expect(message).toContain('名单');
    expect(message).not.toMatch(/\d{5}/); // no run of digits of the value (1101051990...)
    expect(message).not.toContain('E+17');
  });

  it('text that looks like a number stays text, unchanged', async () => {
    const file = await workbook({
      ...sheetOf(['a', 'b', 'c', 'd', 'e'], [[cell.s('A2', 0), cell.s('B2', 1), cell.inline('C2', '007'), cell.f('D2', 'TEXT(12,"0000")', '0012', 'str'), cell.s('E2', 2, 1)]]),
      sharedStrings: [si('1,171.00'), si('０１２'), si('45292')],
      numFmts: { 164: 'yyyy-mm-dd' },
      cellXfs: [0, 164],
    });
    expect((await readAll(file)).records).toEqual([{ kind: 'row', row: 2, values: ['1,171.00', '０１２', '007', '0012', '45292'] }]);
  });

  it('date-formatted numbers become dates and wall times: built-in and custom formats, no zone shift', async () => {
    // styles: 0 General, 1 id 14, 2 id 22, 3 id 20, 4 id 31 (zh-CN), 5 id 46, 6 yyyy-mm-dd, 7 yyyy"年"m"月"d"日", 8 hh:mm, 9 id 45
    const spec = sheetOf(['14', '22', '20', '31', '46', 'iso', '年月日', 'hh:mm', 'd', 'General'], [
      [cell.n('A2', '31123', 1), cell.n('B2', '45296.3543402778', 2), cell.n('C2', '0.5', 3), cell.n('D2', '33208', 4), cell.n('E2', '1.5', 5),
        cell.n('F2', '45292', 6), cell.n('G2', '45292', 7), cell.n('H2', '0.354166666666667', 8), cell.d('I2', '2024-01-05T08:30:15Z', 2), cell.n('J2', '45292')],
      [cell.n('A3', '61', 1), cell.n('B3', '59.75', 2), cell.inline('C3', '12:00'), cell.s('D3', 0, 4), cell.n('E3', '0.0208333333333333', 9)],
      [cell.n('A4', '60', 1)],
    ], { numFmts: { 164: 'yyyy-mm-dd', 165: 'yyyy"年"m"月"d"日"', 166: 'hh:mm' }, cellXfs: [0, 14, 22, 20, 31, 46, 164, 165, 166, 45], sharedStrings: [si('1990-12-01')] });
    const { records } = await readAll(await workbook(spec));
    expect(records[0]).toEqual({ kind: 'row', row: 2, values: ['1985-03-17', '2024-01-05 08:30:15', '12:00:00', '1990-12-01', '36:00:00', '2024-01-01', '2024-01-01', '08:30:00', '2024-01-05 08:30:15', '45292'] });
    expect(records[1]).toEqual({ kind: 'row', row: 3, values: ['1900-03-01', '1900-02-28 18:00:00', '12:00', '1990-12-01', '00:30:00', null, null, null, null, null] });
    expect(records[2]).toMatchObject({ kind: 'unreadable', row: 4, reasons: [{ code: 'xlsx_date_out_of_range', field: '14' }], raw: ['60'] });

    // The same serials in a workbook of the 1904 date system are 1,462 days later.
    const { records: r1904 } = await readAll(await workbook({ ...spec, date1904: true }));
    expect(r1904[0]).toEqual({ kind: 'row', row: 2, values: ['1989-03-18', '2028-01-06 08:30:15', '12:00:00', '1994-12-02', '36:00:00', '2028-01-02', '2028-01-02', '08:30:00', '2024-01-05 08:30:15', '45292'] });
    expect(r1904[2]).toEqual({ kind: 'row', row: 4, values: ['1904-03-01', null, null, null, null, null, null, null, null, null] });
  });

  it('booleans, errors, empty cells, rich text, inline strings, escapes and formulas', async () => {
    const file = await workbook({
      ...sheetOf(['b', 'text', 'inline', 'formula', 'str', 'escaped'], [
        [cell.b('A2', '1'), cell.s('B2', 0), cell.inline('C2', '行内文本'), cell.f('D2', 'C9*2', '2342'), cell.f('E2', 'B2&""', '测试甲乙', 'str'), cell.s('F2', 1)],
        [cell.b('A3', '0'), cell.empty('B3', 0), cell.inline('C3', ''), cell.f('D3', 'SUM(X1:X9)', undefined)],
        [cell.e('A4', '#N/A'), cell.s('B4', 0), cell.f('C4', '1/0', '#DIV/0!', 'e')],
        [cell.n('A5', 'abc'), cell.s('B5', 7)],
      ]),
      sharedStrings: [richSi(['测试', '甲', '乙'], 'ceshi'), si('第一行_x000D__x000A_第二行_x005F_x0041_')],
    });
    const { records } = await readAll(file);
    expect(records[0]).toEqual({ kind: 'row', row: 2, values: ['TRUE', '测试甲乙', '行内文本', '2342', '测试甲乙', '第一行\r\n第二行_x0041_'] });
    expect(records[1]).toMatchObject({ kind: 'unreadable', row: 3, reasons: [{ code: 'xlsx_formula_not_cached', field: 'formula' }], raw: ['FALSE', null, null, null] });
    expect(records[2]).toMatchObject({
      kind: 'unreadable', row: 4,
      reasons: [{ code: 'xlsx_error_value', field: 'b' }, { code: 'xlsx_error_value', field: 'inline' }],
      raw: ['#N/A', '测试甲乙', '#DIV/0!'],
    });
    const errors = records[2]!.kind === 'unreadable' ? records[2]!.reasons.map((r) => r.message) : [];
    expect(errors[0]).toContain('cell A4 (b): the cell holds the error #N/A');
    expect(records[3]).toMatchObject({ kind: 'unreadable', row: 5, reasons: [{ code: 'xlsx_invalid_cell', field: 'b' }, { code: 'xlsx_invalid_cell', field: 'text' }] });
  });

  it('a merged range has its value in the top-left cell only; the other cells are empty', async () => {
    const file = await workbook({
      sheets: [{
        name: 'Sheet1',
        rows: [
          row(1, [cell.inline('A1', '单位'), cell.inline('B1', '姓名')]),
          row(2, [cell.inline('A2', '单位甲'), cell.inline('B2', '测试甲')]),
          row(3, [cell.empty('A3'), cell.inline('B3', '测试乙')]),
        ],
        merges: ['A2:A3'],
      }],
    });
    expect((await readAll(file)).records).toEqual([
      { kind: 'row', row: 2, values: ['单位甲', '测试甲'] },
      { kind: 'row', row: 3, values: [null, '测试乙'] },
    ]);
  });

  it('rows: short rows padded with null, blank and trailing empty rows skipped, a value right of the header quarantined', async () => {
    const file = await workbook(sheetOf(['身份证号', '姓名', '备注'], [
      [cell.inline('A2', personId(1))],
      [],
      [cell.inline(undefined, personId(2)), cell.inline(undefined, '测试乙')], // cells without references
      [cell.inline('A5', personId(3)), cell.inline('E5', '多余'), cell.inline('F5', '多余')],
      [cell.empty('A6', 0), cell.empty('B6', 0)],
      [cell.inline('A7', '')],
      [],
    ]));
    const { records } = await readAll(file);
    expect(records).toEqual([
      { kind: 'row', row: 2, values: [personId(1), null, null] },
      { kind: 'row', row: 4, values: [personId(2), '测试乙', null] },
      {
        kind: 'unreadable', row: 5,
        reasons: [{ code: 'xlsx_unnamed_value', field: '*', message: 'sheet 名单 cell(s) E5, F5: a value right of the last named column (C), which the header row leaves without a name' }],
        raw: [personId(3), null, null, null, '多余', '多余'],
      },
    ]);
  });

  it('rows without references follow the one before', async () => {
    const file = await workbook({ sheets: [{ name: 'S', rows: [row(undefined, [cell.inline(undefined, 'a')]), row(undefined, [cell.inline(undefined, '1')]), row(5, [cell.inline('A5', '2')]), row(undefined, [cell.inline(undefined, '3')])] }] });
    expect((await readAll(file)).records).toEqual([
      { kind: 'row', row: 2, values: ['1'] },
      { kind: 'row', row: 5, values: ['2'] },
      { kind: 'row', row: 6, values: ['3'] },
    ]);
  });

  it('a workbook written with a namespace prefix (x:row, x:c) reads the same as one with the default namespace', async () => {
    const spec = sheetOf(['身份证号', '金额', '日期'], [[cell.s('A2', 0), cell.n('B2', '1171', 0), cell.n('C2', '45292', 1)], [cell.n('A3', '1.10105199001011E+17')]], {
      sharedStrings: [richSi([personId(1).slice(0, 6), personId(1).slice(6)])], numFmts: { 164: 'yyyy-mm-dd' }, cellXfs: [0, 164],
    });
    const plain = await readAll(await workbook(spec));
    expect(plain.records[0]).toEqual({ kind: 'row', row: 2, values: [personId(1), '1171', '2024-01-01'] });
    expect(await readAll(await workbook({ ...spec, prefix: 'x' }))).toEqual(plain);
  });

  it('a header row is checked like a CSV header: names trimmed, no gap, no name twice, no error', async () => {
    const read = async (header: string[]): Promise<{ code?: string; message: string }> => failure(readSheet(await workbook(sheetOf(header, []))));
    expect(await read(['a', '', 'c'])).toMatchObject({ code: 'header_invalid', message: expect.stringContaining('column B has no name') });
    expect(await read(['a', 'b', ' a '])).toMatchObject({ code: 'header_invalid', message: expect.stringContaining('columns A and C have the same name') });
    expect(await read(['', ' '])).toMatchObject({ code: 'source_empty' });
    const trailing = await readAll(await workbook(sheetOf(['a', 'b', '', ''], [[cell.inline('A2', '1')]])));
    expect(trailing.columns).toEqual(['a', 'b']);
    const error = await failure(readSheet(await workbook({ sheets: [{ name: 'S', rows: [row(1, [cell.inline('A1', 'a'), cell.e('B1', '#REF!')])] }] })));
    expect(error).toMatchObject({ code: 'header_invalid', message: expect.stringContaining('header cell B1') });
  });

  it('a file that is no workbook says what it is', async () => {
    expect(await failure(readSheet(path.join(dir, 'none.xlsx')))).toMatchObject({ code: 'source_missing' });
    const csv = path.join(dir, 'renamed.xlsx');
    await writeFile(csv, '身份证号,姓名\n');
    expect(await failure(readSheet(csv))).toMatchObject({ code: 'xlsx_invalid' });
    const xls = path.join(dir, 'old.xls');
    await writeFile(xls, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]));
    expect(await failure(readSheet(xls))).toMatchObject({ code: 'xlsx_invalid', message: expect.stringContaining('.xls (Excel 97-2003)') });
    const broken = await workbook({ sheets: [{ name: 'S', rows: [row(1, [cell.inline('A1', 'a')]), row(2, ['<c r="A2"><v>1</c>'])] }] });
    const readBroken = async (): Promise<void> => {
      for await (const _ of (await readSheet(broken)).rows());
    };
    expect(await failure(readBroken())).toMatchObject({ code: 'xlsx_invalid', message: expect.stringContaining('not well-formed XML') });
    const badReference = await workbook({ sheets: [{ name: 'S', rows: [row(1, [cell.inline('A1', 'a')]), row(2, [cell.n('1A', '1')])] }] });
    expect(await failure((async () => { for await (const _ of (await readSheet(badReference)).rows()); })())).toMatchObject({ code: 'xlsx_invalid', message: expect.stringContaining('row 2: a cell reference that is none') });
  });

  it('a part whose bytes do not match the CRC-32 of the zip directory fails the read, as does a part that does not inflate', async () => {
    const file = await workbook(sheetOf(['n'], Array.from({ length: 2000 }, (_, i) => [cell.n(`A${i + 2}`, String(i * 7919))])));
    const bytes = await readFile(file);
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    // The central directory header of the sheet (signature PK\1\2): its CRC-32 is at offset 16, its name at 46 (APPNOTE.TXT 4.3.12).
    const central = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
    let at = bytes.lastIndexOf(central);
    while (at >= 0 && !bytes.subarray(at + 46, at + 46 + name.length).equals(name)) at = bytes.lastIndexOf(central, at - 1);
    expect(at).toBeGreaterThan(0);
    const wrongCrc = Buffer.from(bytes);
    wrongCrc.writeUInt32LE((wrongCrc.readUInt32LE(at + 16) ^ 1) >>> 0, at + 16);
    const damaged = path.join(dir, 'damaged-crc.xlsx');
    await writeFile(damaged, wrongCrc);
    const sheet = await readSheet(damaged);
    let seen = 0;
    const reading = (async () => {
      for await (const _ of sheet.rows()) seen++;
    })();
    expect(await failure(reading)).toMatchObject({ code: 'xlsx_invalid', message: expect.stringContaining('does not match its CRC-32') });
    expect(seen).toBeGreaterThan(0); // found at the end of the part: a run that staged its rows fails

    // The sheet's compressed bytes overwritten in the middle: zlib fails (or the CRC does) and the read stops.
    const offset = bytes.readUInt32LE(at + 42) + 30 + name.length + bytes.readUInt16LE(bytes.readUInt32LE(at + 42) + 28);
    const garbled = Buffer.from(bytes);
    garbled.fill(0xff, offset + 200, offset + 260);
    const garbledFile = path.join(dir, 'damaged-deflate.xlsx');
    await writeFile(garbledFile, garbled);
    const readGarbled = async (): Promise<void> => {
      for await (const _ of (await readSheet(garbledFile)).rows());
    };
    expect(await failure(readGarbled())).toMatchObject({ code: 'xlsx_invalid', message: expect.stringContaining('the package cannot be read') });
  });

  it('the table-driven CRC-32 (for Node before 20.15) agrees with zlib, also when continued chunk by chunk', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
      const whole = Buffer.concat([a, b]);
      expect(crc32Table(whole, 0)).toBe(zlib.crc32(whole));
      expect(crc32Table(Buffer.from(b), crc32Table(Buffer.from(a), 0))).toBe(zlib.crc32(whole));
    }));
  });

  it('rows() can be read again, and stopping early closes the file', async () => {
    const file = await workbook(sheetOf(['n'], Array.from({ length: 50 }, (_, i) => [cell.n(`A${i + 2}`, String(i))])));
    const sheet = await readSheet(file);
    for await (const record of sheet.rows()) {
      expect(record).toEqual({ kind: 'row', row: 2, values: ['0'] });
      break;
    }
    let count = 0;
    for await (const _ of sheet.rows()) count++;
    expect(count).toBe(50);
  });
});

describe('a workbook saved by LibreOffice Calc (tests/fixtures/xlsx, made by make-libreoffice-fixture.sh)', () => {
  const fixture = path.join(REPO, 'tests/fixtures/xlsx/libreoffice-persons.xlsx');

  it('is a package of LibreOffice Calc', async () => {
    const pkg = await openPackage(fixture);
    try {
      let xml = '';
      for await (const chunk of await pkg.open('xl/workbook.xml')) xml += chunk;
      expect(xml).toContain('<fileVersion appName="Calc"/>');
    } finally {
      pkg.close();
    }
  });

  it('reads its values as the .fods source wrote them', async () => {
    const { sheetName, columns, records } = await readAll(fixture, { sheet: '人员名单', headerRow: 2 });
    expect(sheetName).toBe('人员名单');
    expect(columns).toEqual(['身份证号', '姓名', '金额', '出生日期', '登记时间', '打卡', '在职', '备注', '核对']);
    expect(records[0]).toEqual({ kind: 'row', row: 3, values: [personId(1), '测试甲', '1171', '1985-03-17', '2024-01-05 08:30:15', '08:30:00', 'TRUE', '1,171.00', '2342'] });
    // Row 4: personId(2) entered as a number (LibreOffice stores 3.5010219850317E+017), and =NA().
    expect(records[1]).toMatchObject({
      kind: 'unreadable', row: 4,
      reasons: [{ code: 'xlsx_number_precision_lost', field: '身份证号' }, { code: 'xlsx_error_value', field: '核对' }],
      raw: [expect.stringMatching(/^3\.5010219850317E\+0?17$/), '测试乙', '0.1', '1990-12-01', null, null, null, '０１２', '#N/A'],
    });
    // Row 5 is blank; row 6 is short; the trailing empty rows are not there.
    expect(records.slice(2)).toEqual([{ kind: 'row', row: 6, values: [personId(3), '测试丙', '-12.5', null, null, null, null, null, null] }]);
    // Its title row is a merged range A1:D1: only A1 holds the title.
    const title = await readAll(fixture, { sheet: '人员名单' });
    expect(title.columns).toEqual(['人员名单（测试）']);
  });
});

describe('a 200,000-row sheet is streamed', () => {
  const ROWS = 200_000;
  const run = promisify(execFile);

  /** Reads `file` in a process of its own (tests/support/xlsx-measure.ts) and returns what it printed. */
  async function measure(file: string): Promise<{ rows: number; unreadable: number; seconds: number; rowsPerSecond: number; maxRssMB: number }> {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(REPO, 'tests/support/xlsx-measure.ts'), file], { cwd: REPO, maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }

  it(`reads ${ROWS.toLocaleString('en')} rows with peak memory well under the size of the sheet's XML`, async () => {
    const header = ['身份证号', '姓名', '金额', '出生日期', '登记时间', '在职', '备注', '序号'];
    const names = Array.from({ length: 100 }, (_, i) => `测试${i}`);
    function* rows(): Generator<string> {
      yield row(1, header.map((h, i) => cell.s(`${letter(i + 1)}1`, i)));
      for (let r = 2; r <= ROWS + 1; r++) {
        yield row(r, [
          cell.inline(`A${r}`, personId((r % 999) + 1)), cell.s(`B${r}`, header.length + (r % 100)), cell.n(`C${r}`, `${r}.25`),
          cell.n(`D${r}`, String(20_000 + (r % 20_000)), 1), cell.n(`E${r}`, `${45_000 + (r % 1000)}.5208333333333`, 2),
          cell.b(`F${r}`, r % 2 ? '1' : '0'), cell.inline(`G${r}`, `备注${r % 7}`), cell.n(`H${r}`, r % 1000 === 0 ? '1.10105199001011E+17' : String(r)),
        ]);
      }
    }
    const big = path.join(dir, 'big.xlsx');
    await writeWorkbook(big, { sheets: [{ name: '大表', rows: rows() }], sharedStrings: [...header, ...names].map(si), numFmts: { 164: 'yyyy-mm-dd' }, cellXfs: [0, 164, 22] });
    const sheetXmlMB = await partSizeMB(big, 'xl/worksheets/sheet1.xml');
    expect(sheetXmlMB).toBeGreaterThan(80);

    const small = await workbook(sheetOf(['a'], [[cell.n('A2', '1')]]));
    const baseline = await measure(small);
    const result = await measure(big);
    console.log(`xlsx read-sheet: ${ROWS.toLocaleString('en')} rows (sheet XML ${sheetXmlMB.toFixed(0)} MB) in ${result.seconds} s, ${result.rowsPerSecond.toLocaleString('en')} rows/s; peak RSS ${result.maxRssMB} MB (a one-row workbook: ${baseline.maxRssMB} MB)`);
    expect(result).toMatchObject({ rows: ROWS - ROWS / 1000, unreadable: ROWS / 1000 });
    // Holding the sheet's XML (or its rows) would add at least its size; streaming adds a few chunks and the garbage not yet collected.
    expect(result.maxRssMB - baseline.maxRssMB).toBeLessThan(sheetXmlMB / 2);
  }, 300_000);
});

/** The uncompressed size of a part, in MB (by reading it). */
async function partSizeMB(file: string, part: string): Promise<number> {
  const pkg = await openPackage(file);
  try {
    let bytes = 0;
    for await (const chunk of await pkg.open(part)) bytes += (chunk as Buffer).length;
    return bytes / 1e6;
  } finally {
    pkg.close();
  }
}
