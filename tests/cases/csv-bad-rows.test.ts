import { writeFile } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvBytes, personId, personPipeline, ROW_BY_ROW, runLogged } from '../support/csv-files.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// Issue 8: one bad row never stops a run; every row is loaded or quarantined with a reason code,
// the physical line where it starts, and its raw text.
const ids = Array.from({ length: 12 }, (_, i) => personId(i + 1));

/** A UTF-8 export holding one of each kind of bad row, between good rows and blank lines. */
function mixedLines(eol: string): (string | Buffer)[] {
  return [
    '身份证号,姓名,工作单位', //                                          1 header
    `${ids[0]},陈明,单位甲`, //                                           2 row
    '', //                                                                 3 blank
    `${ids[1]},林芳,单位乙,多余`, //                                       4 one column too many
    `${ids[2]},王五`, //                                                   5 one column too few
    '   ', //                                                              6 only spaces
    `${ids[3]},"张${eol}三",单位丙`, //                                    7-8 row, a quoted line end
    Buffer.concat([Buffer.from(`${ids[4]},`), Buffer.from([0xff, 0xfe]), Buffer.from(',单位丁')]), // 9 not UTF-8
    '', //                                                                 10 blank
    Buffer.concat([Buffer.from(`${ids[5]},`), iconv.encode('李四', 'gbk'), Buffer.from(',单位戊')]), // 11 a GBK row
    `${ids[6]},赵六,单位己`, //                                            12 row
    `${ids[7]},"钱七"x,单位庚`, //                                         13 text after a closing quote
    `${ids[8]},孙八,单位辛`, //                                            14 row
    `${ids[9]},"周九,单位壬`, //                                           15 a quote never closed
  ];
}

describe('CSV bad rows are quarantined at their physical lines; the good rows load', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  for (const [label, eol] of [['LF', '\n'], ['CRLF', '\r\n']] as const) {
    it(`every kind of bad row, blank lines and a quoted line end (${label})`, async () => {
      await writeFile(`${ws.dir}/mixed.csv`, csvBytes(mixedLines(eol), eol));
      const { run, log } = await runLogged(ws, await personPipeline(ws, 'mixed', { path: 'mixed.csv' }, { name: '姓名', employer_name: '工作单位' }));
      expect(run).toMatchObject({ status: 'succeeded', rowsRead: 11, loaded: 4, duplicates: 0, quarantined: 7 });
      expect(log).not.toContain(ROW_BY_ROW); // DuckDB's reader staged it, and agreed with the framer

      const records = await ws.rows(`SELECT line::INT AS line, one_code, json_extract_string(payload, '$.姓名') AS name, json_extract_string(payload, '$.工作单位') AS employer_name FROM records ORDER BY line`);
      expect(records).toEqual([
        { line: 2, one_code: ids[0], name: '陈明', employer_name: '单位甲' },
        { line: 7, one_code: ids[3], name: `张${eol}三`, employer_name: '单位丙' },
        { line: 12, one_code: ids[6], name: '赵六', employer_name: '单位己' },
        { line: 14, one_code: ids[8], name: '孙八', employer_name: '单位辛' },
      ]);
      const quarantine = await ws.rows(`SELECT line::INT AS line, reason_codes, raw FROM quarantine ORDER BY line`);
      expect(quarantine).toEqual([
        { line: 4, reason_codes: ['csv_column_count'], raw: `${ids[1]},林芳,单位乙,多余` },
        { line: 5, reason_codes: ['csv_column_count'], raw: `${ids[2]},王五` },
        { line: 6, reason_codes: ['csv_whitespace_line'], raw: '   ' },
        { line: 9, reason_codes: ['undecodable_bytes'], raw: `${ids[4]},\\xFF\\xFE,单位丁` },
        { line: 11, reason_codes: ['undecodable_bytes'], raw: `${ids[5]},\\xC0\\xEE\\xCB\\xC4,单位戊` },
        { line: 13, reason_codes: ['csv_quote'], raw: `${ids[7]},"钱七"x,单位庚` },
        { line: 15, reason_codes: ['csv_unterminated_quote'], raw: `${ids[9]},"周九,单位壬` },
      ]);
      const [messages] = await ws.rows(`SELECT list(reasons::VARCHAR ORDER BY line) AS m FROM quarantine`);
      expect((messages!.m as string[]).map((m) => JSON.parse(m)[0].message)).toEqual([
        'expected 3 columns, found 4',
        'expected 3 columns, found 2',
        'the line holds only spaces or tabs',
        'bytes that are not valid utf-8: check connector.encoding',
        'bytes that are not valid utf-8: check connector.encoding',
        'column 2 (姓名): a closing quote is followed by other characters',
        'the quote opened in column 2 (姓名) is not closed before the end of the file',
      ]);

      // The run keeps its reasons: counts and first lines per code.
      const [summary] = await ws.rows(`SELECT reason_summary FROM runs`);
      expect(JSON.parse(String(summary!.reason_summary))).toEqual({
        csv_column_count: { rows: 2, first_lines: [4, 5] },
        csv_quote: { rows: 1, first_lines: [13] },
        csv_unterminated_quote: { rows: 1, first_lines: [15] },
        csv_whitespace_line: { rows: 1, first_lines: [6] },
        undecodable_bytes: { rows: 2, first_lines: [9, 11] },
      });
      // U+FFFD never reaches the index: not in records, quarantine or runs.
      const [fffd] = await ws.rows(`
        SELECT (SELECT count(*) FROM source_record WHERE contains(payload::VARCHAR, chr(65533)))
             + (SELECT count(*) FROM quarantined_row WHERE contains(raw, chr(65533)) OR contains(reasons::VARCHAR, chr(65533)))
             + (SELECT count(*) FROM run_log WHERE contains(coalesce(error, '') || coalesce(reason_summary::VARCHAR, ''), chr(65533))) AS n`);
      expect(Number(fffd!.n)).toBe(0);
    });
  }

  it('a file with mixed line ends is read row by row, with the same physical lines', async () => {
    // DuckDB's reader fails on LF and CRLF in one file; the framer reads it.
    const lines = mixedLines('\n');
    const bytes = Buffer.concat(lines.map((l, i) => Buffer.concat([typeof l === 'string' ? Buffer.from(l) : l, Buffer.from(i % 2 ? '\r\n' : '\n')])));
    await writeFile(`${ws.dir}/mixed.csv`, bytes);
    const { run, log } = await runLogged(ws, await personPipeline(ws, 'mixed', { path: 'mixed.csv' }));
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 11, loaded: 4, quarantined: 7 });
    expect(log).toContain(ROW_BY_ROW);
    expect(await ws.rows(`SELECT line::INT AS line FROM records ORDER BY line`)).toEqual([{ line: 2 }, { line: 7 }, { line: 12 }, { line: 14 }]);
    expect((await ws.rows(`SELECT line::INT AS line FROM quarantine ORDER BY line`)).map((r) => r.line)).toEqual([4, 5, 6, 9, 11, 13, 15]);
  });

  it('a header ending with a comma: the unnamed column is ignored with a warning; a value in it quarantines its row', async () => {
    await writeFile(`${ws.dir}/trailing.csv`, csvBytes([
      '身份证号,姓名,', //                  1
      `${ids[0]},陈明,`, //                 2 row (the empty unnamed field)
      `${ids[1]},林芳`, //                  3 row (no field there at all)
      `${ids[2]},王五,备注`, //             4 a value in the unnamed column
      `${ids[3]},赵六,,`, //                5 row (trailing empty fields)
    ]));
    const { run, log } = await runLogged(ws, await personPipeline(ws, 'trailing', { path: 'trailing.csv' }));
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 4, loaded: 3, quarantined: 1 });
    const warning = log.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.level === 40);
    expect(warning.msg).toBe(`${ws.dir}/trailing.csv:1: column(s) 3 have no name in the header and are ignored; a row with a value there is quarantined (csv_unnamed_value)`);
    expect(await ws.rows(`SELECT line::INT AS line, payload FROM records ORDER BY line`)).toEqual([
      { line: 2, payload: JSON.stringify({ 身份证号: ids[0], 姓名: '陈明' }) },
      { line: 3, payload: JSON.stringify({ 身份证号: ids[1], 姓名: '林芳' }) },
      { line: 5, payload: JSON.stringify({ 身份证号: ids[3], 姓名: '赵六' }) },
    ]);
    expect(await ws.rows(`SELECT line::INT AS line, reason_codes, raw FROM quarantine`)).toEqual([
      { line: 4, reason_codes: ['csv_unnamed_value'], raw: `${ids[2]},王五,备注` },
    ]);
  });

  it('an unnamed column before a named one is a configuration error naming file:1 and the column, not a Binder Error', async () => {
    await writeFile(`${ws.dir}/gap.csv`, csvBytes(['身份证号,,姓名', `${ids[0]},x,陈明`]));
    const { run } = await runLogged(ws, await personPipeline(ws, 'gap', { path: 'gap.csv' }));
    expect(run).toMatchObject({ status: 'failed', errorCode: 'header_invalid' });
    expect(run.error).toBe(`${ws.dir}/gap.csv:1: column 2 has no name (only columns after the last named one may be unnamed: they are ignored)`);
  });
});
