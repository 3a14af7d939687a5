/**
 * Sink files: validated with the file, line and field of every problem, secrets only by variable
 * name; and `onecode deliver` over a declared file sink, end to end through the CLI.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSink } from '../../src/sinks/open-sink.ts';
import { loadSink, readSinkFolder } from '../../src/sinks/sink-config.ts';
import { insertEvents } from '../push/outbox-fixtures.ts';
import { openSinkOutbox, REPO } from './sink-fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'onecode-sink-config-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sink files', () => {
  it('reads an exchange-table and a file sink, with the policy parsed and the folder resolved from the file', async () => {
    const sinks = path.join(dir, 'ok');
    await mkdir(sinks);
    await writeFile(path.join(sinks, 'front-db.yaml'), 'kind: exchange-table\ndialect: mysql\nurl_env: FRONT_DB_URL\npolicy: personal=pseudonymise\n');
    await writeFile(path.join(sinks, 'drop.yaml'), 'kind: file\nfolder: ../drop\nformat: csv\npolicy: { personal: mask, internal: drop }\n');
    const folder = await readSinkFolder(sinks);
    expect(folder.problems).toEqual([]);
    expect(folder.sinks.map((s) => [s.name, s.kind, s.policy])).toEqual([
      ['drop', 'file', { public: 'clear', internal: 'drop', personal: 'mask' }],
      ['front-db', 'exchange-table', { public: 'clear', internal: 'clear', personal: 'pseudonymise' }],
    ]);
    expect(folder.sinks[0]).toMatchObject({ folder: path.join(dir, 'drop'), batch_size: 1000 });
    expect(folder.sinks[1]).toMatchObject({ table_prefix: 'onecode_', dialect: 'mysql' });
  });

  it('names the file, line and field of every problem; one bad file does not hide the others', async () => {
    const sinks = path.join(dir, 'bad');
    await mkdir(sinks);
    await writeFile(path.join(sinks, 'a.yaml'), 'kind: exchange-table\ndialect: oracle\nurl_env: FRONT_DB_URL\npolicy: personal=clear\n');
    await writeFile(path.join(sinks, 'b.yaml'), 'kind: file\nfolder: x\npolicy: secret=clear\n');
    await writeFile(path.join(sinks, 'c.yaml'), 'kind: file\nfolder: x\n');
    await writeFile(path.join(sinks, 'd.yaml'), 'kind: file\nfolder: x\npolicy: personal=clear\n');
    const folder = await readSinkFolder(sinks);
    expect(folder.sinks.map((s) => s.name)).toEqual(['d']);
    expect(folder.problems).toHaveLength(3);
    expect(folder.problems[0]).toMatch(new RegExp(`^${path.join(sinks, 'a.yaml')}:2: dialect: `));
    expect(folder.problems[1]).toMatch(new RegExp(`^${path.join(sinks, 'b.yaml')}:3: policy: secret values are never stored`));
    expect(folder.problems[2]).toMatch(new RegExp(`^${path.join(sinks, 'c.yaml')}:1: policy: required: what leaves per class`));
  });

  it('refuses a URL written in the file and names the variable, never its value, when it is unset', async () => {
    const file = path.join(dir, 'url.yaml');
    await writeFile(file, 'kind: exchange-table\ndialect: postgres\nurl: postgres://u:secret@h/db\nurl_env: FRONT_DB_URL\npolicy: personal=clear\n');
    await expect(loadSink(file)).rejects.toThrow(/url\.yaml:1: \(top level\): Unrecognized key: "url"/);
    await writeFile(file, 'kind: exchange-table\ndialect: postgres\nurl_env: FRONT_DB_URL\npolicy: personal=clear\n');
    await expect(openSink(await loadSink(file), {})).rejects.toThrow(/environment variable FRONT_DB_URL is not set/);
    const error = await openSink(await loadSink(file), { FRONT_DB_URL: 'http://u:secret@h/db' }).catch((e: Error) => e);
    expect(String(error)).toMatch(/FRONT_DB_URL holds no postgres:\/\/ or postgresql:\/\/ URL/);
    expect(String(error)).not.toContain('secret');
  });

  it('onecode deliver delivers to the declared sinks and prints one line per sink; again, nothing more', async () => {
    const sinks = path.join(dir, 'cli-sinks');
    const drop = path.join(dir, 'cli-drop');
    await mkdir(sinks);
    await mkdir(drop);
    await writeFile(path.join(sinks, 'drop.yaml'), `kind: file\nfolder: ${drop}\npolicy: personal=clear\nbatch_size: 40\n`);
    const outbox = await openSinkOutbox(path.join(dir, 'cli.duckdb'));
    await insertEvents(outbox.connection, { count: 100, keys: 20 });
    outbox.close();
    const deliver = () => promisify(execFile)('npx', ['tsx', 'src/cli.ts', 'deliver', '--db', path.join(dir, 'cli.duckdb'), '--sinks', sinks], { cwd: REPO });
    expect((await deliver()).stdout).toBe('{"sink":"drop","delivered":100,"parked":0,"held":0,"lastSeq":100}\n');
    expect((await readdir(drop)).filter((f) => f.endsWith('.manifest.json'))).toHaveLength(3);
    expect((await deliver()).stdout).toBe('{"sink":"drop","delivered":0,"parked":0,"held":0,"lastSeq":100}\n');
    const status = await promisify(execFile)('npx', ['tsx', 'src/cli.ts', 'status', '--db', path.join(dir, 'cli.duckdb')], { cwd: REPO }).catch((e: { stdout: string; stderr: string }) => e);
    expect(status.stdout).toContain('sink drop (file): at seq 100, 100 delivered, 0 parked, 0 held, 0 to deliver');
  }, 120_000);
});
