import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_DDL, INDEX_SCHEMA_VERSION } from '../../src/index/ddl.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { sm3Utf8 } from '../../src/run/withhold-raw.ts';
import { findInIndex } from '../support/find-in-index.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// Issue 8: `secret` columns are never stored anywhere — not in a payload (the column is dropped
// at staging), and not in the text of a row that cannot be split into columns (withheld from
// quarantine: raw NULL, its SM3 digest and byte length kept). Every value here is synthetic.
describe('secret columns are never stored', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const dbFile = () => path.join(ws.dir, 'index.duckdb');
  const sm3 = (bytes: Buffer) => createHash('sm3').update(bytes).digest('hex');
  /** The file's physical lines as bytes (split at LF), as `sed -n Np` shows them. */
  const physicalLines = async (file: string) => {
    const data = await readFile(file);
    const lines: Buffer[] = [];
    for (let start = 0; start < data.length;) {
      const lf = data.indexOf(0x0a, start);
      lines.push(data.subarray(start, lf < 0 ? data.length : lf));
      start = lf < 0 ? data.length : lf + 1;
    }
    return lines;
  };

  const ndjsonSecrets = ['S3cr3t-Line-01', '绝密口令甲乙', 'S3cr3t-Line-03', 'S3cr3t-Line-04', 'S3cr3t-Line-05', 'S3cr3t-Line-05b', 'S3cr3t-Line-06', 'S3cr3t-Line-07', 'S3cr3t-Line-08', 'S3cr3t-Line-09'];
  const writeNdjson = () => writeFile(path.join(ws.dir, 'p.ndjson'), Buffer.concat([
    Buffer.from([
      String.raw`{"rid": "1", "id_no": "350102198503171237", "name": "陈明", "pw": "S3cr3t-Line-01"}`,
      String.raw`{"rid": "2", "id_no": "35020319900228108X", "name": "李娜", "pw": "绝密口令甲乙"}`,
      String.raw`{"rid": "3", "id_no": "350102198503171230", "name": "王芳", "pw": "S3cr3t-Line-03"}`,
      String.raw`{"rid": "4", "pw": "S3cr3t-Line-04", "id_no": "350102198503171237"`,
      String.raw`{"rid": "5", "pw": "S3cr3t-Line-05", "pw": "S3cr3t-Line-05b"}`,
      String.raw`["S3cr3t-Line-06"]`,
      String.raw`{"rid": "7", "pw": "S3cr3t-Line-07", "name": "\ud800"}`,
      String.raw`{"rid": "8", "pw": "S3cr3t-Line-08", "name": "`,
    ].join('\n'), 'utf8'),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('"}\n' + String.raw`{"rid": "9", "id_no": "110101199003070011", "pw": {"nested": "S3cr3t-Line-09"}}` + '\n', 'utf8'),
  ]));
  const ndjsonPipeline = (classification: Record<string, string>) => ws.writePipeline('payments', {
    system: 'payments', entity: 'record', connector: { kind: 'ndjson', path: 'p.ndjson' },
    mapping: { id_number: 'id_no', name: 'name' }, source_key: ['rid'], classification,
  });

  it('NDJSON: a secret value is nowhere in the index file — every table and view, and the bytes of the database and its WAL', async () => {
    await writeNdjson();
    const run = await ws.run(await ndjsonPipeline({ pw: 'secret', name: 'personal' }));
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 9, loaded: 3, duplicates: 0, quarantined: 6 });
    const lines = await physicalLines(path.join(ws.dir, 'p.ndjson'));
    const q = await ws.rows(`SELECT line::INT AS line, reason_codes, raw, raw_sm3, raw_bytes::INT AS raw_bytes FROM quarantine ORDER BY line`);
    const withheld = (n: number, code: string, text = lines[n - 1]!) => ({ line: n, reason_codes: [code], raw: null, raw_sm3: sm3(text), raw_bytes: text.length });
    expect(q).toEqual([
      // a row that was split into columns keeps its payload, without the secret column
      { line: 3, reason_codes: ['check_character_mismatch'], raw: '{"rid":"3","id_no":"350102198503171230","name":"王芳"}', raw_sm3: null, raw_bytes: null },
      withheld(4, 'json_malformed'),
      withheld(5, 'json_duplicate_key'),
      withheld(6, 'json_not_object'),
      withheld(7, 'lone_surrogate'),
      // bytes that do not decode: the digest is of the text as read (U+FFFD for the bad bytes)
      withheld(8, 'invalid_encoding', Buffer.from(new TextDecoder().decode(lines[7]!), 'utf8')),
    ]);
    expect(q[4]!.raw_sm3).not.toBe(sm3(lines[7]!));
    expect(await ws.rows(`SELECT source_key, payload FROM records ORDER BY source_key`)).toEqual([
      { source_key: '1', payload: '{"rid":"1","id_no":"350102198503171237","name":"陈明"}' },
      { source_key: '2', payload: '{"rid":"2","id_no":"35020319900228108X","name":"李娜"}' },
      { source_key: '9', payload: '{"rid":"9","id_no":"110101199003070011"}' },
    ]);
    for (const secret of ndjsonSecrets) expect({ secret, found: await findInIndex(ws.index, dbFile(), secret) }).toEqual({ secret, found: [] });
  });

  it('NDJSON without a secret column: quarantine keeps the raw text (and the search finds what is stored)', async () => {
    await writeNdjson();
    const run = await ws.run(await ndjsonPipeline({ name: 'personal' }));
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 9, loaded: 3, quarantined: 6 });
    const lines = await physicalLines(path.join(ws.dir, 'p.ndjson'));
    const q = await ws.rows(`SELECT line::INT AS line, raw, raw_sm3, raw_bytes FROM quarantine WHERE line BETWEEN 4 AND 7 ORDER BY line`);
    expect(q).toEqual([4, 5, 6, 7].map((n) => ({ line: n, raw: lines[n - 1]!.toString('utf8'), raw_sm3: null, raw_bytes: null })));
    expect(await findInIndex(ws.index, dbFile(), 'S3cr3t-Line-04')).toContainEqual({ where: 'view index.main.quarantine', count: 1 });
    expect(await findInIndex(ws.index, dbFile(), 'S3cr3t-Line-01')).toContainEqual({ where: 'table index.main.source_record', count: 1 });
  });

  it('CSV: a row with one column too many or too few keeps no secret either, whichever connector filled the reject table', async () => {
    const csv = '身份证号,姓名,密码\n350102198503171237,陈明,Csv-S3cret-1\n35020319900228108X,李娜,Csv-S3cret-2,extra\n110101199003070011,王芳\n440305198807150023,赵磊,Csv-S3cret-4\n';
    await writeFile(path.join(ws.dir, 'staff.csv'), csv);
    const p = await ws.writePipeline('staff', {
      system: 'staff', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'], classification: { 密码: 'secret' },
    });
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 4, loaded: 2, quarantined: 2 });
    const lines = await physicalLines(path.join(ws.dir, 'staff.csv'));
    const q = await ws.rows(`SELECT line::INT AS line, raw, raw_sm3, raw_bytes::INT AS raw_bytes FROM quarantine ORDER BY line`);
    expect(q).toEqual([3, 4].map((n) => ({ line: n, raw: null, raw_sm3: sm3(lines[n - 1]!), raw_bytes: lines[n - 1]!.length })));
    // The file only: csv.ts leaves DuckDB's own rejects table (temp.main.stg_rej, in memory,
    // never in the file) in the connection after the run; that is the CSV connector's to drop.
    for (const secret of ['Csv-S3cret-1', 'Csv-S3cret-2', 'Csv-S3cret-4']) {
      expect({ secret, found: await findInIndex(ws.index, dbFile(), secret, { temp: false }) }).toEqual({ secret, found: [] });
    }
  });

  it('SM3 is GB/T 32905-2016: the examples of its Appendix A', () => {
    expect(sm3Utf8('abc')).toEqual({ sm3: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0', bytes: 3 });
    expect(sm3Utf8('abcd'.repeat(16))).toEqual({ sm3: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732', bytes: 64 });
    expect(sm3Utf8('陈').bytes).toBe(3);
  });
});

describe('an index written before raw text could be withheld (schema version 3)', () => {
  it('is migrated when opened: quarantine rows may then have no raw text, and keep a digest', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-migrate-'));
    const file = path.join(dir, 'index.duckdb');
    try {
      const v3 = INDEX_DDL.replace(/raw VARCHAR,\n\s*raw_sm3 VARCHAR,\n\s*raw_bytes BIGINT,/, 'raw VARCHAR NOT NULL,');
      expect(v3).not.toContain('raw_sm3');
      const old = await DuckDBInstance.create(file);
      const oc = await old.connect();
      await oc.run(v3);
      await oc.run(`INSERT INTO onecode_meta VALUES ('schema_version', '3')`);
      await oc.run(`INSERT INTO quarantined_row VALUES ('r000001', 'p', 's', 'x.csv', 2, 'old raw', ['csv_column_count'], '[]', TIMESTAMP '2026-01-01 00:00:00')`);
      oc.closeSync();
      old.closeSync();
      const index = await openIndex(file);
      try {
        const c = index.connection;
        expect((await c.runAndReadAll(`SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'quarantined_row' AND column_name LIKE 'raw%' ORDER BY 1`)).getRows())
          .toEqual([['raw', 'YES'], ['raw_bytes', 'YES'], ['raw_sm3', 'YES']]);
        expect((await c.runAndReadAll(`SELECT line::INT, raw, raw_sm3, raw_bytes FROM quarantine_history`)).getRows()).toEqual([[2, 'old raw', null, null]]);
        expect((await c.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).getRows()).toEqual([[String(INDEX_SCHEMA_VERSION)]]);
      } finally {
        index.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
