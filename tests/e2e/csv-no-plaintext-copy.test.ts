import { spawn } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personId } from '../support/csv-files.ts';
import { createWorkspace, REPO, type Workspace } from '../support/workspace.ts';

// Issue 8: a GBK file used to be decoded to a UTF-8 copy in /tmp that survived a kill -9 with
// every ID number and name in it. Now nothing decoded is written outside the index.
const SECRET_ID = personId(888);
const SECRET_NAME = '上官示例';

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const full = path.join(dir, entry);
    const info = await lstat(full).catch(() => undefined);
    if (info?.isDirectory()) yield* files(full);
    else if (info?.isFile()) yield full;
  }
}

describe('a GBK file leaves no plaintext copy, even when the run is killed', () => {
  let ws: Workspace;
  beforeAll(async () => (ws = await createWorkspace()));
  afterAll(async () => ws.dispose());

  it('killed with SIGKILL while staging: no file outside the index holds a decoded value', async () => {
    for (const d of ['data', 'tmp', 'index', 'pipelines']) await mkdir(path.join(ws.dir, d));
    const lines = ['身份证号,姓名,工作单位'];
    for (let i = 0; i < 800_000; i++) lines.push(i === 150_000 ? `${SECRET_ID},${SECRET_NAME},示例单位` : `${personId((i % 900) + 1)},陈明${i},福州示例会计服务有限公司`);
    await writeFile(path.join(ws.dir, 'data/staff.gbk.csv'), iconv.encode(lines.join('\n') + '\n', 'gbk'));
    await writeFile(path.join(ws.dir, 'pipelines/staff.yaml'), stringify({
      system: '会计人员管理系统', entity: 'person',
      connector: { kind: 'csv', path: '../data/staff.gbk.csv', encoding: 'gbk' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    }));
    const tmp = path.join(ws.dir, 'tmp');
    const run = () => spawn(process.execPath, [path.join(REPO, 'bin/onecode.js'), 'run', '--all', '--pipelines', path.join(ws.dir, 'pipelines'), '--db', path.join(ws.dir, 'index/cli.duckdb')], {
      env: { ...process.env, CI: 'true', TMPDIR: tmp, ONECODE_LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    const child = run();
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Staging has begun once the connector's temporary entry appears; kill it then.
    const deadline = Date.now() + 60_000;
    let staging: string | undefined;
    while (!staging && Date.now() < deadline) {
      staging = (await readdir(tmp)).find((e) => e.startsWith('onecode-'));
      if (!staging) await new Promise((r) => setTimeout(r, 20));
    }
    expect(staging).toBeDefined();
    // a moment for decoded rows to flow (800,000 rows take seconds to stage, even on a quiet machine)
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const planted = [Buffer.from(SECRET_ID), Buffer.from(SECRET_NAME), Buffer.from('福州示例会计服务有限公司')];
    const leaks: string[] = [];
    for (const dir of [tmp, path.join(ws.dir, 'index')]) {
      for await (const file of files(dir)) {
        // The index file and its write-ahead log are the index.
        if (/cli\.duckdb(\.wal)?$/.test(file)) continue;
        const bytes = await readFile(file);
        if (planted.some((p) => bytes.includes(p))) leaks.push(file);
      }
    }
    expect(leaks).toEqual([]);

    // The killed run's empty pipe is removed by the next run (of a small export), which leaves
    // nothing of its own.
    expect((await readdir(tmp)).filter((e) => e.startsWith('onecode-pipe-'))).toHaveLength(1);
    await writeFile(path.join(ws.dir, 'data/staff.gbk.csv'), iconv.encode(lines.slice(0, 11).join('\n') + '\n', 'gbk'));
    const again = run();
    expect(await new Promise((resolve) => again.on('exit', (code) => resolve(code)))).toBe(0);
    expect((await readdir(tmp)).filter((e) => e.startsWith('onecode-'))).toEqual([]);
  }, 180_000);
});
