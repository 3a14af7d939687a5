/**
 * Issue 8: `onecode serve` starts with the valid pipelines and logs the invalid ones (a YAML syntax
 * error, a source outside the allowed folders, a bad schedule, two files with one name), one error
 * entry per file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIndex } from '../../src/index/open-index.ts';
import { REPO } from '../support/workspace.ts';

type LogLine = Record<string, unknown> & { msg: string };

const pipeline = (lines: string[]) => lines.join('\n') + '\n';
const GOOD = [
  'system: 会计人员管理系统',
  'entity: person',
  'connector: { kind: csv, path: ../data/staff.csv }',
  'mapping: { id_number: 身份证号, name: 姓名 }',
  'source_key: [身份证号]',
  "schedule: '* * * * * *'",
];

describe('onecode serve with invalid pipeline files beside valid ones', () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-serve-partial-'));
    await mkdir(path.join(dir, 'pipelines'));
    await mkdir(path.join(dir, 'data'));
    await writeFile(path.join(dir, 'data', 'staff.csv'), '身份证号,姓名\n350102198503171237,陈明\n');
    const file = (name: string, text: string) => writeFile(path.join(dir, 'pipelines', name), text);
    await file('good.yaml', pipeline(GOOD));
    await file('syntax.yaml', 'system: [unclosed\n');
    await file('escape.yaml', pipeline([...GOOD.slice(0, 2), 'connector: { kind: csv, path: /etc/passwd }', ...GOOD.slice(3)]));
    await file('bad-cron.yaml', pipeline([...GOOD.slice(0, 5), "schedule: '0 25 * * *'"]));
    await file('twin-1.yaml', pipeline(['name: twin', ...GOOD]));
    await file('twin-2.yaml', pipeline(['name: twin', ...GOOD]));
  });
  afterAll(async () => {
    if (serve && serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the valid pipeline, logs each invalid file, and stops cleanly', async () => {
    const logs: LogLine[] = [];
    const other: string[] = [];
    serve = spawn(process.execPath, [path.join(REPO, 'bin/onecode.js'), 'serve', '--pipelines', 'pipelines', '--db', 'index.duckdb'], {
      cwd: dir,
      env: { ...process.env, CI: 'true', KAFKA_BROKERS: '', ONECODE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = once(serve, 'exit');
    const reading = (async () => {
      for await (const line of createInterface({ input: serve!.stderr! })) {
        try {
          logs.push(JSON.parse(line) as LogLine);
        } catch {
          other.push(line);
        }
      }
    })();
    const deadline = Date.now() + 90_000;
    while (!logs.some((l) => l.msg === 'scheduled run succeeded') && Date.now() < deadline && serve.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    serve.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    await reading;
    expect(other).toEqual([]);
    expect(code).toBe(0);

    expect(logs.filter((l) => l.msg === 'scheduled run succeeded').every((l) => l.pipeline === 'good')).toBe(true);
    expect(logs.filter((l) => l.msg === 'scheduled run succeeded').length).toBeGreaterThanOrEqual(1);
    expect(logs.find((l) => l.msg === 'serving')).toMatchObject({ pipelines: 1 });
    const invalid = logs.filter((l) => l.msg === 'invalid pipeline file: not served').map((l) => ({ level: l.level, file: l.file, problems: l.problems }));
    const at = (name: string) => path.join('pipelines', name);
    expect(invalid).toEqual([
      { level: 50, file: at('escape.yaml'), problems: [`${at('escape.yaml')}:3: connector.path: /etc/passwd is outside the folders a pipeline may read (${path.join(dir, 'pipelines')}, ${path.join(dir, 'data')}); move the file there or add its folder to ONECODE_DATA_ROOTS`] },
      { level: 50, file: at('syntax.yaml'), problems: [`${at('syntax.yaml')}:2: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`] },
      { level: 50, file: at('twin-1.yaml'), problems: [`${at('twin-1.yaml')}:1: name: pipeline name 'twin' is also used by ${at('twin-2.yaml')}: neither file is used until one is renamed`] },
      { level: 50, file: at('twin-2.yaml'), problems: [`${at('twin-2.yaml')}:1: name: pipeline name 'twin' is also used by ${at('twin-1.yaml')}: neither file is used until one is renamed`] },
      { level: 50, file: path.join(dir, 'pipelines', 'bad-cron.yaml'), problems: [expect.stringMatching(new RegExp(`^${path.join(dir, 'pipelines', 'bad-cron')}\\.yaml:6: schedule: '0 25 \\* \\* \\*' is not a cron expression \\(`))] },
    ]);

    const index = await openIndex(path.join(dir, 'index.duckdb'));
    try {
      const runs = (await index.connection.runAndReadAll(`SELECT DISTINCT pipeline, status FROM runs`)).getRowObjectsJson();
      expect(runs).toEqual([{ pipeline: 'good', status: 'succeeded' }]);
    } finally {
      index.close();
    }
  });
});
