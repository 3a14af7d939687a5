import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTORS, type Extracted } from '../../connectors/index.ts';
import { createLogger } from '../../src/logger.ts';
import { stageRows } from '../../src/index/stage-rows.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { CsvConnectorOptions, type Pipeline } from '../../schemas/pipeline.ts';
import iconv from 'iconv-lite';
import { csvBytes, personId } from '../support/csv-files.ts';
import { openFile } from '../support/open-file.ts';
import { CASES, createWorkspace, type Workspace } from '../support/workspace.ts';

/** Good and bad rows of every kind, blank lines and a quoted line end (as in tests/cases/csv-bad-rows.test.ts). */
function badRows(eol: string, encode: (text: string) => Buffer): Buffer {
  return csvBytes([
    encode('身份证号,姓名,工作单位'),
    encode(`${personId(1)},陈明,单位甲`),
    Buffer.alloc(0),
    encode(`${personId(2)},林芳,单位乙,多余`),
    encode(`${personId(3)},王五`),
    encode('   '),
    encode(`${personId(4)},"张${eol}三",单位丙`),
    Buffer.concat([encode(`${personId(5)},`), Buffer.from([0xff, 0x81, 0x20]), encode(',单位丁')]),
    encode(`${personId(6)},"钱七"x,单位庚`),
    encode(`${personId(7)},孙八,单位辛,,`),
    encode(`${personId(8)},"周九,单位壬`),
  ], eol);
}

// Every connector yields rows with 1-based start lines and string values; a connector with a
// set-based `stage` must stage exactly what its `extract` yields (same rows, lines, values and
// unreadable lines).
describe('connector conformance', () => {
  let ws: Workspace;
  let sampleDir: string;
  beforeAll(async () => {
    ws = await createWorkspace();
    sampleDir = path.join(ws.dir, 'sample');
    await generateSample({ outDir: sampleDir, seed: 11 });
    await writeFile(path.join(ws.dir, 'bad-rows.lf.csv'), badRows('\n', (t) => Buffer.from(t)));
    await writeFile(path.join(ws.dir, 'bad-rows.crlf.csv'), badRows('\r\n', (t) => Buffer.from(t)));
    await writeFile(path.join(ws.dir, 'bad-rows.gbk.csv'), badRows('\r\n', (t) => iconv.encode(t, 'gbk')));
    // the header ends with CRLF, the other lines with LF
    const header = Buffer.from('身份证号,姓名,工作单位\n');
    await writeFile(path.join(ws.dir, 'mixed-line-ends.csv'), Buffer.concat([Buffer.from('身份证号,姓名,工作单位\r\n'), badRows('\n', (t) => Buffer.from(t)).subarray(header.length)]));
    await writeFile(path.join(ws.dir, 'trailing-header.csv'), csvBytes(['身份证号,姓名,', `${personId(1)},陈明,`, `${personId(2)},林芳`, `${personId(3)},王五,备注`]));
    await writeFile(
      path.join(ws.dir, 'malformed.csv'),
      'a,b,c\r\n1,"x\r\ny",3\r\n2,too,many,cols\r\n3,ok,ok\r\n4,"two\nlines",z\r\nfive,short\r\n6,last,row\r\n',
    );
  });
  afterAll(async () => ws.dispose());

  const logger = createLogger({ level: 'silent' });
  const pipelineFor = (connector: Pipeline['connector']) => ({ name: 'conformance', file: path.join(ws.dir, 'x.yaml'), connector }) as unknown as Pipeline;

  async function viaExtract(connector: Pipeline['connector'], sourcePath: string) {
    const rows: Extracted[] = [];
    const read = await openFile(connector, sourcePath);
    for await (const r of read.extract()) rows.push(r);
    return rows;
  }

  async function staged(table: string, rejects: string) {
    const good = await ws.rows(`SELECT line::INT AS line, payload FROM ${table} ORDER BY rn`);
    const bad = await ws.rows(`SELECT DISTINCT line::INT AS line FROM ${rejects} ORDER BY line`);
    return {
      rows: good.map((r) => ({ line: r.line as number, fields: JSON.parse(String(r.payload)) })),
      unreadable: bad.map((r) => r.line as number),
    };
  }

  const csvFiles = [
    ['cases: accounting-staff.gbk.csv', () => path.join(CASES, 'csv/accounting-staff.gbk.csv'), 'gbk'],
    ['cases: agencies.bom.csv', () => path.join(CASES, 'csv/agencies.bom.csv'), 'utf-8'],
    ['cases: quoted-fields.csv', () => path.join(CASES, 'csv/quoted-fields.csv'), 'utf-8'],
    ['cases: leading-zeros.csv', () => path.join(CASES, 'csv/leading-zeros.csv'), 'utf-8'],
    ['sample: accounting-staff.gbk.csv', () => path.join(sampleDir, 'accounting-staff.gbk.csv'), 'gbk'],
    ['sample: bookkeeping-agencies.csv', () => path.join(sampleDir, 'bookkeeping-agencies.csv'), 'utf-8'],
    ['sample: subsidy-payments.csv', () => path.join(sampleDir, 'subsidy-payments.csv'), 'utf-8'],
    ['malformed rows', () => path.join(ws.dir, 'malformed.csv'), 'utf-8'],
    ['every kind of bad row, LF', () => path.join(ws.dir, 'bad-rows.lf.csv'), 'utf-8'],
    ['every kind of bad row, CRLF', () => path.join(ws.dir, 'bad-rows.crlf.csv'), 'utf-8'],
    ['every kind of bad row, GBK', () => path.join(ws.dir, 'bad-rows.gbk.csv'), 'gbk'],
    ['every kind of bad row, GB18030', () => path.join(ws.dir, 'bad-rows.gbk.csv'), 'gb18030'],
    ['a header ending with a comma', () => path.join(ws.dir, 'trailing-header.csv'), 'utf-8'],
    ['mixed line ends', () => path.join(ws.dir, 'mixed-line-ends.csv'), 'utf-8'],
  ] as const;
  /** Files DuckDB's reader reads differently, staged row by row; every other one by DuckDB. */
  const rowByRow = new Set(['mixed line ends']);

  for (const [label, file, encoding] of csvFiles) {
    it(`csv stage() equals extract() — ${label}`, async () => {
      const connector = CsvConnectorOptions.parse({ kind: 'csv', path: 'x', encoding });
      const extracted = await viaExtract(connector, file());
      const table = `t_${Math.random().toString(36).slice(2)}`;
      const read = await openFile(connector, file());
      const { via } = await read.stage!({ connection: ws.index.connection, table, rejectTable: `${table}_x`, dropColumns: [], projectColumns: [] });
      expect(via).toBe(rowByRow.has(label) ? 'rows' : 'bulk');
      const got = await staged(table, `${table}_x`);
      const want = {
        rows: extracted.filter((e) => e.kind === 'row').map((e) => ({ line: e.line, fields: Object.fromEntries(Object.entries(e.fields)) })),
        unreadable: extracted.filter((e) => e.kind === 'unreadable').map((e) => e.line),
      };
      expect(got).toEqual(want);
      expect(want.rows.length).toBeGreaterThan(0);
      for (const r of want.rows) for (const v of Object.values(r.fields)) expect(v === null || typeof v === 'string').toBe(true);
    });
  }

  it('malformed CSV rows are unreadable at the lines where they start, and later lines stay right', async () => {
    const got = await viaExtract(CsvConnectorOptions.parse({ kind: 'csv', path: 'x' }), path.join(ws.dir, 'malformed.csv'));
    expect(got.map((e) => [e.kind, e.line])).toEqual([
      ['row', 2], ['unreadable', 4], ['row', 5], ['row', 6], ['unreadable', 8], ['row', 9],
    ]);
  });

  it('ndjson through the generic staging path keeps lines, exact numbers and unreadable lines', async () => {
    const connector = { kind: 'ndjson', path: 'x', files: 'newest' } as const;
    const file = path.join(CASES, 'ndjson/big-numbers.ndjson');
    const extracted = await viaExtract(connector, file);
    await stageRows({ connection: ws.index.connection, rows: (async function* () { yield* extracted; })(), table: 'nd', rejectTable: 'nd_x', dropColumns: [], projectColumns: [] });
    const got = await staged('nd', 'nd_x');
    expect(got.rows.map((r) => [r.line, r.fields.record_no, r.fields.id_no])).toEqual([
      [1, '9007199254740993', '350102198503171237'],
      [2, '9007199254740995', '35020319900228108X'],
    ]);
    expect(got.unreadable).toEqual([]);
  });
});
