/**
 * Issue 9, the database connectors through the whole run, against a real server: a table and a
 * query into the index, snapshot deletes, `mode: cursor` (boundary values, late commits within the
 * look-back, unchanged rows, NULL cursors quarantined once, integer watermarks compared as
 * numbers, zoned timestamps), `deleted_when`, schema drift with database types, and errors that
 * never show the URL or its password. Declared once, run by postgres.test.ts and mysql.test.ts.
 */
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { runPipeline, type RunSummary } from '../../src/run/run-pipeline.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { personId, runLogged } from '../support/csv-files.ts';
import type { SqlTestDb } from '../support/sql-db.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

/** What differs between the dialects, for the suite. */
export interface SqlSuiteDialect {
  kind: 'postgres' | 'mysql';
  open: () => Promise<SqlTestDb>;
  /** DDL type of a wall-clock timestamp with microseconds, and of a zoned one. */
  wallType: string;
  zonedType: string;
  /** A wall time `YYYY-MM-DD HH:MM:SS` as the connector writes a value of `wallType`. */
  wallText: (text: string) => string;
  /** DDL that changes a column's type. */
  retype: (table: string, column: string, type: string) => string;
  /** The connector's type name of VARCHAR(n). */
  varcharName: (n: number) => string;
  /** What a query returning two columns of one name fails with: the connector's check, or the server's own refusal of a derived table so (MySQL). */
  duplicateNames: { errorCode: string; error: unknown };
}

/** 2026-03-01 08:00:00 plus `minutes`, as `YYYY-MM-DD HH:MM:SS`. */
const at = (minutes: number) => new Date(Date.UTC(2026, 2, 1, 8, minutes)).toISOString().slice(0, 19).replace('T', ' ');

export function sqlSourceSuite(d: SqlSuiteDialect): void {
  const URL_ENV = `ONECODE_TEST_${d.kind.toUpperCase()}_URL`;
  let db: SqlTestDb;
  let ws: Workspace;
  beforeAll(async () => {
    db = await d.open();
    process.env[URL_ENV] = db.url;
  });
  afterAll(async () => {
    delete process.env[URL_ENV];
    await db?.dispose();
  });
  beforeEach(async () => {
    ws = await createWorkspace();
  });
  afterEach(async () => ws.dispose());

  const q = (name: string) => db.q(name);
  const table = (name: string) => `${db.schema}.${name}`;
  /** A table of persons: 身份证号 (the one code and source key), 姓名, and extra columns. */
  const createPersons = (name: string, extra = '') =>
    db.exec(`CREATE TABLE ${q(db.schema)}.${q(name)} (id BIGINT PRIMARY KEY, ${q('身份证号')} VARCHAR(18), ${q('姓名')} VARCHAR(40)${extra ? `, ${extra}` : ''})`);
  const insert = (name: string, columns: string[], rows: (string | number | null)[][]) =>
    db.exec(`INSERT INTO ${q(db.schema)}.${q(name)} (${columns.map(q).join(', ')}) VALUES ${rows.map((r) => `(${r.map((v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`)).join(', ')})`).join(', ')}`);
  const pipeline = (name: string, config: Record<string, unknown>, connector: Record<string, unknown>): Promise<Pipeline> =>
    ws.writePipeline(name, {
      system: '测试系统', entity: 'person', mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
      connector: { kind: d.kind, url_env: URL_ENV, ...connector }, ...config,
    });
  const cursorPipeline = (name: string, tableName: string, column: string, lag: number, extra: Record<string, unknown> = {}) =>
    pipeline(name, { mode: 'cursor', cursor: { column, lag_seconds: lag }, ...extra }, { table: table(tableName) });
  const state = async (name: string) => {
    const rows = await ws.rows(`SELECT CAST(state AS VARCHAR) AS state FROM source_states WHERE pipeline = '${name}'`);
    return rows.length === 0 || rows[0]!.state === null ? null : JSON.parse(String(rows[0]!.state));
  };
  const names = () => ws.rows(`SELECT id_number, name FROM persons ORDER BY id_number`);
  const safeUri = (query: string) => {
    const u = new URL(db.url);
    return `${d.kind}://${u.username}@${u.hostname}:${u.port}${u.pathname}?${query}`;
  };

  describe(`${d.kind}: a table through the whole run`, () => {
    it('loads every row into the index, describes the source without the password, and keeps the columns with their types', async () => {
      await createPersons('staff');
      await insert('staff', ['id', '身份证号', '姓名'], [[1, personId(1), '陈明'], [2, personId(2), '林芳'], [3, personId(3), '王五']]);
      const p = await pipeline('staff', {}, { table: table('staff') });
      const run = await ws.run(p);
      expect(run).toMatchObject({ status: 'succeeded', rowsRead: 3, loaded: 3, created: 3, quarantined: 0, source: safeUri(`table=${table('staff')}`) });
      expect(await names()).toEqual([{ id_number: personId(1), name: '陈明' }, { id_number: personId(2), name: '林芳' }, { id_number: personId(3), name: '王五' }]);
      expect(await ws.rows(`SELECT connector, source, position_kind FROM runs WHERE run_id = '${run.runId}'`)).toEqual([
        { connector: d.kind, source: safeUri(`table=${table('staff')}`), position_kind: 'ordinal' },
      ]);
      expect(run.source).not.toContain(new URL(db.url).password);
      const columns = JSON.parse(String((await ws.rows(`SELECT CAST(columns AS VARCHAR) AS c FROM source_states`))[0]!.c));
      expect(columns.map((c: { name: string }) => c.name)).toEqual(['id', '身份证号', '姓名']);
      expect(columns[2].type).toBe(d.varcharName(40));
      // A snapshot keeps no state: every read is the whole table.
      expect(await state('staff')).toBeNull();
    });

    it('a snapshot read deletes the records of rows gone from the table, with d events', async () => {
      await createPersons('snap');
      await insert('snap', ['id', '身份证号', '姓名'], Array.from({ length: 10 }, (_, i) => [i + 1, personId(i + 1), `人员${i + 1}`]));
      const p = await pipeline('snap', {}, { table: table('snap') });
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', created: 10 });
      await db.exec(`DELETE FROM ${q(db.schema)}.${q('snap')} WHERE id = 4`);
      const run = await ws.run(p);
      expect(run).toMatchObject({ status: 'succeeded', rowsRead: 9, deleted: 1, events: 1 });
      expect(await ws.rows(`SELECT op, code FROM changes WHERE run_id = '${run.runId}'`)).toEqual([{ op: 'd', code: personId(4) }]);
    });

    it('a query is read as a subquery, fetch_size rows at a time, positions counting its rows in order', async () => {
      await createPersons('qry');
      await insert('qry', ['id', '身份证号', '姓名'], [[1, personId(1), '甲'], [2, personId(2), '乙'], [3, null, '丙'], [4, personId(4), '丁'], [5, personId(5), '戊'], [6, personId(6), '己']]);
      const sql = `SELECT ${q('身份证号')}, ${q('姓名')} FROM ${q(db.schema)}.${q('qry')} WHERE id <= 5 ORDER BY id;`;
      const p = await pipeline('qry', {}, { query: sql, fetch_size: 2 });
      const run = await ws.run(p);
      expect(run).toMatchObject({ status: 'succeeded', rowsRead: 5, created: 4, quarantined: 1 });
      expect(run.source).toMatch(new RegExp(`^${d.kind}://[^:/]+@[^/]+/[^?]+\\?query=sha256:[0-9a-f]{12}$`));
      expect(await ws.rows(`SELECT line::INT AS line, position_kind, reason_codes FROM quarantine`)).toEqual([{ line: 3, position_kind: 'ordinal', reason_codes: ['source_key_missing', 'one_code_missing'] }]);
    });
  });

  describe(`${d.kind}: mode cursor`, () => {
    it('reads from the watermark minus the look-back: boundary values and late commits are read, unchanged rows make no event, a NULL cursor is quarantined once', async () => {
      await createPersons('cur', `${q('更新时间')} ${d.wallType}`);
      const cols = ['id', '身份证号', '姓名', '更新时间'];
      await insert('cur', cols, [1, 2, 3, 4, 5].map((n) => [n, personId(n), `人员${n}`, at(n)]));
      await insert('cur', cols, [[6, personId(6), '无时间', null]]);
      const p = await cursorPipeline('cur', 'cur', '更新时间', 120);
      const cursorMissing = async () => (await ws.rows(`SELECT count(*)::INT AS n FROM quarantine_history WHERE list_contains(reason_codes, 'cursor_missing')`))[0]!.n;

      // First run: every row, the NULL cursor quarantined; the watermark is the greatest value read.
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', rowsRead: 6, created: 5, quarantined: 1 });
      expect(await state('cur')).toEqual({ cursor_column: '更新时间', watermark: d.wallText(at(5)) });
      expect(await cursorMissing()).toBe(1);

      // Nothing changed: rows within two minutes of the watermark are read again, and make nothing.
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', rowsRead: 3, created: 0, updated: 0, events: 0, quarantined: 0 });

      // A row committed later with the watermark's own value, and one with a value inside the look-back.
      await insert('cur', cols, [[7, personId(7), '同刻', at(5)], [8, personId(8), '迟到', at(4)]]);
      const late = await ws.run(p);
      expect(late).toMatchObject({ status: 'succeeded', rowsRead: 5, created: 2, events: 2 });

      // A changed row: updated, one event (the five rows of the look-back make none); the watermark moves on.
      await db.exec(`UPDATE ${q(db.schema)}.${q('cur')} SET ${q('姓名')} = '陈明明', ${q('更新时间')} = '${at(30)}' WHERE id = 1`);
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', rowsRead: 6, updated: 1, events: 1 });
      expect(await state('cur')).toEqual({ cursor_column: '更新时间', watermark: d.wallText(at(30)) });
      expect(await cursorMissing()).toBe(1);
      expect((await names()).find((r) => r.id_number === personId(1))).toEqual({ id_number: personId(1), name: '陈明明' });
    });

    it('without a look-back a late commit before the watermark is missed (what lag_seconds is for)', async () => {
      await createPersons('nolag', `${q('更新时间')} ${d.wallType}`);
      const cols = ['id', '身份证号', '姓名', '更新时间'];
      await insert('nolag', cols, [[1, personId(1), '甲', at(1)], [2, personId(2), '乙', at(5)]]);
      const p = await cursorPipeline('nolag', 'nolag', '更新时间', 0);
      expect(await ws.run(p)).toMatchObject({ created: 2 });
      await insert('nolag', cols, [[3, personId(3), '丙', at(4)], [4, personId(4), '丁', at(5)]]);
      // The row at the watermark itself is read (>=); the one a minute before it is not.
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', rowsRead: 2, created: 1 });
    });

    it('an integer cursor is compared as a number in the database (10 after 9), exactly beyond 2^53', async () => {
      await createPersons('ver', `${q('版本')} BIGINT`);
      const cols = ['id', '身份证号', '姓名', '版本'];
      await insert('ver', cols, [[1, personId(1), '甲', 8], [2, personId(2), '乙', 9]]);
      const p = await cursorPipeline('ver', 'ver', '版本', 300);
      expect(await ws.run(p)).toMatchObject({ created: 2 });
      expect(await state('ver')).toEqual({ cursor_column: '版本', watermark: '9' });
      await insert('ver', cols, [[3, personId(3), '丙', 10]]);
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', rowsRead: 2, created: 1 });
      await insert('ver', cols, [[4, personId(4), '丁', '9007199254740993'], [5, personId(5), '戊', '9007199254740992']]);
      expect(await ws.run(p)).toMatchObject({ rowsRead: 3, created: 2 });
      expect(await state('ver')).toEqual({ cursor_column: '版本', watermark: '9007199254740993' });
      expect(await ws.run(p)).toMatchObject({ rowsRead: 1, created: 0, events: 0 });
    });

    it('a zoned cursor column keeps its watermark in China time and compares instants', async () => {
      await createPersons('zoned', `${q('变更时刻')} ${d.zonedType} NULL`);
      const cols = ['id', '身份证号', '姓名', '变更时刻'];
      // Written by a session at UTC-5: 08:01 there is 21:01 in China.
      await insert('zoned', cols, [[1, personId(1), '甲', at(1)], [2, personId(2), '乙', at(2)]]);
      const p = await cursorPipeline('zoned', 'zoned', '变更时刻', 30);
      expect(await ws.run(p)).toMatchObject({ created: 2 });
      expect((await state('zoned')).watermark).toMatch(/^2026-03-01 21:02:00(\.0+)?\+08:00$/);
      expect(await ws.run(p)).toMatchObject({ rowsRead: 1, created: 0 });
      await insert('zoned', cols, [[3, personId(3), '丙', at(3)]]);
      expect(await ws.run(p)).toMatchObject({ rowsRead: 2, created: 1 });
    });

    it('deleted_when: a row marked deleted becomes a d event', async () => {
      await createPersons('marks', `${q('更新时间')} ${d.wallType}, ${q('删除标志')} CHAR(1)`);
      const cols = ['id', '身份证号', '姓名', '更新时间', '删除标志'];
      await insert('marks', cols, [[1, personId(1), '甲', at(1), '0'], [2, personId(2), '乙', at(2), '0']]);
      const p = await cursorPipeline('marks', 'marks', '更新时间', 0, { deleted_when: { column: '删除标志', values: ['1'] } });
      expect(await ws.run(p)).toMatchObject({ created: 2 });
      await db.exec(`UPDATE ${q(db.schema)}.${q('marks')} SET ${q('删除标志')} = '1', ${q('更新时间')} = '${at(9)}' WHERE id = 1`);
      const run = await ws.run(p);
      expect(run).toMatchObject({ status: 'succeeded', rowsRead: 2, deleted: 1, events: 1 });
      expect(await ws.rows(`SELECT op, code FROM changes WHERE run_id = '${run.runId}'`)).toEqual([{ op: 'd', code: personId(1) }]);
    });

    it('an empty cursor read is a run with no changes, and keeps the watermark', async () => {
      await createPersons('empty', `${q('更新时间')} ${d.wallType}`);
      const p = await cursorPipeline('empty', 'empty', '更新时间', 60);
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', rowsRead: 0, events: 0 });
      await insert('empty', ['id', '身份证号', '姓名', '更新时间'], [[1, personId(1), '甲', at(1)]]);
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', created: 1 });
      await db.exec(`DELETE FROM ${q(db.schema)}.${q('empty')}`);
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', rowsRead: 0, deleted: 0, events: 0 });
      expect(await state('empty')).toEqual({ cursor_column: '更新时间', watermark: d.wallText(at(1)) });
    });

    it('a cursor column of a type that cannot order changes, or not in the table, is a configuration error naming the file', async () => {
      await createPersons('badcur');
      await insert('badcur', ['id', '身份证号', '姓名'], [[1, personId(1), '甲']]);
      const text = await cursorPipeline('badcur', 'badcur', '姓名', 0);
      expect(await ws.run(text)).toMatchObject({ status: 'failed', errorCode: 'cursor_type_unsupported' });
      const gone = await cursorPipeline('gone', 'badcur', '更新时间', 0);
      const run = await ws.run(gone);
      expect(run).toMatchObject({ status: 'failed', errorCode: 'cursor_column_missing' });
      expect(run.error).toContain(gone.file);
    });
  });

  describe(`${d.kind}: schema drift`, () => {
    it('added, removed and retyped columns are recorded with their database types', async () => {
      await createPersons('drift', `${q('备注')} VARCHAR(10)`);
      await insert('drift', ['id', '身份证号', '姓名', '备注'], [[1, personId(1), '甲', 'x']]);
      const p = await pipeline('drift', { on_schema_change: 'warn' }, { table: table('drift') });
      expect((await ws.run(p)).status).toBe('succeeded');
      await db.exec(`ALTER TABLE ${q(db.schema)}.${q('drift')} ADD COLUMN ${q('电话')} VARCHAR(20)`);
      await db.exec(`ALTER TABLE ${q(db.schema)}.${q('drift')} DROP COLUMN ${q('备注')}`);
      await db.exec(d.retype(`${q(db.schema)}.${q('drift')}`, q('姓名'), 'VARCHAR(60)'));
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', schemaChanges: 3 });
      expect(await ws.rows(`SELECT column_name, change, old_type, new_type FROM schema_changes ORDER BY column_name`)).toEqual([
        { column_name: '备注', change: 'removed', old_type: d.varcharName(10), new_type: null },
        { column_name: '姓名', change: 'retyped', old_type: d.varcharName(40), new_type: d.varcharName(60) },
        { column_name: '电话', change: 'added', old_type: null, new_type: d.varcharName(20) },
      ]);
    });
  });

  describe(`${d.kind}: errors name the pipeline and the source, never the URL or its password`, () => {
    it('a wrong password fails the run as source_auth_failed, and the failed run keeps the last watermark', async () => {
      await createPersons('auth', `${q('更新时间')} ${d.wallType}`);
      await insert('auth', ['id', '身份证号', '姓名', '更新时间'], [[1, personId(1), '甲', at(1)]]);
      const p = await cursorPipeline('auth', 'auth', '更新时间', 0);
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', created: 1 });
      const good = new URL(db.url);
      const wrong = new URL(db.url);
      wrong.password = 'Wrong-Secret-Pw-42';
      process.env[URL_ENV] = wrong.href;
      try {
        const { run, log } = await runLogged(ws, p);
        expect(run).toMatchObject({ status: 'failed', errorCode: 'source_auth_failed' });
        expect(run.error).toContain(`pipeline auth, ${table('auth')} on ${good.hostname}:${good.port}${good.pathname}`);
        expect(run.error).toContain(`$${URL_ENV}`);
        const recorded = JSON.stringify(await ws.rows(`SELECT source, error FROM runs WHERE run_id = '${run.runId}'`));
        for (const text of [run.error!, log, recorded]) {
          expect(text).not.toContain('Wrong-Secret-Pw-42');
          expect(text).not.toContain(good.password);
          expect(text).not.toContain(`${good.username}:`);
          expect(text).not.toContain(wrong.href);
        }
      } finally {
        process.env[URL_ENV] = db.url;
      }
      expect(await state('auth')).toEqual({ cursor_column: '更新时间', watermark: d.wallText(at(1)) });
    });

    it('a missing variable, a closed port, a missing table and duplicate column names fail with their own codes', async () => {
      const missing = await ws.writePipeline('nourl', {
        system: '测试系统', entity: 'person', mapping: { id_number: '身份证号' }, source_key: ['身份证号'],
        connector: { kind: d.kind, url_env: 'ONECODE_TEST_NOT_SET', table: 'staff' },
      });
      const noUrl = await ws.run(missing);
      expect(noUrl).toMatchObject({ status: 'failed', errorCode: 'url_env_missing' });
      expect(noUrl.error).toMatch(/nourl\.yaml:\d+: connector\.url_env: environment variable ONECODE_TEST_NOT_SET is not set/);

      const closed = new URL(db.url);
      closed.port = String(await freePort());
      const logger = createLogger({ level: 'silent' });
      const run = (p: Pipeline, env: NodeJS.ProcessEnv = process.env): Promise<RunSummary> => runPipeline({ index: ws.index, pipeline: p, logger, env });
      const staff = await pipeline('closed', {}, { table: table('nothere') });
      const unreachable = await run(staff, { [URL_ENV]: closed.href });
      expect(unreachable).toMatchObject({ status: 'failed', errorCode: 'source_unreachable' });
      expect(unreachable.error).not.toContain(closed.password);

      const noTable = await run(staff);
      expect(noTable).toMatchObject({ status: 'failed', errorCode: 'source_table_missing' });
      expect(noTable.error).toContain(`pipeline closed, ${table('nothere')} on `);

      await createPersons('dup');
      const twice = await pipeline('dup', {}, { query: `SELECT a.${q('身份证号')}, b.${q('身份证号')} FROM ${q(db.schema)}.${q('dup')} a JOIN ${q(db.schema)}.${q('dup')} b ON a.id = b.id` });
      expect(await run(twice)).toMatchObject({ status: 'failed', ...d.duplicateNames });
    });
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on (taken and let go). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
