/**
 * Issue 8: a pipeline's `connector.path` is confined to its folder, the `data` folder beside it and
 * ONECODE_DATA_ROOTS (symbolic links resolved), and must be a regular file: a directory, a device or
 * a FIFO is refused naming `file:line: connector.path`, at load time and again when a run starts.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { checkSourcePath, dataRootsFromEnv } from '../../src/config/source-path.ts';
import { onecode } from '../support/cli.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

const CSV = '身份证号,姓名\n350102198503171237,陈明\n';

/** A pipeline file whose connector.path is on line 4. */
function pipelineText(sourcePath: string): string {
  return [
    'system: 会计人员管理系统',
    'entity: person',
    'connector:',
    `  path: ${JSON.stringify(sourcePath)}`,
    '  kind: csv',
    'mapping: { id_number: 身份证号, name: 姓名 }',
    'source_key: [身份证号]',
  ].join('\n') + '\n';
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code: string; exitCode: number }> {
  return promise.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e as Error & { code: string; exitCode: number });
}

describe('connector.path', () => {
  let ws: Workspace;
  let pipelines: string;
  beforeEach(async () => {
    ws = await createWorkspace();
    pipelines = path.join(ws.dir, 'pipelines');
    await mkdir(pipelines);
    await mkdir(path.join(ws.dir, 'data'));
  });
  afterEach(async () => ws.dispose());

  const write = async (sourcePath: string, name = 'staff'): Promise<string> => {
    const file = path.join(pipelines, `${name}.yaml`);
    await writeFile(file, pipelineText(sourcePath));
    return file;
  };

  it('may name a file in the pipeline folder, the data folder beside it, or ONECODE_DATA_ROOTS', async () => {
    await writeFile(path.join(pipelines, 'here.csv'), CSV);
    await writeFile(path.join(ws.dir, 'data', 'beside.csv'), CSV);
    const elsewhere = path.join(ws.dir, 'exports');
    await mkdir(elsewhere);
    await writeFile(path.join(elsewhere, 'root.csv'), CSV);

    expect(((await loadPipeline(await write('here.csv'))).connector as { path: string }).path).toBe('here.csv');
    expect(((await loadPipeline(await write('../data/beside.csv'))).connector as { path: string }).path).toBe('../data/beside.csv');
    // Not there yet: allowed (a missing file fails the run, not the configuration).
    await loadPipeline(await write('../data/later.csv'));
    const file = await write(path.join(elsewhere, 'root.csv'));
    const refused = await rejection(loadPipeline(file));
    expect(refused).toMatchObject({ code: 'config_invalid', exitCode: 2 });
    expect(refused.message).toBe(`${file}:4: connector.path: ${path.join(elsewhere, 'root.csv')} is outside the folders a pipeline may read (${pipelines}, ${path.join(ws.dir, 'data')}); move the file there or add its folder to ONECODE_DATA_ROOTS`);
    expect(((await loadPipeline(file, { dataRoots: [elsewhere] })).connector as { path: string }).path).toBe(path.join(elsewhere, 'root.csv'));
    expect(dataRootsFromEnv({ ONECODE_DATA_ROOTS: `/srv/a${path.delimiter}${path.delimiter}rel` }, '/work')).toEqual(['/srv/a', '/work/rel']);
  });

  it('refuses ../../etc/passwd and /etc/passwd as configuration errors naming file:line: connector.path', async () => {
    for (const source of ['../../../../../../../etc/passwd', '/etc/passwd', '../data/../../../../../../../../etc/passwd']) {
      const file = await write(source);
      const error = await rejection(loadPipeline(file));
      expect(error).toMatchObject({ code: 'config_invalid', exitCode: 2 });
      expect(error.message).toMatch(new RegExp(`^${escape(file)}:4: connector\\.path: /etc/passwd is outside the folders a pipeline may read`));
      expect(error.message.split('\n')).toHaveLength(1);
    }
  });

  it('resolves symbolic links: a link out of the allowed folders is refused, a link within them is read', async () => {
    await symlink('/etc/passwd', path.join(ws.dir, 'data', 'innocent.csv'));
    const escaping = await rejection(loadPipeline(await write('../data/innocent.csv')));
    expect(escaping.message).toContain(`:4: connector.path: ${path.join(ws.dir, 'data', 'innocent.csv')} (through a symbolic link, to /etc/passwd) is outside the folders`);
    // A linked folder leading out is refused too, and so is a folder link leading to a file that does not exist yet.
    await symlink('/etc', path.join(ws.dir, 'data', 'etc'));
    expect((await rejection(loadPipeline(await write('../data/etc/passwd')))).message).toContain('(through a symbolic link, to /etc/passwd) is outside');
    expect((await rejection(loadPipeline(await write('../data/etc/not-there.csv')))).message).toContain('(through a symbolic link, to /etc/not-there.csv) is outside');

    await writeFile(path.join(ws.dir, 'data', 'real.csv'), CSV);
    await symlink(path.join(ws.dir, 'data', 'real.csv'), path.join(pipelines, 'link.csv'));
    const p = await loadPipeline(await write('link.csv'));
    expect(await checkSourcePath(p as never)).toEqual({ declared: path.join(pipelines, 'link.csv'), real: path.join(ws.dir, 'data', 'real.csv'), exists: true });
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', loaded: 1 });
  });

  it('refuses a directory, a device and a FIFO, at load time and when a run starts, without hanging', async () => {
    await mkdir(path.join(ws.dir, 'data', 'folder.csv'));
    const dir = await rejection(loadPipeline(await write('../data/folder.csv')));
    expect(dir.message).toBe(`${path.join(pipelines, 'staff.yaml')}:4: connector.path: ${path.join(ws.dir, 'data', 'folder.csv')} is a directory, not a regular file`);

    execFileSync('mkfifo', [path.join(ws.dir, 'data', 'fifo.csv')]);
    const fifo = await rejection(loadPipeline(await write('../data/fifo.csv')));
    expect(fifo.message).toMatch(/staff\.yaml:4: connector\.path: .*fifo\.csv is a FIFO \(named pipe\), not a regular file$/);

    // /dev/zero: outside the folders by default; with /dev as a data root, refused as a device.
    expect((await rejection(loadPipeline(await write('/dev/zero')))).message).toMatch(/:4: connector\.path: \/dev\/zero is outside the folders/);
    const device = await rejection(loadPipeline(await write('/dev/zero'), { dataRoots: ['/dev'] }));
    expect(device.message).toMatch(/staff\.yaml:4: connector\.path: \/dev\/zero is a device, not a regular file$/);
    await symlink('/dev/zero', path.join(ws.dir, 'data', 'zero.csv'));
    expect((await rejection(loadPipeline(await write('../data/zero.csv')))).message).toContain('(through a symbolic link, to /dev/zero) is outside');

    // The file changes after the pipeline was loaded: the run refuses it, recorded as a failed run.
    await writeFile(path.join(ws.dir, 'data', 'later.csv'), CSV);
    const p = await loadPipeline(await write('../data/later.csv'));
    for (const make of [
      async () => mkdir(path.join(ws.dir, 'data', 'later.csv')),
      async () => execFileSync('mkfifo', [path.join(ws.dir, 'data', 'later.csv')]),
      async () => symlink('/dev/zero', path.join(ws.dir, 'data', 'later.csv')),
    ]) {
      await rm(path.join(ws.dir, 'data', 'later.csv'), { recursive: true, force: true });
      await make();
      const started = Date.now();
      const run = await ws.run(p);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(run.status).toBe('failed');
      expect(['source_not_file', 'source_path_refused']).toContain(run.errorCode);
      expect(run.error).toMatch(new RegExp(`^${escape(path.join(pipelines, 'staff.yaml'))}:4: connector\\.path: `));
    }
    await rm(path.join(ws.dir, 'data', 'later.csv'), { recursive: true, force: true });
    expect(await ws.run(p)).toMatchObject({ status: 'failed', errorCode: 'source_missing', error: `${path.join(ws.dir, 'data', 'later.csv')}: file not found (pipeline staff, connector.path)` });
    const runs = await ws.rows(`SELECT status, error_code FROM runs ORDER BY run_no`);
    expect(runs).toEqual([
      { status: 'failed', error_code: 'source_not_file' },
      { status: 'failed', error_code: 'source_not_file' },
      { status: 'failed', error_code: 'source_path_refused' },
      { status: 'failed', error_code: 'source_missing' },
    ]);
  });

  it('the CLI refuses an escaping or special source with exit 2 and one line, and runs the valid pipelines beside it', async () => {
    await writeFile(path.join(ws.dir, 'data', 'good.csv'), CSV);
    await write('../data/good.csv', 'good');
    await write('../../../../../../etc/passwd', 'passwd');
    await mkdir(path.join(ws.dir, 'data', 'dir.csv'));
    await write('../data/dir.csv', 'folder');
    await write('/dev/zero', 'zero');
    const db = path.join(ws.dir, 'cli.duckdb');
    const run = await onecode(['run', '--all', '--pipelines', 'pipelines', '--db', db], { cwd: ws.dir });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      `onecode: pipelines/folder.yaml:4: connector.path: ${path.join(ws.dir, 'data', 'dir.csv')} is a directory, not a regular file`,
      `onecode: pipelines/passwd.yaml:4: connector.path: /etc/passwd is outside the folders a pipeline may read (${pipelines}, ${path.join(ws.dir, 'data')}); move the file there or add its folder to ONECODE_DATA_ROOTS`,
      `onecode: pipelines/zero.yaml:4: connector.path: /dev/zero is outside the folders a pipeline may read (${pipelines}, ${path.join(ws.dir, 'data')}); move the file there or add its folder to ONECODE_DATA_ROOTS`,
    ]);
    expect(run.stdout).toMatch(/│ good +│ succeeded │ 1 +│ 1 /);
    expect(run.stdout).toContain('3 pipeline file(s) invalid, not run: pipelines/folder.yaml, pipelines/passwd.yaml, pipelines/zero.yaml');
    const device = await onecode(['run', 'zero', '--pipelines', 'pipelines', '--db', db], { cwd: ws.dir, env: { ONECODE_DATA_ROOTS: '/dev' } });
    expect(device).toMatchObject({ code: 2, stdout: '', stderr: 'onecode: pipelines/zero.yaml:4: connector.path: /dev/zero is a device, not a regular file\n' });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
