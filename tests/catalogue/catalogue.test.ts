/**
 * Issue 12, "The catalogue": every sample pipeline carries an entry that agrees with its mapping;
 * `onecode catalogue` exports the entries as JSON and as CSV in the guide's columns; `onecode check`
 * warns of a missing entry and fails on one that disagrees with the mapping, naming file, line and
 * field, never a value; a malformed entry is refused where it is written.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE_CSV_COLUMNS } from '../../src/catalogue/catalogue-table.ts';
import { catalogueFindings } from '../../src/catalogue/entry-findings.ts';
import { DuckDBInstance } from '../../src/index/duckdb-api.ts';
import { loadPipeline, readPipelineFolder } from '../../src/config/load-pipelines.ts';
import { onecode } from '../support/cli.ts';
import { csvBytes, personId } from '../support/csv-files.ts';
import { createWorkspace, REPO, type Workspace } from '../support/workspace.ts';

/** A complete entry for a person pipeline mapping id_number and name. */
const entry = (items: Array<{ field: string; name: string }>) => ({
  resource_name: '测试人员信息',
  resource_code: '301099001/000007',
  provider: '样例省测试厅',
  provider_code: '113500007485260534',
  classification: '部门信息资源/样例省测试厅',
  abstract: '测试用的人员信息。',
  format: '电子表格',
  data_items: items.map((i, n) => ({ ...i, type: 'C', code: `CS${String(n + 1).padStart(4, '0')}` })),
  sharing: { type: 'conditional', conditions: '仅供测试', method: '文件' },
  open: 'not_open',
  update_cycle: 'monthly',
  publish_date: '2026-06-01',
});
const base = { system: '测试系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' }, mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'] };

let ws: Workspace;
let db: string;
beforeAll(async () => {
  ws = await createWorkspace();
  ws.index.close();
  db = path.join(ws.dir, 'catalogue.duckdb');
  await writeFile(path.join(ws.dir, 'staff.csv'), csvBytes(['身份证号,姓名', ...[1, 2, 3].map((n) => `${personId(n)},人${n}`)]));
});
afterAll(async () => {
  await rm(ws.dir, { recursive: true, force: true });
});

describe('the sample pipelines', () => {
  it.each(['pipelines', 'examples/databases'])('%s: every pipeline has an entry that agrees with its mapping', async (folder) => {
    const { pipelines, invalid } = await readPipelineFolder(path.join(REPO, folder));
    expect(invalid).toEqual([]);
    expect(pipelines.length).toBeGreaterThan(0);
    for (const p of pipelines) {
      expect(p.catalogue, p.name).toBeDefined();
      expect(catalogueFindings(p), p.name).toEqual([]);
    }
  });
});

describe('catalogue findings', () => {
  it('a missing entry is a warning naming the file; a disagreeing one is an error per field, with the line of its declaration', async () => {
    const missing = await ws.writePipeline('no-entry', base);
    expect(catalogueFindings(missing)).toEqual([expect.objectContaining({ code: 'catalogue_missing', severity: 'warning', file: missing.file, line: 1 })]);

    const off = await ws.writePipeline('off', { ...base, mapping: { ...base.mapping, phone: '手机号' },
      catalogue: entry([{ field: 'id_number', name: '公民身份号码' }, { field: 'birth_date', name: '出生日期' }, { field: 'birth_date', name: '出生日期二' }]) });
    const text = await readFile(off.file, 'utf8');
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const findings = catalogueFindings(off);
    expect(findings.map((f) => [f.code, f.severity, f.field, f.line])).toEqual([
      ['data_item_not_mapped', 'error', 'birth_date', lineOf('data_items:')],
      ['data_item_twice', 'error', 'birth_date', lineOf('data_items:')],
      ['mapped_field_not_a_data_item', 'error', 'name', lineOf('name: 姓名')],
      ['mapped_field_not_a_data_item', 'error', 'phone', lineOf('phone: 手机号')],
    ]);
    expect(findings.every((f) => f.file === off.file && f.pipeline === 'off')).toBe(true);
  });

  it('refuses a malformed entry where it is written: resource code, provider code, conditions, data type', async () => {
    const bad = { ...entry([{ field: 'id_number', name: '公民身份号码' }, { field: 'name', name: '姓名' }]), resource_code: '9-01/x', provider_code: '11350000748526053', sharing: { type: 'not_shared', method: '无' } };
    bad.data_items[1] = { ...bad.data_items[1]!, type: 'string' };
    const file = path.join(ws.dir, 'bad.yaml');
    await writeFile(file, stringify({ name: 'bad', ...base, catalogue: bad }));
    const error = await loadPipeline(file).catch((e: Error & { code?: string }) => e);
    expect(error).toMatchObject({ code: 'config_invalid' });
    const lines = (error as Error).message.split('\n');
    const text = await readFile(file, 'utf8');
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^${file}:${lineOf('resource_code:')}: catalogue\\.resource_code: `)),
      expect.stringMatching(new RegExp(`^${file}:${lineOf('provider_code:')}: catalogue\\.provider_code: `)),
      expect.stringMatching(/: catalogue\.sharing\.conditions: .*共享条件/),
      expect.stringMatching(/: catalogue\.data_items\.1\.type: /),
    ]));
    expect(lines).toHaveLength(4);

    // an unquoted code of 18 digits is a YAML number: told to quote it
    await writeFile(file, stringify({ name: 'bad', ...base, catalogue: entry([{ field: 'id_number', name: '公民身份号码' }, { field: 'name', name: '姓名' }]) }).replace("provider_code: \"113500007485260534\"", 'provider_code: 113500007485260534'));
    expect(await readFile(file, 'utf8')).toContain('provider_code: 113500007485260534\n');
    await expect(loadPipeline(file)).rejects.toThrow(/catalogue\.provider_code: quote the provider code/);
  });
});

describe('the placeholder onecode discover writes (TODO)', () => {
  it('loads, is an error per key saying what to write there, and a run delivers its changes without codes', async () => {
    const items = [{ field: 'id_number', name: '公民身份号码' }, { field: 'name', name: '姓名' }];
    const todo = { ...entry(items), resource_code: 'TODO', provider_code: 'TODO', publish_date: 'TODO', provider: 'TODO' };
    todo.data_items[1] = { ...todo.data_items[1]!, code: 'TODO' };
    await writeFile(path.join(ws.dir, 'todo.yaml'), stringify({ name: 'todo', ...base, catalogue: todo }));
    const pipeline = await loadPipeline(path.join(ws.dir, 'todo.yaml'));
    const text = await readFile(pipeline.file, 'utf8');
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(catalogueFindings(pipeline).map((f) => [f.code, f.severity, f.key, f.line])).toEqual([
      ['catalogue_todo', 'error', 'catalogue.resource_code', lineOf('resource_code:')],
      ['catalogue_todo', 'error', 'catalogue.provider', lineOf('provider: TODO')],
      ['catalogue_todo', 'error', 'catalogue.provider_code', lineOf('provider_code:')],
      ['catalogue_todo', 'error', 'catalogue.publish_date', lineOf('publish_date:')],
      ['catalogue_todo', 'error', 'catalogue.data_items[].code', lineOf('data_items:')],
    ]);
    expect(catalogueFindings(pipeline)[0]!.message).toBe('catalogue.resource_code is TODO: write the resource code the catalogue office assigned (信息资源代码: classification code, `/`, sequence code, e.g. 201003001/000012)');
    // a code that is neither the placeholder nor a code is still refused
    await writeFile(path.join(ws.dir, 'todo.yaml'), stringify({ name: 'todo', ...base, catalogue: { ...todo, resource_code: 'todo' } }));
    await expect(loadPipeline(path.join(ws.dir, 'todo.yaml'))).rejects.toThrow(/catalogue\.resource_code: a resource code is/);

    await writeFile(path.join(ws.dir, 'todo.yaml'), stringify({ name: 'todo', ...base, catalogue: todo }));
    const todoDb = path.join(ws.dir, 'todo.duckdb');
    const ran = await onecode(['run', 'todo', '--pipelines', ws.dir, '--db', todoDb], { cwd: ws.dir });
    expect(ran.code, ran.stderr).toBe(0);
    const reader = await (await DuckDBInstance.create(todoDb, { access_mode: 'READ_ONLY' })).connect();
    try {
      const rows = (await reader.runAndReadAll(`SELECT count(*)::INT AS events, count(resource_code)::INT AS resource, count(provider_code)::INT AS provider FROM outbox`)).getRowObjectsJson();
      expect(rows).toEqual([{ events: 3, resource: 0, provider: 0 }]);
    } finally {
      reader.closeSync();
    }
  });
});

describe('onecode catalogue', () => {
  it('exports the sample entries as JSON: one per pipeline, with its pipeline, system and entity', async () => {
    const r = await onecode(['catalogue', '--pipelines', path.join(REPO, 'pipelines')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { entries: Array<Record<string, unknown>>; missing: string[] };
    const { pipelines } = await readPipelineFolder(path.join(REPO, 'pipelines'));
    expect(out.missing).toEqual([]);
    expect(out.entries.map((e) => e.pipeline)).toEqual(pipelines.map((p) => p.name).sort());
    for (const e of out.entries) {
      const p = pipelines.find((x) => x.name === e.pipeline)!;
      expect(e).toEqual({ pipeline: p.name, system: p.system, entity: p.entity, ...p.catalogue });
    }
  });

  it('writes CSV in the guide\'s columns to --out, the enumerations in its words; a pipeline without an entry is warned of', async () => {
    const folder = path.join(ws.dir, 'two');
    await mkdir(folder);
    await writeFile(path.join(folder, 'staff.csv'), await readFile(path.join(ws.dir, 'staff.csv')));
    await writeFile(path.join(folder, 'no-entry.yaml'), stringify({ name: 'no-entry', ...base }));
    await writeFile(path.join(folder, 'with-entry.yaml'), stringify({ name: 'with-entry', ...base, catalogue: entry([{ field: 'id_number', name: '公民身份号码' }, { field: 'name', name: '姓名' }]) }));
    const out = path.join(ws.dir, 'catalogue.csv');
    const r = await onecode(['catalogue', '--format', 'csv', '--out', out, '--pipelines', folder]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('onecode: warning: pipeline no-entry has no catalogue entry (docs/catalogue.md)\n');
    expect(r.stdout).toBe(`${out}\t1 entries\tcsv\n`);
    const bytes = await readFile(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.toString('utf8').slice(1), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...CATALOGUE_CSV_COLUMNS]);
    expect(rows).toEqual([{
      信息资源分类: '部门信息资源/样例省测试厅', 信息资源名称: '测试人员信息', 信息资源代码: '301099001/000007', 信息资源提供方: '样例省测试厅',
      信息资源提供方代码: '113500007485260534', 信息资源摘要: '测试用的人员信息。', 信息资源格式: '电子表格',
      信息项信息: '公民身份号码(字符型,CS0001)；姓名(字符型,CS0002)', 共享类型: '有条件共享', 共享条件: '仅供测试', 共享方式: '文件',
      开放属性: '不予开放', 更新周期: '每月', 发布日期: '2026-06-01', 数据管道: 'with-entry',
    }]);
  });
});

describe('onecode check of the entry', () => {
  it('warns of a missing entry and exits 0; an entry that disagrees exits 1, naming file, line and field, never a value', async () => {
    await writeFile(path.join(ws.dir, 'staff.yaml'), stringify({ name: 'staff', ...base }));
    const missing = await onecode(['check', 'staff', '--pipelines', ws.dir, '--db', db], { cwd: ws.dir });
    expect(missing.code).toBe(0);
    expect(missing.stdout).toContain(`catalogue entry:\n  ${path.join(ws.dir, 'staff.yaml')}:1: staff: warning catalogue_missing: no catalogue entry`);

    await writeFile(path.join(ws.dir, 'staff.yaml'), stringify({ name: 'staff', ...base, catalogue: entry([{ field: 'id_number', name: '公民身份号码' }]) }));
    const off = await onecode(['check', 'staff', '--pipelines', ws.dir, '--db', db, '--json'], { cwd: ws.dir });
    expect(off.code).toBe(1);
    const report = JSON.parse(off.stdout) as { status: string; catalogue: Array<Record<string, unknown>> };
    expect(report.status).toBe('succeeded');
    const nameLine = (await readFile(path.join(ws.dir, 'staff.yaml'), 'utf8')).split('\n').indexOf('  name: 姓名') + 1;
    expect(nameLine).toBeGreaterThan(1);
    expect(report.catalogue).toEqual([expect.objectContaining({ code: 'mapped_field_not_a_data_item', severity: 'error', field: 'name', file: path.join(ws.dir, 'staff.yaml'), line: nameLine })]);
    expect(off.stdout).not.toContain(personId(1));
    expect(off.stdout).not.toContain('人1');

    await writeFile(path.join(ws.dir, 'staff.yaml'), stringify({ name: 'staff', ...base, catalogue: entry([{ field: 'id_number', name: '公民身份号码' }, { field: 'name', name: '姓名' }]) }));
    const agrees = await onecode(['check', 'staff', '--pipelines', ws.dir, '--db', db], { cwd: ws.dir });
    expect(agrees.code).toBe(0);
    expect(agrees.stdout).toContain('catalogue entry: agrees with the mapping\n');
  });
});
