/**
 * `onecode discover` on hand-made CSV files: pinyin headers, ambiguous headers decided by their
 * values, identifiers' roles following the entity, secret candidates, delete flags, and the
 * safety of what is printed (no value, no YAML from a column name).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { postgresConnector } from '../../connectors/postgres.ts';
import { mysqlConnector } from '../../connectors/mysql.ts';
import { discover } from '../../src/discover/discover-command.ts';
import { guessPipeline } from '../../src/discover/guess-mapping.ts';
import { profileColumns } from '../../src/discover/profile-columns.ts';
import { proposePipeline } from '../../src/discover/propose-pipeline.ts';
import { ExtractError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { createProject, mobileOf, personId, usccOf, type Project } from './discover-files.ts';

let project: Project;
beforeEach(async () => {
  project = await createProject();
});
afterEach(async () => project.dispose());

/** `n` rows from a row function, after a header. */
const table = (header: string, n: number, row: (i: number) => string) => [header, ...Array.from({ length: n }, (_, i) => row(i + 1))];

describe('pinyin headers', () => {
  it('sfzh, xm, xb, csrq, sjh, gzdw, gxsj map to their fields and scbz becomes deleted_when', async () => {
    await project.writeCsv('renyuan.csv', table('SFZH,XM,XB,CSRQ,SJH,GZDW,GXSJ,SCBZ', 30, (i) =>
      `${personId(i)},测试${i},${i % 2 ? '男' : '女'},1985-03-17,${mobileOf(i)},示例单位${i % 3},2025-06-${String(i % 28 + 1).padStart(2, '0')} 08:00:00,${i % 10 === 0 ? 1 : 0}`));
    const { yaml } = await project.discoverCsv('renyuan.csv', { system: '人员库' });
    const p = await project.load('renyuan', yaml);
    expect(p.entity).toBe('person');
    expect(p.mapping).toEqual({ id_number: 'SFZH', name: 'XM', sex: 'XB', birth_date: 'CSRQ', phone: 'SJH', employer_name: 'GZDW', updated_at: 'GXSJ' });
    expect(p.source_key).toEqual(['SFZH']);
    expect(p.deleted_when).toEqual({ column: 'SCBZ', values: ['1'] });
    expect(p.mode).toBe('incremental'); // a delete flag cannot go with a snapshot; csv reads no cursor
    expect(p.classification).toEqual({ SFZH: 'personal', XM: 'personal', CSRQ: 'personal', SJH: 'personal' });
    expect(yaml).toMatch(/GXSJ could serve as a cursor .* but this connector does not read by cursor/);
  });

  it('normalises case, full-width letters, separators and bracketed notes before matching', async () => {
    await project.writeCsv('mixed.csv', table('ＳＦＺＨ,姓名（必填）,Mobile-Phone,update_Time', 5, (i) => `${personId(i)},测试${i},${mobileOf(i)},2025-01-01 00:00:0${i}`));
    const p = await project.load('mixed', (await project.discoverCsv('mixed.csv')).yaml);
    expect(p.mapping).toEqual({ id_number: 'ＳＦＺＨ', name: '姓名（必填）', phone: 'Mobile-Phone', updated_at: 'update_Time' });
  });
});

describe('values decide', () => {
  it('证件号码 holding resident ID numbers is a person source keyed by it', async () => {
    await project.writeCsv('ids.csv', table('证件号码,姓名', 20, (i) => `${personId(i)},测试${i}`));
    const p = await project.load('ids', (await project.discoverCsv('ids.csv')).yaml);
    expect(p).toMatchObject({ entity: 'person', mapping: { id_number: '证件号码', name: '姓名' }, source_key: ['证件号码'] });
  });

  it('证件号码 holding USCCs is a legal-person source keyed by it', async () => {
    await project.writeCsv('orgs.csv', table('证件号码,名称,法定代表人', 20, (i) => `${usccOf(i)},示例公司${i},测试${i}`));
    const { yaml } = await project.discoverCsv('orgs.csv');
    const p = await project.load('orgs', yaml);
    expect(p).toMatchObject({ entity: 'legal_person', mapping: { uscc: '证件号码', name: '名称', legal_representative: '法定代表人' }, source_key: ['证件号码'] });
    expect(yaml).toContain('the header names no kind; 100% of 20 values are valid usccs');
  });

  it('证件号码 holding neither is not mapped, and the one code is left TODO', async () => {
    await project.writeCsv('other.csv', table('证件号码,姓名', 20, (i) => `ABC${i},测试${i}`));
    const { yaml } = await project.discoverCsv('other.csv');
    expect(yaml).toContain('id_number: TODO # TODO: the column holding the one code');
    expect(yaml).toContain('no identifier kind has 50% of the values: not mapped');
    const p = await project.load('other', yaml); // valid all the same: the TODOs are values to replace
    expect(p.mapping.id_number).toBe('TODO');
  });

  it('an identifier header whose values are another kind is overruled by them', async () => {
    await project.writeCsv('wrong.csv', table('身份证号,单位名称', 20, (i) => `${usccOf(i)},示例公司${i}`));
    const { yaml } = await project.discoverCsv('wrong.csv');
    const p = await project.load('wrong', yaml);
    expect(p).toMatchObject({ entity: 'legal_person', mapping: { uscc: '身份证号', name: '单位名称' } });
    expect(yaml).toContain('the header says resident id, but 0% of 20 values are; 100% of 20 values are valid usccs');
  });

  it('a header nobody lists is mapped by its values (ID numbers, phones)', async () => {
    await project.writeCsv('cols.csv', table('c1,c2,c3', 20, (i) => `${personId(i)},${mobileOf(i)},x${i}`));
    const p = await project.load('cols', (await project.discoverCsv('cols.csv')).yaml);
    expect(p.mapping).toEqual({ id_number: 'c1', phone: 'c2' });
    expect(p.classification).toEqual({ c1: 'personal', c2: 'personal' });
  });
});

describe('roles follow the entity', () => {
  it('in a person source a USCC column is the employer\'s', async () => {
    await project.writeCsv('staff.csv', table('身份证号,姓名,统一社会信用代码,单位名称', 20, (i) => `${personId(i)},测试${i},${usccOf(i % 4)},示例公司${i % 4}`));
    const p = await project.load('staff', (await project.discoverCsv('staff.csv')).yaml);
    expect(p).toMatchObject({ entity: 'person', mapping: { id_number: '身份证号', name: '姓名', employer_uscc: '统一社会信用代码', employer_name: '单位名称' } });
  });

  it('in a legal-person source a plain ID number column is the legal representative\'s', async () => {
    await project.writeCsv('corps.csv', table('统一社会信用代码,企业名称,法人代表,身份证号', 20, (i) => `${usccOf(i)},示例公司${i},测试${i},${personId(i)}`));
    const p = await project.load('corps', (await project.discoverCsv('corps.csv')).yaml);
    expect(p).toMatchObject({
      entity: 'legal_person',
      mapping: { uscc: '统一社会信用代码', name: '企业名称', legal_representative: '法人代表', legal_representative_id_number: '身份证号' },
      classification: { 法人代表: 'personal', 身份证号: 'personal' },
    });
  });

  it('a repeating ID number beside a unique serial is a business record keyed by the serial', async () => {
    await project.writeCsv('pay.csv', table('ywbh,sfzh,xm,je', 20, (i) => `P${1000 + i},${personId(i % 5 + 1)},测试${i % 5},${i}.00`));
    const { yaml } = await project.discoverCsv('pay.csv');
    const p = await project.load('pay', yaml);
    expect(p).toMatchObject({ entity: 'record', mapping: { id_number: 'sfzh', name: 'xm' }, source_key: ['ywbh'], mode: 'incremental' });
  });

  it('--entity overrides the guess', async () => {
    await project.writeCsv('ids.csv', table('身份证号,姓名', 5, (i) => `${personId(i)},测试${i}`));
    const p = await project.load('ids', (await project.discoverCsv('ids.csv', { entity: 'record' })).yaml);
    expect(p.entity).toBe('record');
    expect(p.mapping.id_number).toBe('身份证号');
  });
});

describe('a connector that reads by cursor', () => {
  it('gets mode cursor on an updated-at column holding timestamps, deletes from its flag', async () => {
    const columns = ['id', 'sfzh', 'xm', 'gxsj', 'is_deleted'].map((name) => ({ name }));
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: String(i + 1), sfzh: personId(i + 1), xm: `测试${i}`, gxsj: `2025-06-01T08:00:0${i}+08:00`, is_deleted: i === 3 ? 'true' : 'false' }));
    const guess = guessPipeline(profileColumns(columns, rows, '2026-01-01'), { capabilities: { snapshot: true, cursor: true, newOnly: false } });
    expect(guess).toMatchObject({ mode: 'cursor', cursor: { column: 'gxsj', usable: true }, deleteFlag: { column: 'is_deleted', values: ['true'] } });
    const yaml = proposePipeline({ guess, source: { uri: 'postgres://host/db?table=staff', label: 'staff', positionKind: 'ordinal' }, sampled: { rows: 10, unreadable: 0 }, system: '测试', connector: { kind: 'csv', path: 'x.csv' }, saveAs: 'pipelines/staff.yaml' });
    const p = await project.load('staff', yaml);
    expect(p).toMatchObject({ mode: 'cursor', cursor: { column: 'gxsj', lag_seconds: 300 }, deleted_when: { column: 'is_deleted', values: ['true'] }, source_key: ['sfzh'] });
    expect(yaml).toContain('# its header names an update time and 100% of its 10 values are timestamps; lag_seconds: how late a change may commit\ncursor:');
  });

  it('without a delete flag says that a cursor read sees no deleted row', () => {
    const columns = ['sfzh', 'updated_at'].map((name) => ({ name, type: name === 'updated_at' ? 'timestamp without time zone' : 'character varying(18)' }));
    const rows = Array.from({ length: 3 }, (_, i) => ({ sfzh: personId(i + 1), updated_at: null }));
    const guess = guessPipeline(profileColumns(columns, rows, '2026-01-01'), { capabilities: { snapshot: true, cursor: true, newOnly: false } });
    expect(guess.cursor).toEqual({ column: 'updated_at', usable: true, why: 'its header names an update time and its type is timestamp without time zone' });
    expect(guess.modeWhy).toContain('a cursor read never sees a row deleted from the source');
  });
});

describe('secret candidates and flags', () => {
  it('passwords and bank card numbers are proposed secret, with a comment saying why', async () => {
    await project.writeCsv('acct.csv', table('身份证号,姓名,银行卡号,登录密码', 5, (i) => `${personId(i)},测试${i},62220200000000${i}000,pw${i}secret`));
    const { yaml } = await project.discoverCsv('acct.csv');
    const p = await project.load('acct', yaml);
    expect(p.classification).toMatchObject({ 银行卡号: 'secret', 登录密码: 'secret' });
    expect(yaml).toMatch(/银行卡号: secret # a bank card or account number: sensitive personal information \(PIPL Art\. 28\)/);
    expect(yaml).toContain('登录密码: secret # a password or token: never stored');
  });

  it('a valid flag (yxbz) deletes the rows that are not valid, in the case the column writes', async () => {
    await project.writeCsv('flag.csv', table('sfzh,xm,yxbz', 10, (i) => `${personId(i)},测试${i},Y`));
    const p = await project.load('flag', (await project.discoverCsv('flag.csv')).yaml);
    expect(p.deleted_when).toEqual({ column: 'yxbz', values: ['N'] });
  });

  it('a delete flag holding words outside the yes/no lists is left TODO, as a comment', async () => {
    await project.writeCsv('flag2.csv', table('sfzh,xm,删除标志', 10, (i) => `${personId(i)},测试${i},${i % 2 ? 'A' : 'B'}`));
    const { yaml } = await project.discoverCsv('flag2.csv');
    expect(yaml).toContain('# TODO: deleted_when: { column: "删除标志", values: [TODO] }');
    const p = await project.load('flag2', yaml);
    expect(p.deleted_when).toBeUndefined();
  });
});

describe('what is printed', () => {
  it('never a value of the source', async () => {
    const rows = table('证件号码,姓名,联系电话,地址,银行卡号', 20, (i) => `${personId(i)},张${i}明,${mobileOf(i)},福建省福州市示例路${i}号,62220200000000${i}000`);
    await project.writeCsv('people.csv', rows);
    const { yaml } = await project.discoverCsv('people.csv');
    const values = rows.slice(1).flatMap((r) => r.split(','));
    expect(values.length).toBe(100);
    expect(values.filter((v) => yaml.includes(v))).toEqual([]);
  });

  it('a first row of data taken for a header is refused, naming positions only', async () => {
    await project.writeCsv('noheader.csv', [`${personId(1)},测试,${mobileOf(1)}`, `${personId(2)},测试,${mobileOf(2)}`]);
    const error = await project.discoverCsv('noheader.csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractError);
    expect((error as ExtractError).code).toBe('header_looks_like_data');
    expect((error as Error).message).toContain('column(s) 1, 3 look like data');
    expect((error as Error).message).not.toContain(personId(1));
    expect((error as Error).message).not.toContain(mobileOf(1));
  });

  it('a column name holding a line break stays inside its comment', async () => {
    // The csv connector refuses such a header; a JSON key can hold anything.
    await writeFile(path.join(project.data, 'names.ndjson'), `${JSON.stringify({ 身份证号: personId(1), 'x\nsystem: injected': 'a', 姓名: '测试' })}\n`);
    const { yaml } = await discover({ connector: 'ndjson', options: ['path=data/names.ndjson'], system: '测试', cwd: project.dir, logger: createLogger({ level: 'silent' }) });
    const doc = parseDocument(yaml);
    expect(doc.errors).toEqual([]);
    expect(doc.get('system')).toBe('测试');
    expect(yaml).toContain('x\\u000asystem: injected | - | -');
  });

  it('a sample of N rows says so; a proposal of a wide table moves its column table to stderr to stay loadable', async () => {
    const header = Array.from({ length: 400 }, (_, i) => `extra_column_${i}`).join(',');
    await project.writeCsv('wide.csv', [`身份证号,${header}`, ...Array.from({ length: 3 }, (_, r) => `${personId(r + 1)},${Array.from({ length: 400 }, () => 'v').join(',')}`)]);
    const found = await project.discoverCsv('wide.csv', { rows: 2 });
    expect(found.yaml).toContain('from the first 2 row(s) of wide.csv');
    expect(found.yaml).toContain('The column table is on stderr');
    expect(found.notes).toHaveLength(402);
    expect(found.notes[0]).toBe('column | type | proposed | evidence');
    await project.load('wide', found.yaml);
  });
});

describe('a database source: a cursor only on a column type the connector accepts', () => {
  // The capabilities of the real connectors: their own rule of which types can bound a cursor.
  const postgres = postgresConnector.capabilities(postgresConnector.options.parse({ kind: 'postgres', url_env: 'DB_URL', table: 'public.staff' }));
  const mysql = mysqlConnector.capabilities(mysqlConnector.options.parse({ kind: 'mysql', url_env: 'DB_URL', table: 'staff' }));
  const times = (i: number) => `2026-03-${String(i + 1).padStart(2, '0')} 08:00:00`;
  /** Columns sfzh, 更新时间 of the given type (and 删除标志), with rows whose update times look like timestamps. */
  function guessFor(updatedType: string, can = postgres, flag = false) {
    const columns = [{ name: 'sfzh', type: 'character varying(18)' }, { name: '更新时间', type: updatedType }, ...(flag ? [{ name: '删除标志', type: 'character(1)' }] : [])];
    const rows = Array.from({ length: 10 }, (_, i) => ({ sfzh: personId(i + 1), 更新时间: times(i), ...(flag ? { 删除标志: i === 2 ? '1' : '0' } : {}) }));
    return guessPipeline(profileColumns(columns, rows, '2026-01-01'), { capabilities: can });
  }
  const propose = (guess: ReturnType<typeof guessFor>, connector: Record<string, unknown>) => proposePipeline({
    guess, source: { uri: 'postgres://$DB_URL?table=public.staff', label: 'public.staff via $DB_URL', positionKind: 'ordinal' },
    sampled: { rows: 10, unreadable: 0 }, system: '测试', connector, saveAs: 'pipelines/staff.yaml',
  });

  it('a timestamp column is the cursor: mode cursor', async () => {
    const guess = guessFor('timestamp(3) without time zone');
    expect(guess).toMatchObject({ mode: 'cursor', cursor: { column: '更新时间', usable: true, why: 'its header names an update time and its type is timestamp(3) without time zone' } });
    expect(guess.cursor?.refusedType).toBeUndefined();
    const p = await project.load('staff', propose(guess, { kind: 'postgres', url_env: 'DB_URL', table: 'public.staff' }));
    expect(p).toMatchObject({ mode: 'cursor', cursor: { column: '更新时间', lag_seconds: 300 } });
    expect(guessFor('DATETIME(6)', mysql)).toMatchObject({ mode: 'cursor', cursor: { column: '更新时间', usable: true } });
  });

  it('a text column holding timestamps is no cursor: snapshot, with a TODO showing the query that casts it', async () => {
    const guess = guessFor('text');
    expect(guess).toMatchObject({ mode: 'snapshot', cursor: { column: '更新时间', usable: false, refusedType: 'text' } });
    const yaml = propose(guess, { kind: 'postgres', url_env: 'DB_URL', table: 'public.staff' });
    const p = await project.load('staff', yaml);
    expect(p.mode).toBe('snapshot');
    expect(p.cursor).toBeUndefined();
    expect(yaml).toContain('# TODO: 更新时间 holds update times but is of type text, which cannot bound a cursor read. To read only what changed,\n'
      + '#   replace connector.table with query: SELECT *, CAST("更新时间" AS timestamp) AS "更新时间_ts" FROM "public"."staff"\n'
      + '#   then set mode: cursor and cursor: { column: 更新时间_ts, lag_seconds: 300 } (the read fails if a value is no timestamp).\nmode: snapshot # ');
    expect(yaml).toMatch(/^mode: snapshot # .*更新时间 is an update time \(its header names an update time and 100% of its 10 values are timestamps\), but its type text cannot bound a cursor read: see the comment above$/m);
    expect(yaml).not.toMatch(/^cursor:/m);
    // MySQL: its quotes and its DATETIME; a varchar is refused as text is.
    const my = guessFor('VARCHAR(19)', mysql);
    expect(my.cursor).toMatchObject({ usable: false, refusedType: 'VARCHAR(19)' });
    expect(propose(my, { kind: 'mysql', url_env: 'DB_URL', table: 'hr.staff' })).toContain('query: SELECT *, CAST(`更新时间` AS DATETIME) AS `更新时间_ts` FROM `hr`.`staff`\n');
  });

  it('a text column with a delete flag: incremental, deletes from the flag', async () => {
    const guess = guessFor('text', postgres, true);
    expect(guess).toMatchObject({ mode: 'incremental', cursor: { usable: false, refusedType: 'text' }, deleteFlag: { column: '删除标志', values: ['1'] } });
    const p = await project.load('staff', propose(guess, { kind: 'postgres', url_env: 'DB_URL', table: 'public.staff' }));
    expect(p).toMatchObject({ mode: 'incremental', deleted_when: { column: '删除标志', values: ['1'] } });
  });

  it('of two update times, the one the connector accepts is the cursor', () => {
    const columns = [{ name: 'sfzh', type: 'character varying(18)' }, { name: '更新时间', type: 'text' }, { name: 'gxsj', type: 'timestamp with time zone' }];
    const rows = Array.from({ length: 5 }, (_, i) => ({ sfzh: personId(i + 1), 更新时间: times(i), gxsj: `${times(i)}+08:00` }));
    const guess = guessPipeline(profileColumns(columns, rows, '2026-01-01'), { capabilities: postgres });
    expect(guess).toMatchObject({ mode: 'cursor', cursor: { column: 'gxsj', usable: true } });
  });
});
