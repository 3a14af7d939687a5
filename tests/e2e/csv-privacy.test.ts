import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIndex } from '../../src/index/open-index.ts';
import { onecode } from '../support/cli.ts';
import { csvBytes, personId } from '../support/csv-files.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// Issue 8: messages never carry source values. An ID number and a name are planted in bad rows
// only; they may be in quarantine.raw (that is its job) and nowhere else a person reads.
const SECRET_ID = personId(777);
const SECRET_NAME = '欧阳示例';
const gbkHex = [...iconv.encode(SECRET_NAME, 'gbk')].map((b) => `\\x${b.toString(16).toUpperCase()}`).join('');

describe('no source value in messages, logs, run rows or reasons', () => {
  let ws: Workspace;
  let out = '';
  let db: string;
  const pipelines: Record<string, { file: string; bytes: Buffer; connector?: Record<string, unknown>; mapping?: Record<string, string> }> = {
    // one of each bad row, the planted values in each
    leaky: {
      file: 'leaky.csv',
      bytes: csvBytes([
        '身份证号,姓名,工作单位',
        `${personId(1)},陈明,单位`,
        `${SECRET_ID},${SECRET_NAME},单位,多余`,
        `${SECRET_ID},"${SECRET_NAME}"x,单位`,
        Buffer.concat([Buffer.from(`${SECRET_ID},${SECRET_NAME},`), Buffer.from([0xff]), Buffer.from('单位')]),
        `${SECRET_ID},${SECRET_NAME},${'长'.repeat(400)}`,
        `${SECRET_ID},"${SECRET_NAME}`,
      ]),
      connector: { max_line_bytes: 1000 },
    },
    // a lone CR makes DuckDB's reader fail; its errors can quote the line
    irregular: { file: 'irregular.csv', bytes: csvBytes(['身份证号,姓名,工作单位', `${personId(2)},林芳,单位`, `${SECRET_ID},${SECRET_NAME}\r,单位,x`]) },
    // a GBK file read as UTF-8: the run fails
    'wrong-encoding': {
      file: 'wrong.csv',
      bytes: iconv.encode(`shenfenzhenghao,xingming\n${personId(3)},pinyin\n${SECRET_ID},${SECRET_NAME}\n${SECRET_ID},${SECRET_NAME}\n`, 'gbk'),
      mapping: { id_number: 'shenfenzhenghao', name: 'xingming' },
    },
    // no header row: the first row's values stand where column names should be
    headerless: { file: 'headerless.csv', bytes: csvBytes([`${SECRET_ID},${SECRET_NAME},单位`, `${SECRET_ID},${SECRET_NAME},单位`]) },
  };

  beforeAll(async () => {
    ws = await createWorkspace();
    await mkdir(path.join(ws.dir, 'pipelines'));
    await mkdir(path.join(ws.dir, 'data'));
    for (const [name, p] of Object.entries(pipelines)) {
      await writeFile(path.join(ws.dir, 'data', p.file), p.bytes);
      await writeFile(path.join(ws.dir, 'pipelines', `${name}.yaml`), stringify({
        system: '隐私测试', entity: 'person',
        connector: { kind: 'csv', path: `../data/${p.file}`, ...p.connector },
        mapping: p.mapping ?? { id_number: '身份证号', name: '姓名' },
        source_key: [Object.values(p.mapping ?? { id: '身份证号' })[0]],
      }));
    }
    db = path.join(ws.dir, 'cli.duckdb');
    const run = await onecode(['run', '--all', '--pipelines', path.join(ws.dir, 'pipelines'), '--db', db], { env: { ONECODE_LOG_LEVEL: 'trace' } });
    expect(run.code).toBe(1);
    out = run.stdout + run.stderr;
  });
  afterAll(async () => ws.dispose());

  it('the runs did what they should: bad rows quarantined, the broken files failed', async () => {
    const index = await openIndex(db, { readOnly: true });
    try {
      const runs = (await index.connection.runAndReadAll(`SELECT pipeline, status, error_code, loaded::INT, quarantined::INT FROM runs ORDER BY pipeline`)).getRows();
      expect(runs).toEqual([
        ['headerless', 'failed', 'header_mismatch', null, null],
        ['irregular', 'succeeded', null, 1, 1],
        ['leaky', 'succeeded', null, 1, 5],
        ['wrong-encoding', 'failed', 'encoding_mismatch', null, null],
      ]);
      const raws = (await index.connection.runAndReadAll(`SELECT count(*)::INT FROM quarantine WHERE contains(raw, '${SECRET_ID}')`)).getRows();
      expect(raws).toEqual([[6]]);
    } finally {
      index.close();
    }
    expect(out).toContain('staging the CSV file row by row'); // the irregular file took the other path
  });

  it('stdout and stderr (logs at trace) hold neither the ID number nor the name', () => {
    expect(out.length).toBeGreaterThan(1000);
    expect(out).not.toContain(SECRET_ID);
    expect(out).not.toContain(SECRET_NAME);
    expect(out).not.toContain(gbkHex);
  });

  it('runs.error, runs.reason_summary and quarantine.reasons hold neither', async () => {
    const index = await openIndex(db, { readOnly: true });
    try {
      const [[texts]] = (await index.connection.runAndReadAll(`
        SELECT string_agg(coalesce(error, '') || ' ' || coalesce(reason_summary::VARCHAR, ''), ' | ') FROM runs`)).getRows() as [[string]];
      expect(texts).toContain('set connector.encoding: gbk');
      const [[reasons]] = (await index.connection.runAndReadAll(`SELECT string_agg(reasons::VARCHAR, ' | ') FROM quarantine`)).getRows() as [[string]];
      expect(reasons).toContain('csv_line_too_long');
      for (const text of [texts, reasons]) {
        expect(text).not.toContain(SECRET_ID);
        expect(text).not.toContain(SECRET_NAME);
        expect(text).not.toContain(gbkHex);
      }
    } finally {
      index.close();
    }
  });
});
