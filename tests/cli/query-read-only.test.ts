/**
 * Issue 8: `onecode query` is read-only and file-tight. Every statement that writes, reads another
 * file, changes a setting or loads code is refused (exit 2, one line) and no file appears or changes
 * beside the index; JSON columns come out as JSON in `--format json`; an error never quotes a value
 * of the index. Issue 10: the index itself changes by exactly one row of access_log per query (the
 * CLI opens it for writing to record the access, refused queries included), and nothing else
 * (its WAL is gone once the CLI closes it).
 *
 * The whole list goes through `main()` (the CLI's entry point, in this process: a child process per
 * statement would take minutes on a shared machine); the cases the issue names go through the real
 * CLI as a child process too.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.ts';
import { ALLOWED_TABLE_FUNCTIONS } from '../../src/access/read-only-query.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { SEX_MISMATCH_MESSAGE } from '../../src/identifiers/stated-facts.ts';
import { onecode } from '../support/cli.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

const ID = '350102198503171237';
const NAME = '陈明';

/** Every file beside the index (the index file itself, which records each query, left out) with its size and modification time. */
async function filesIn(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    if (name === 'index.duckdb') continue;
    const s = await stat(path.join(dir, name));
    out[name] = `${s.size}:${s.mtimeMs}`;
  }
  return out;
}

describe('onecode query', () => {
  let ws: Workspace;
  let db: string;

  /** Runs the CLI in this process; resolves with what it printed. */
  async function query(sql: string, ...flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
      const code = await main(['query', sql, '--db', db, ...flags]);
      return { code, stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  beforeAll(async () => {
    ws = await createWorkspace();
    await writeFile(path.join(ws.dir, 'staff.csv'), `身份证号,姓名,性别\n${ID},${NAME},女\n350102198503171238,坏号,男\n`);
    const p = await ws.writePipeline('staff', {
      system: '会计人员管理系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: '身份证号', name: '姓名', sex: '性别' }, source_key: ['身份证号'],
    });
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', loaded: 1, quarantined: 1 });
    await writeFile(path.join(ws.dir, 'other.csv'), 'a,b\n1,2\n');
    await writeFile(path.join(ws.dir, 'other.json'), '{"a":1}\n');
    db = path.join(ws.dir, 'index.duckdb');
    ws.index.close();
  });
  afterAll(async () => {
    ws.index.close = () => undefined;
    await ws.dispose();
  });

  const refused: Array<[string, () => string]> = [
    ['COPY to the WAL checkpoint path', () => `COPY (select id_number, name from persons) TO '${db}.wal.checkpoint'`],
    ['COPY to the WAL', () => `COPY (select id_number, name from persons) TO '${db}.wal'`],
    ['COPY to a file', () => `COPY persons TO '${ws.dir}/out.csv'`],
    ['COPY FROM', () => `COPY run_log FROM '${ws.dir}/other.csv'`],
    ['ATTACH a new file', () => `ATTACH '${ws.dir}/new.duckdb' AS n`],
    ['ATTACH in memory', () => `ATTACH ':memory:' AS m`],
    ['DETACH', () => 'DETACH index'],
    ['USE', () => 'USE system'],
    ['read_csv', () => `SELECT * FROM read_csv('${ws.dir}/other.csv')`],
    ['read_csv_auto', () => `SELECT * FROM read_csv_auto('${ws.dir}/other.csv')`],
    ['a file as a table', () => `SELECT * FROM '${ws.dir}/other.csv'`],
    ['the WAL as a table', () => `SELECT * FROM '${db}.wal'`],
    ['read_text of another file', () => `SELECT * FROM read_text('/etc/passwd')`],
    ['read_text of the index', () => `SELECT * FROM read_text('${db}')`],
    ['read_blob of the index', () => `SELECT * FROM read_blob('${db}')`],
    ['glob', () => `SELECT * FROM glob('${ws.dir}/*')`],
    ['read_parquet', () => `SELECT * FROM read_parquet('${ws.dir}/x.parquet')`],
    ['parquet_metadata', () => `SELECT * FROM parquet_metadata('${ws.dir}/x.parquet')`],
    ['read_json', () => `SELECT * FROM read_json('${ws.dir}/other.json')`],
    ['read_ndjson_objects', () => `SELECT * FROM read_ndjson_objects('${ws.dir}/other.json')`],
    ['sniff_csv', () => `SELECT * FROM sniff_csv('${ws.dir}/other.csv')`],
    ['a file reader in a CTE', () => `WITH x AS (SELECT * FROM read_csv('${ws.dir}/other.csv')) SELECT * FROM x`],
    ['a file reader in a lateral subquery', () => `SELECT * FROM persons, LATERAL (SELECT * FROM read_text('/etc/passwd'))`],
    ['a file reader under DESCRIBE', () => `DESCRIBE SELECT * FROM read_text('/etc/passwd')`],
    ['a file reader under SUMMARIZE', () => `SUMMARIZE SELECT * FROM read_csv('${ws.dir}/other.csv')`],
    ['query()', () => `SELECT * FROM query('SELECT 1')`],
    ['query_table()', () => `SELECT * FROM query_table('persons')`],
    ['json_execute_serialized_sql', () => `SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))`],
    ['checkpoint()', () => 'SELECT * FROM checkpoint()'],
    ['enable_profiling()', () => 'SELECT * FROM enable_profiling()'],
    ['INSTALL', () => 'INSTALL httpfs'],
    ['LOAD', () => 'LOAD httpfs'],
    ['SET', () => 'SET enable_external_access = true'],
    ['SET a variable', () => "SET VARIABLE x = 1"],
    ['RESET', () => 'RESET threads'],
    ['PRAGMA', () => 'PRAGMA enable_profiling'],
    ['PRAGMA table_info', () => "PRAGMA table_info('persons')"],
    ['EXPORT DATABASE', () => `EXPORT DATABASE '${ws.dir}/export'`],
    ['CREATE SECRET', () => "CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')"],
    ['CREATE TABLE', () => 'CREATE TABLE t AS SELECT 1'],
    ['CREATE TEMP TABLE', () => 'CREATE TEMP TABLE t AS SELECT 1'],
    ['CREATE VIEW', () => 'CREATE VIEW v AS SELECT 1'],
    ['CREATE MACRO', () => 'CREATE MACRO m() AS 1'],
    ['INSERT', () => "INSERT INTO onecode_meta VALUES ('k', 'v')"],
    ['UPDATE', () => "UPDATE run_log SET status = 'x'"],
    ['DELETE', () => 'DELETE FROM golden_person'],
    ['DROP', () => 'DROP VIEW persons'],
    ['ALTER', () => 'ALTER TABLE run_log ADD COLUMN x INTEGER'],
    ['CALL', () => 'CALL checkpoint()'],
    ['CHECKPOINT', () => 'CHECKPOINT'],
    ['VACUUM', () => 'VACUUM'],
    ['BEGIN', () => 'BEGIN TRANSACTION'],
    ['EXPLAIN ANALYZE', () => 'EXPLAIN ANALYZE SELECT 1'],
    ['two statements', () => 'SELECT 1; SELECT 2'],
    ['a statement after a SELECT', () => `SELECT 1; COPY persons TO '${ws.dir}/out.csv'`],
  ];

  /** The access_log rows past `after`, read from the closed index. */
  async function accessesAfter(after: number): Promise<Record<string, unknown>[]> {
    const index = await openIndex(db, { readOnly: true });
    try {
      return (await index.connection.runAndReadAll(`SELECT access_no::INT AS access_no, who, role, channel, action, query, row_count::INT AS row_count, outcome FROM access_log WHERE access_no > ${after} ORDER BY access_no`)).getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      index.close();
    }
  }
  const lastAccessNo = async () => (await accessesAfter(0)).at(-1)?.access_no as number | undefined ?? 0;

  it.each(refused)('refuses %s: exit 2, one line, no file appears or changes, the refusal recorded', async (_what, sql) => {
    const before = await filesIn(ws.dir);
    const last = await lastAccessNo();
    const r = await query(sql());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^onecode: query failed: [^\n]+\n$/);
    expect(await filesIn(ws.dir)).toEqual(before);
    expect(await accessesAfter(last)).toEqual([{ access_no: last + 1, who: expect.stringMatching(/^cli:/), role: 'steward', channel: 'cli', action: 'query', query: sql(), row_count: 0, outcome: 'refused' }]);
  });

  it('names why: the statement kind, the table function, a file used as a table, several statements', async () => {
    const head = 'onecode: query failed: onecode query is read-only: it runs one SELECT (or WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE) statement; ';
    expect((await query(`COPY (select id_number, name from persons) TO '${db}.wal.checkpoint'`)).stderr).toBe(`${head}this statement is not one (COPY, EXPORT, ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL, EXPLAIN and every write are refused)\n`);
    expect((await query(`SELECT * FROM read_text('${db}')`)).stderr).toBe(`${head}the table function read_text() is not allowed (allowed: ${[...ALLOWED_TABLE_FUNCTIONS].join(', ')})\n`);
    expect((await query(`SELECT * FROM '${ws.dir}/other.csv'`)).stderr).toBe(`${head}'${ws.dir}/other.csv' is a file, not a table or view of the index\n`);
    expect((await query('SELECT 1; SELECT 2')).stderr).toBe(`${head}this is 2 statements\n`);
    expect(await query('SELEC 1')).toEqual({ code: 2, stdout: '', stderr: 'onecode: query failed: Parser Error: syntax error at or near "SELEC"\n' });
  });

  it('runs every read-only form: SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE and the allowed table functions', async () => {
    const json = async (sql: string) => {
      const r = await query(sql, '--format', 'json');
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    };
    expect(await json('SELECT id_number, name FROM persons')).toEqual([{ id_number: ID, name: NAME }]);
    expect(await json('WITH p AS (SELECT id_number FROM persons) SELECT count(*) AS n FROM p')).toEqual([{ n: 1 }]);
    expect(await json('FROM persons SELECT id_number')).toEqual([{ id_number: ID }]);
    expect(await json('VALUES (1, 2)')).toEqual([{ col0: 1, col1: 2 }]);
    expect((await json('DESCRIBE persons')).map((r) => r.column_name)).toContain('id_number');
    expect((await json('SHOW TABLES')).map((r) => r.name)).toContain('persons');
    expect((await json('SUMMARIZE persons')).map((r) => r.column_name)).toContain('name');
    expect(await json('SELECT count(*) AS n FROM range(3)')).toEqual([{ n: 3 }]);
    expect((await json("SELECT table_name FROM duckdb_tables() WHERE table_name = 'run_log'"))).toEqual([{ table_name: 'run_log' }]);
    expect(await json(`SELECT key, value FROM json_each('{"a": 12345678901234567890}')`)).toEqual([{ key: 'a', value: expect.anything() }]);
  });

  it('--format json: JSON columns are JSON values, numbers exact; csv and table keep the JSON text', async () => {
    const r = await query('SELECT payload, flags FROM records', '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{
      payload: { 身份证号: ID, 姓名: NAME, 性别: '女' },
      flags: [{ code: 'stated_sex_mismatch', field: '性别', message: SEX_MISMATCH_MESSAGE }],
    }]);
    const q = await query('SELECT reason_codes, reasons FROM quarantine', '--format', 'json');
    const [row] = JSON.parse(q.stdout) as Array<{ reason_codes: string[]; reasons: Array<{ code: string; field: string }> }>;
    expect(row!.reason_codes).toEqual(['check_character_mismatch']);
    expect(row!.reasons).toEqual([expect.objectContaining({ code: 'check_character_mismatch', field: '身份证号' })]);
    const e = await query("SELECT event, event->'$.after' AS after, [event] AS events, {'e': event} AS wrapped FROM changes", '--format', 'json');
    const [change] = JSON.parse(e.stdout) as Array<{ event: { op: string; code: string }; after: { id_number: string }; events: Array<{ op: string }>; wrapped: { e: { op: string } } }>;
    expect(change!.event).toMatchObject({ op: 'c', code: ID });
    expect(change!.after.id_number).toBe(ID);
    expect(change!.events[0]!.op).toBe('c');
    expect(change!.wrapped.e.op).toBe('c');
    // Big numbers inside JSON stay exact (never through a double).
    const big = await query(`SELECT '{"n": 12345678901234567890, "d": 0.10000000000000000001}'::JSON AS j`, '--format', 'json');
    expect(big.stdout).toContain('"n": 12345678901234567890');
    expect(big.stdout).toContain('"d": 0.10000000000000000001');
    const csv = await query('SELECT payload FROM records', '--format', 'csv');
    expect(csv.stdout).toBe(`payload\n"{""身份证号"":""${ID}"",""姓名"":""${NAME}"",""性别"":""女""}"\n`);
    const table = await query('SELECT payload FROM records');
    expect(table.stdout).toContain(`{"身份证号":"${ID}","姓名":"${NAME}","性别":"女"}`);
  });

  it('an error never quotes a value of the index', async () => {
    for (const sql of [
      'SELECT CAST(name AS INTEGER) FROM persons',
      'SELECT * FROM persons WHERE id_number = 1',
      "SELECT json_extract(name, '$.a') FROM persons",
      'SELECT CAST(id_number AS DATE) FROM persons',
      "SELECT error(name) FROM persons",
    ]) {
      const r = await query(sql);
      expect(r.code, sql).toBe(2);
      expect(r.stderr, sql).toMatch(/^onecode: query failed: [A-Z][A-Za-z ]* Error: \(message withheld: it can quote values of the index\)\n$/);
      expect(r.stderr).not.toContain(ID);
      expect(r.stderr).not.toContain(NAME);
    }
    // Binder and catalogue errors describe the query, so they are shown.
    expect((await query('SELECT nope FROM persons')).stderr).toMatch(/^onecode: query failed: Binder Error: Referenced column "nope" not found/);
  });

  it('the real CLI: the issue’s cases refused with exit 2 and no file, a query answered', async () => {
    const before = await filesIn(ws.dir);
    for (const sql of [
      `COPY (select id_number, name from persons) TO '${db}.wal.checkpoint'`,
      `ATTACH '${ws.dir}/new.duckdb' AS n`,
      `SELECT * FROM read_csv('${ws.dir}/other.csv')`,
      'INSTALL httpfs',
      'DELETE FROM golden_person',
      'SELECT 1; SELECT 2',
    ]) {
      const r = await onecode(['query', sql, '--db', db]);
      expect(r.code, sql).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^onecode: query failed: [^\n]*read-only[^\n]*\n$/);
    }
    expect(await filesIn(ws.dir)).toEqual(before);
    const ok = await onecode(['query', 'SELECT payload FROM records', '--format', 'json', '--db', db]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([{ payload: { 身份证号: ID, 姓名: NAME, 性别: '女' } }]);
  });
});
