import { open, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvBytes, personId, personPipeline, ROW_BY_ROW, runLogged } from '../support/csv-files.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// Issue 8: a long field loads or is quarantined as too long under connector.max_line_bytes; a
// line longer than DuckDB's 32 MB buffer never vanishes.
const ids = Array.from({ length: 12 }, (_, i) => personId(i + 1));
const PREVIEW = 65_536;

describe('long fields and long lines', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const twoMillion = { ascii: 'a'.repeat(2_000_000), chinese: '中'.repeat(2_000_000) };
  const fieldFile = () => writeFile(`${ws.dir}/long-field.csv`, csvBytes([
    '身份证号,姓名,备注',
    `${ids[0]},陈明,${twoMillion.ascii}`, //   2,000,026 bytes
    `${ids[1]},林芳,${twoMillion.chinese}`, // 6,000,026 bytes
    `${ids[2]},王五,短`,
  ]));

  it('a field of 2,000,000 characters, ASCII or Chinese, loads under the default limit', async () => {
    await fieldFile();
    const { run, log } = await runLogged(ws, await personPipeline(ws, 'long', { path: 'long-field.csv' }));
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 3, loaded: 3, quarantined: 0 });
    expect(log).not.toContain(ROW_BY_ROW);
    const rows = await ws.rows(`SELECT line::INT AS line, length(json_extract_string(payload, '$.备注'))::INT AS chars, json_extract_string(payload, '$.备注') = repeat('中', 2000000) AS chinese FROM records ORDER BY line`);
    expect(rows).toEqual([{ line: 2, chars: 2_000_000, chinese: false }, { line: 3, chars: 2_000_000, chinese: true }, { line: 4, chars: 1, chinese: false }]);
  });

  it('under connector.max_line_bytes the longer one is quarantined as csv_line_too_long, with its line and the first 65,536 bytes', async () => {
    await fieldFile();
    // (Staged row by row: DuckDB 1.5 fails storing the reject of a line it cut inside a character,
    // "Invalid unicode ... in segment statistics update"; the framer's reading is the same.)
    const { run } = await runLogged(ws, await personPipeline(ws, 'long', { path: 'long-field.csv', max_line_bytes: 4_000_000 }));
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 3, loaded: 2, quarantined: 1 });
    expect(await ws.rows(`SELECT line::INT AS line FROM records ORDER BY line`)).toEqual([{ line: 2 }, { line: 4 }]);
    const [q] = await ws.rows(`SELECT line::INT AS line, reason_codes, reasons, raw FROM quarantine`);
    // 26 bytes before the field, then 21,836 whole characters (65,508 bytes); the cut character is dropped.
    expect(q).toEqual({
      line: 3,
      reason_codes: ['csv_line_too_long'],
      reasons: JSON.stringify([{ code: 'csv_line_too_long', field: '*', message: 'the line is 6,000,026 bytes, over connector.max_line_bytes (4,000,000); raw keeps its first 65,536 bytes' }]),
      raw: `${ids[1]},林芳,${'中'.repeat(21_836)}`,
    });
  });

  it('lines of 3, 10, 20, 40 and 50 MB: none vanishes; those over 16 MiB are quarantined at their lines', async () => {
    const sizes = [3, 10, 20, 40, 50];
    const file = await open(`${ws.dir}/huge.csv`, 'w');
    await file.write('身份证号,姓名,备注\n');
    await file.write(`${ids[0]},陈明,短\n`); // line 2
    for (const [i, mb] of sizes.entries()) {
      const prefix = `${ids[2 * i + 1]},名${i},`;
      await file.write(prefix);
      await file.write(Buffer.alloc(mb * 1_000_000 - Buffer.byteLength(prefix), 'x')); // a line of exactly mb × 1,000,000 bytes
      await file.write(`\n${ids[2 * i + 2]},名,短\n`);
    }
    await file.close();
    const { run, log } = await runLogged(ws, await personPipeline(ws, 'huge', { path: 'huge.csv' }));
    // lines: 2 short, 3 (3 MB), 4, 5 (10 MB), 6, 7 (20 MB), 8, 9 (40 MB), 10, 11 (50 MB), 12
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 11, loaded: 8, quarantined: 3 });
    expect(run.rowsRead).toBe(run.loaded + run.duplicates + run.quarantined);
    expect(log).not.toContain(ROW_BY_ROW); // DuckDB rejected them at the very lines the framer did
    expect(await ws.rows(`SELECT line::INT AS line, strlen(json_extract_string(payload, '$.备注'))::INT AS bytes FROM records ORDER BY line`)).toEqual([
      { line: 2, bytes: 3 }, { line: 3, bytes: 3_000_000 - 24 }, { line: 4, bytes: 3 }, { line: 5, bytes: 10_000_000 - 24 },
      { line: 6, bytes: 3 }, { line: 8, bytes: 3 }, { line: 10, bytes: 3 }, { line: 12, bytes: 3 },
    ]);
    const quarantine = await ws.rows(`SELECT line::INT AS line, reason_codes, reasons->>'$[0].message' AS message, strlen(raw)::INT AS raw_bytes, starts_with(raw, ${`'${ids[5]},名2,xxx'`}) OR starts_with(raw, '${ids[7]},名3,xxx') OR starts_with(raw, '${ids[9]},名4,xxx') AS starts FROM quarantine ORDER BY line`);
    expect(quarantine).toEqual([20, 40, 50].map((mb, i) => ({
      line: 7 + 2 * i,
      reason_codes: ['csv_line_too_long'],
      message: `the line is ${(mb * 1_000_000).toLocaleString('en')} bytes, over connector.max_line_bytes (16,777,216); raw keeps its first 65,536 bytes`,
      raw_bytes: PREVIEW,
      starts: true,
    })));
  });
});
