import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

describe('pipeline files', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const write = async (text: string) => {
    const file = `${ws.dir}/staff.yaml`;
    await writeFile(file, text);
    return file;
  };
  const valid = [
    'system: 会计人员管理系统',
    'entity: person',
    'connector: { kind: csv, path: staff.csv, encoding: gbk }',
    'mapping: { id_number: 身份证号, name: 姓名 }',
    'source_key: [身份证号]',
  ];

  it('a valid file loads with defaults and its name from the file', async () => {
    const p = await loadPipeline(await write(valid.join('\n')));
    expect(p).toMatchObject({ name: 'staff', priority: 50, mode: 'snapshot', max_delete_share: 0.2, timezone: 'Asia/Shanghai' });
  });

  it('an invalid file is rejected naming the file, the line and the field path', async () => {
    const file = await write([...valid.slice(0, 2), 'connector: { kind: csv, path: staff.csv, encoding: big5 }', ...valid.slice(3), 'priority: high'].join('\n'));
    const error = (await loadPipeline(file).then(() => undefined, (e: unknown) => e)) as Error & { code: string; exitCode: number };
    expect(error).toMatchObject({ code: 'config_invalid', exitCode: 2 });
    expect(error.message).toContain(`${file}:3: connector.encoding:`);
    expect(error.message).toContain(`${file}:6: priority:`);
  });

  it('a person pipeline without the one code, and YAML syntax errors, are rejected', async () => {
    const noCode = await write(valid.filter((l) => !l.startsWith('mapping')).concat('mapping: { name: 姓名 }').join('\n'));
    await expect(loadPipeline(noCode)).rejects.toThrow(/mapping: an entity 'person' pipeline must map id_number/);
    const broken = await write('system: [unclosed\n');
    await expect(loadPipeline(broken)).rejects.toThrow(/staff\.yaml:\d+: YAML syntax error/);
  });

  it('a column classified secret cannot be mapped or keyed, and is never stored', async () => {
    const mapped = await write([...valid, 'classification: { 姓名: secret }'].join('\n'));
    await expect(loadPipeline(mapped)).rejects.toThrow(/classification\.姓名: '姓名' is classified secret.*mapping\.name/);

    await writeFile(`${ws.dir}/staff.csv`, '身份证号,姓名,密码\n350102198503171237,陈明,hunter2\n');
    const p = await ws.writePipeline('secretive', {
      system: 's', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'], classification: { 密码: 'secret' },
    });
    expect((await ws.run(p)).status).toBe('succeeded');
    const missing = await ws.writePipeline('misnamed', {
      system: 's', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: '身份证号码', name: '姓名' }, source_key: ['身份证号码'],
    });
    const failed = await ws.run(missing);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'header_mismatch' });
    expect(failed.error).toMatch(/staff\.csv:1: column\(s\) '身份证号码' named in .*misnamed\.yaml/);
    const [r] = await ws.rows(`SELECT payload FROM records`);
    expect(JSON.parse(String(r!.payload))).toEqual({ 身份证号: '350102198503171237', 姓名: '陈明' });
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM changes WHERE contains(event, 'hunter2')`)).toEqual([{ n: 0 }]);
  });
});
