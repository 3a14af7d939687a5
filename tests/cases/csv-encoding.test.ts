import { writeFile } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { personId, runLogged, ROW_BY_ROW } from '../support/csv-files.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// Issue 8: many undecodable rows under an ASCII (pinyin) header are the sign of a wrong
// connector.encoding: the run fails naming the likely encoding and keeps its reasons.
const SURNAMES = '陈林黄张李王吴刘蔡杨';

/** A GBK export with a pinyin header: 3 rows of ASCII only, then 20 with Chinese names. */
function gbkExport(): Buffer {
  const lines = ['shenfenzhenghao,xingming,danwei'];
  for (let i = 1; i <= 3; i++) lines.push(`${personId(i)},pinyin${i},danwei${i}`);
  for (let i = 4; i <= 23; i++) lines.push(`${personId(i)},${SURNAMES[i % 10]}明${i},福州示例单位`);
  return iconv.encode(lines.join('\r\n') + '\r\n', 'gbk');
}

describe('a file read in the wrong encoding', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const pipeline = (encoding: string, name = 'pinyin') => ws.writePipeline(name, {
    system: '拼音表头系统', entity: 'person',
    connector: { kind: 'csv', path: 'pinyin.csv', encoding },
    mapping: { id_number: 'shenfenzhenghao', name: 'xingming' }, source_key: ['shenfenzhenghao'],
  });

  it('fails naming the likely encoding, changes nothing, and keeps counts per reason with the first lines', async () => {
    await writeFile(`${ws.dir}/pinyin.csv`, gbkExport());
    const { run, log } = await runLogged(ws, await pipeline('utf-8'));
    expect(run).toMatchObject({ status: 'failed', errorCode: 'encoding_mismatch' });
    expect(run.error).toBe(`${ws.dir}/pinyin.csv: 20 of 23 rows are not valid UTF-8 (lines 5, 6, 7, 8, 9, …); they read as GBK: set connector.encoding: gbk. Nothing was loaded.`);
    expect(log).not.toContain(ROW_BY_ROW);
    expect(await ws.rows(`SELECT (SELECT count(*) FROM source_record)::INT AS records, (SELECT count(*) FROM quarantined_row)::INT AS quarantined, (SELECT count(*) FROM outbox)::INT AS events`))
      .toEqual([{ records: 0, quarantined: 0, events: 0 }]);
    const [row] = await ws.rows(`SELECT status, error_code, reason_summary FROM runs`);
    expect(row).toMatchObject({ status: 'failed', error_code: 'encoding_mismatch' });
    expect(JSON.parse(String(row!.reason_summary))).toEqual({ undecodable_bytes: { rows: 20, first_lines: [5, 6, 7, 8, 9, 10, 11, 12, 13, 14] } });
  });

  it('the same file with encoding gbk loads every row; a few undecodable rows among good ones are only quarantined', async () => {
    await writeFile(`${ws.dir}/pinyin.csv`, gbkExport());
    expect((await runLogged(ws, await pipeline('gbk'))).run).toMatchObject({ status: 'succeeded', rowsRead: 23, loaded: 23, quarantined: 0 });
    // 2 GBK rows of 5 in a UTF-8 pipeline: not most of them, so a row-level problem.
    const mixed = Buffer.concat([
      Buffer.from(`shenfenzhenghao,xingming,danwei\n${personId(30)},a,b\n${personId(31)},c,d\n${personId(32)},e,f\n`),
      iconv.encode(`${personId(33)},陈明,单位\n${personId(34)},林芳,单位\n`, 'gbk'),
    ]);
    await writeFile(`${ws.dir}/pinyin.csv`, mixed);
    const { run } = await runLogged(ws, await pipeline('utf-8', 'mixed'));
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 5, loaded: 3, quarantined: 2 });
    const [row] = await ws.rows(`SELECT reason_summary FROM runs WHERE status = 'succeeded' ORDER BY run_no DESC LIMIT 1`);
    expect(JSON.parse(String(row!.reason_summary))).toEqual({ undecodable_bytes: { rows: 2, first_lines: [5, 6] } });
  });
});
