/**
 * `onecode discover` on a real PostgreSQL table (tests/support/postgres.ts: never skipped): an
 * update time kept as `text` is proposed no cursor (a cursor on it fails `check` with
 * `cursor_type_unsupported`), and the proposal checks; the TODO's cast query checks in cursor
 * mode; an update time of type timestamp is proposed the cursor, and that proposal checks too.
 * `check` is runPipeline's dry run, as `onecode check` does it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../../src/discover/discover-command.ts';
import { createLogger } from '../../src/logger.ts';
import { runPipeline, type RunSummary } from '../../src/run/run-pipeline.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { postgresTestDb, type SqlTestDb } from '../support/sql-db.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { createProject, personId, type Project } from './discover-files.ts';

const logger = createLogger({ level: 'silent' });
let db: SqlTestDb;
let project: Project;
let ws: Workspace;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  db = await postgresTestDb();
  project = await createProject();
  ws = await createWorkspace();
  env = { PG_URL: db.url };
});
afterAll(async () => {
  await ws?.dispose();
  await project?.dispose();
  await db?.dispose();
});

/** A table of 12 persons: 身份证号, 姓名, 更新时间 of `updatedType` holding wall times, and an optional 删除标志. */
async function createStaff(name: string, updatedType: string, flag = false): Promise<void> {
  await db.exec(`CREATE TABLE ${name} (id BIGINT PRIMARY KEY, "身份证号" VARCHAR(18), "姓名" VARCHAR(40), "更新时间" ${updatedType}${flag ? ', "删除标志" CHAR(1)' : ''})`);
  const rows = Array.from({ length: 12 }, (_, i) => `(${i + 1}, '${personId(i + 1)}', '测试${i + 1}', '2026-03-${String(i + 1).padStart(2, '0')} 08:${String(i).padStart(2, '0')}:00'${flag ? `, '${i === 4 ? 1 : 0}'` : ''})`);
  await db.exec(`INSERT INTO ${name} VALUES ${rows.join(', ')}`);
}

const discoverTable = (name: string) => discover({
  connector: 'postgres', options: ['url_env=PG_URL', `table=${db.schema}.${name}`], system: '人事管理系统', pipelines: 'pipelines', cwd: project.dir, logger, runDate: '2026-01-01', env,
});

/** `onecode check`: the whole run in a transaction rolled back. */
const check = (pipeline: Pipeline): Promise<RunSummary> => runPipeline({ index: ws.index, pipeline, logger, env, runDate: '2026-01-01', dryRun: {} });

describe('discover on PostgreSQL: a cursor only on a column the connector accepts', () => {
  it('更新时间 of type text: snapshot, and check succeeds; the TODO\'s cast query checks in cursor mode', async () => {
    await createStaff('staff_text', 'text');
    const { yaml } = await discoverTable('staff_text');
    expect(yaml).toContain('# 更新时间 | text | updated_at | ');
    const proposed = await project.load('staff-text', yaml);
    // the cast's TODO, the catalogue entry's 10 and one code per data item (one per mapped field)
    expect(yaml).toContain(`replace the ${1 + 10 + Object.keys(proposed.mapping).length} place(s) marked TODO`);
    expect(proposed).toMatchObject({ mode: 'snapshot', mapping: { id_number: '身份证号', name: '姓名', updated_at: '更新时间' }, source_key: ['身份证号'] });
    expect(proposed.cursor).toBeUndefined();
    expect(await check(proposed)).toMatchObject({ status: 'succeeded', rowsRead: 12 });

    // What the old proposal was: a cursor on the text column, refused by the read.
    const asCursor = await project.load('staff-text-cursor', `${yaml}cursor: { column: 更新时间 }\n`.replace(/^mode: snapshot\b/m, 'mode: cursor'));
    expect(await check(asCursor)).toMatchObject({ status: 'failed', errorCode: 'cursor_type_unsupported' });

    // The TODO's way: its query, and its cursor column.
    const query = /^#\s+replace connector\.table with query: (SELECT .*)$/m.exec(yaml)?.[1];
    expect(query).toBe(`SELECT *, CAST("更新时间" AS timestamp) AS "更新时间_ts" FROM "${db.schema}"."staff_text"`);
    const followed = yaml
      .replace(/^  table: .*$/m, `  query: '${query!.replaceAll("'", "''")}'`)
      .replace(/^mode: snapshot\b.*$/m, 'mode: cursor\ncursor: { column: 更新时间_ts, lag_seconds: 300 }');
    const cast = await project.load('staff-text-cast', followed);
    expect(cast).toMatchObject({ mode: 'cursor', cursor: { column: '更新时间_ts' }, connector: { query } });
    expect(await check(cast)).toMatchObject({ status: 'succeeded', rowsRead: 12 });
  });

  it('更新时间 of type text with a delete flag: incremental with deleted_when, and check succeeds', async () => {
    await createStaff('staff_flag', 'text', true);
    const proposed = await project.load('staff-flag', (await discoverTable('staff_flag')).yaml);
    expect(proposed).toMatchObject({ mode: 'incremental', deleted_when: { column: '删除标志', values: ['1'] } });
    expect(await check(proposed)).toMatchObject({ status: 'succeeded', rowsRead: 12 });
  });

  it('更新时间 of type timestamp: mode cursor on it, and check succeeds', async () => {
    await createStaff('staff_ts', 'TIMESTAMP(3)');
    const { yaml } = await discoverTable('staff_ts');
    expect(yaml).toContain('# 更新时间 | timestamp(3) without time zone | updated_at | ');
    expect(yaml).not.toContain('CAST(');
    const proposed = await project.load('staff-ts', yaml);
    expect(proposed).toMatchObject({ mode: 'cursor', cursor: { column: '更新时间', lag_seconds: 300 } });
    expect(await check(proposed)).toMatchObject({ status: 'succeeded', rowsRead: 12 });
  });
});
