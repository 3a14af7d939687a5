import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { organizationCodeCheckCharacter, residentIdCheckCharacter, usccCheckCharacter } from '../../src/identifiers/index.ts';
import type { RunSummary } from '../../src/run/run-pipeline.ts';
import type { Workspace } from '../support/workspace.ts';

/** A valid 18-character resident identity number from its first 17 characters. */
export const residentId = (first17: string): string => first17 + residentIdCheckCharacter(first17);

/** A valid USCC from its registration authority and type (2), registering office (6) and 8 characters of organisation code. */
export const uscc = (head8: string, org8: string): string => {
  const first17 = head8 + org8 + organizationCodeCheckCharacter(org8);
  return first17 + usccCheckCharacter(first17);
};

/** Codes of the small index: persons P1-P2 in the index, P3 only named as a legal representative; legal persons U1, U2, U4 in the index, U3 only named as an employer. */
export const P1 = '350102198503171237';
export const P2 = '35020319900228108X';
export const P3 = residentId('35010219700101123');
export const U1 = '91350100MA2Y8K3P3P';
export const U2 = uscc('91350100', '12345678');
export const U3 = uscc('91350200', '23456789');
export const U4 = uscc('91350100', '34567890');
/** 105 employees of U2 (so that the employee list is capped), by code. */
export const PAYROLL = Array.from({ length: 105 }, (_, i) => residentId(`35010219900101${String(i + 1).padStart(3, '0')}`)).sort();

export const HR = { pipeline: 'hr', system: '人事管理系统', priority: 80 };
export const SOCIAL = { pipeline: 'social', system: '社会保险系统', priority: 50 };
export const AGENCIES = { pipeline: 'agencies', system: '代理记账机构管理系统', priority: 50 };

/** The hr extract of the first run. */
export const HR_ROWS = [
  [P1, '陈明', U1, '2024-01-01'],
  [P2, '林芳', '', '2024-01-01'],
];

const csv = (rows: string[][]): string => rows.map((r) => r.join(',')).join('\n') + '\n';

/**
 * Builds the small index through the real code path (pipelines read CSV files, runPipeline):
 * - `hr` (persons, priority 80): P1 陈明 employed by U1; P2 林芳 with no employer;
 * - `social` (persons, priority 50, later updated_at): P1 "陈 明" employed by U2, with an
 *   employer name hr lacks; P2 林芳 employed by U3 (not in the index);
 * - `agencies` (legal persons): U1 and U2 represented by P1, U4 by P3 (not in the index);
 * - `payroll` (persons, priority 10): the 105 PAYROLL persons employed by U2.
 * @returns the runs by pipeline name.
 */
export async function buildSmallIndex(ws: Workspace): Promise<Record<string, RunSummary>> {
  const file = (name: string, rows: string[][]) => writeFile(path.join(ws.dir, name), csv(rows));
  await file('hr.csv', [['身份证号', '姓名', '单位统一社会信用代码', '更新时间'], ...HR_ROWS]);
  await file('social.csv', [
    ['身份证号', '姓名', '工作单位', '单位统一社会信用代码', '更新时间'],
    [P1, '陈 明', '福州示例会计服务有限公司', U2, '2025-06-01'],
    [P2, '林芳', '厦门示例科技有限公司', U3, '2025-06-01'],
  ]);
  await file('agencies.csv', [
    ['统一社会信用代码', '机构名称', '法定代表人', '法定代表人身份证号', '地址'],
    [U1, '福州示例会计服务有限公司', '陈明', P1, '福州市鼓楼区示例路1号'],
    [U2, '福州示例财务咨询有限公司', '陈明', P1, ''],
    [U4, '厦门示例代理记账有限公司', '王强', P3, '厦门市思明区示例路2号'],
  ]);
  await file('payroll.csv', [['身份证号', '姓名', '单位统一社会信用代码'], ...PAYROLL.map((id, i) => [id, `职工${i + 1}`, U2])]);
  const runs: Record<string, RunSummary> = {};
  const person = { entity: 'person', source_key: ['身份证号'] };
  runs.hr = await runOf(ws, 'hr', { ...person, system: HR.system, priority: HR.priority, connector: { kind: 'csv', path: 'hr.csv' },
    mapping: { id_number: '身份证号', name: '姓名', employer_uscc: '单位统一社会信用代码', updated_at: '更新时间' } });
  runs.social = await runOf(ws, 'social', { ...person, system: SOCIAL.system, priority: SOCIAL.priority, connector: { kind: 'csv', path: 'social.csv' },
    mapping: { id_number: '身份证号', name: '姓名', employer_name: '工作单位', employer_uscc: '单位统一社会信用代码', updated_at: '更新时间' } });
  runs.agencies = await runOf(ws, 'agencies', { entity: 'legal_person', source_key: ['统一社会信用代码'], system: AGENCIES.system, priority: AGENCIES.priority,
    connector: { kind: 'csv', path: 'agencies.csv' },
    mapping: { uscc: '统一社会信用代码', name: '机构名称', legal_representative: '法定代表人', legal_representative_id_number: '法定代表人身份证号', address: '地址' } });
  runs.payroll = await runOf(ws, 'payroll', { ...person, system: '工资发放系统', priority: 10, connector: { kind: 'csv', path: 'payroll.csv' },
    mapping: { id_number: '身份证号', name: '姓名', employer_uscc: '单位统一社会信用代码' } });
  return runs;
}

/** Writes (or rewrites) the hr extract and runs the hr pipeline again. */
export async function rerunHr(ws: Workspace, rows: string[][]): Promise<RunSummary> {
  await writeFile(path.join(ws.dir, 'hr.csv'), csv([['身份证号', '姓名', '单位统一社会信用代码', '更新时间'], ...rows]));
  return runOf(ws, 'hr', { entity: 'person', source_key: ['身份证号'], system: HR.system, priority: HR.priority, connector: { kind: 'csv', path: 'hr.csv' },
    mapping: { id_number: '身份证号', name: '姓名', employer_uscc: '单位统一社会信用代码', updated_at: '更新时间' }, max_delete_share: 1 });
}

async function runOf(ws: Workspace, name: string, config: Record<string, unknown>): Promise<RunSummary> {
  const run = await ws.run(await ws.writePipeline(name, config));
  if (run.status !== 'succeeded') throw new Error(`${name}: ${run.errorCode}: ${run.error}`);
  return run;
}

/**
 * Mismatches between the `lineage` view and the golden records (persons / legal_persons views),
 * field by field: a golden field with a value and no lineage row, a lineage row with no golden
 * value, or different values. Empty when lineage agrees with the golden records everywhere.
 */
export async function lineageMismatches(ws: Workspace): Promise<Record<string, unknown>[]> {
  const golden = (entity: string, view: string, key: string) => `
    SELECT '${entity}' AS entity, code, field, value
    FROM (UNPIVOT (SELECT ${key} AS code, * EXCLUDE (${key}, changed_run_id) FROM ${view}) ON COLUMNS(* EXCLUDE code) INTO NAME field VALUE value)`;
  return ws.rows(`
    WITH g AS (${golden('person', 'persons', 'id_number')} UNION ALL ${golden('legal_person', 'legal_persons', 'uscc')})
    SELECT entity, code, field, g.value AS golden, l.value AS lineage
    FROM g FULL OUTER JOIN (SELECT entity, code, field, value FROM lineage) l USING (entity, code, field)
    WHERE g.value IS DISTINCT FROM l.value
    ORDER BY ALL LIMIT 20`);
}

/**
 * Lineage rows whose supplier is not the record survivorship must pick, by the rule as the README
 * states it, written out here independently of golden.ts: among the records of the same entity
 * and code holding the field, the highest priority, then the latest updated_at (none sorts
 * first), then the later changed run, then the greater source key. Also rows whose supplier does
 * not exist or does not hold the value.
 */
export async function lineageOutranked(ws: Workspace): Promise<Record<string, unknown>[]> {
  const fields = ['name', 'employer_name', 'employer_uscc', 'phone', 'legal_representative', 'legal_representative_id_number', 'address'];
  const fieldOf = (alias: string) => `CASE l.field ${fields.map((f) => `WHEN '${f}' THEN ${alias}.${f}`).join(' ')} END`;
  const beats = `(s.priority > w.priority OR (s.priority = w.priority AND (coalesce(s.updated_at, '') > coalesce(w.updated_at, '')
    OR (coalesce(s.updated_at, '') = coalesce(w.updated_at, '') AND (s.changed_run_no > w.changed_run_no
    OR (s.changed_run_no = w.changed_run_no AND s.source_key > w.source_key))))))`;
  return ws.rows(`
    SELECT l.entity, l.code, l.field, l.pipeline, l.source_key, 'outranked by ' || s.pipeline || '/' || s.source_key AS problem
    FROM lineage l
    JOIN source_record w ON w.pipeline = l.pipeline AND w.source_key = l.source_key
    JOIN source_record s ON s.entity = l.entity AND s.one_code = l.code AND ${fieldOf('s')} IS NOT NULL AND ${beats}
    WHERE l.source = 'record'
    UNION ALL
    SELECT l.entity, l.code, l.field, l.pipeline, l.source_key, 'supplier does not hold the value'
    FROM lineage l LEFT JOIN source_record w ON w.pipeline = l.pipeline AND w.source_key = l.source_key
    WHERE l.source = 'record' AND (w.one_code IS DISTINCT FROM l.code OR w.entity <> l.entity OR w.changed_run_id <> l.run_id
      OR ${fieldOf('w')} IS DISTINCT FROM l.value)
    ORDER BY ALL LIMIT 20`);
}
