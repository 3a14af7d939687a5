/**
 * The CLI while `onecode serve --http` holds the index: run, push, lookup, query, audit and status
 * reach serve through its API with the owner tokens of its state file, as cli:<OS user>, instead
 * of being refused or reading a snapshot (there is none).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, workspaceFiles } from '../support/api-serve.ts';
import { onecode } from '../support/cli.ts';
import { indexedSample, richPerson } from '../support/indexed-sample.ts';
import { REPO, type Workspace } from '../support/workspace.ts';

let ws: Workspace;
let db: string;
let pipelinesDir: string;
let rich: { id: string; alias15: string; uscc: string };
let serve: ChildProcess;
const logs: Array<Record<string, unknown>> = [];
const user = `cli:${os.userInfo().username}`;
let env: Record<string, string>;

beforeAll(async () => {
  ws = await indexedSample(41);
  rich = await richPerson(ws);
  ws.index.close();
  ({ db, pipelinesDir } = workspaceFiles(ws));
  env = { KAFKA_BROKERS: '', ONECODE_LOG_LEVEL: 'info', ONECODE_TOKENS_FILE: path.join(ws.dir, 'tokens.json') };
  serve = spawn(process.execPath, [path.join(REPO, 'bin/onecode.js'), 'serve', '--pipelines', pipelinesDir, '--db', db, '--http', '127.0.0.1:0'], {
    cwd: ws.dir, env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  void (async () => {
    for await (const line of createInterface({ input: serve.stderr! })) logs.push(JSON.parse(line) as Record<string, unknown>);
  })();
  await waitFor('serve to listen', async () => logs.find((l) => l.msg === 'http listening'), 60_000);
}, 300_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = once(serve, 'exit');
    serve.kill('SIGTERM');
    await exited;
  }
  await ws?.dispose();
});

const cli = (args: string[]) => onecode([...args, '--db', db], { cwd: ws.dir, env: { ONECODE_LOG_LEVEL: 'silent', ONECODE_TOKENS_FILE: '' } });
const viaServe = new RegExp(`^onecode: the index is held by onecode serve \\(pid ${'\\d+'}\\); .* through its API at http://127\\.0\\.0\\.1:\\d+\\n`);

describe('the CLI while serve --http holds the index', () => {
  it('keeps no snapshot', async () => {
    expect(await stat(`${db}.snapshot`).then(() => true, () => false)).toBe(false);
  });

  it('status reads the live index through the API', async () => {
    const r = await cli(['status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(viaServe);
    const status = JSON.parse(r.stdout) as { persons: number; records: unknown[] };
    expect(status.persons).toBeGreaterThan(0);
    expect(status.records).toHaveLength(7); // five systems and the two files of the licence library
  });

  it('lookup: the steward document in clear, masked with --role analyst, refused for an operator', async () => {
    const clear = await cli(['lookup', rich.alias15]);
    expect(clear.code, clear.stderr).toBe(0);
    expect(JSON.parse(clear.stdout)).toMatchObject({ code: rich.id, person: { id_number: rich.id } });
    const masked = await cli(['lookup', rich.id, '--role', 'analyst']);
    expect(masked.code, masked.stderr).toBe(0);
    expect(masked.stdout).not.toContain(rich.id);
    expect(JSON.parse(masked.stdout).code).toBe(`${rich.id.slice(0, 6)}${'*'.repeat(11)}${rich.id.slice(17)}`);
    const operator = await cli(['lookup', rich.id, '--role', 'operator']);
    expect(operator.code).toBe(2);
    expect(operator.stderr).toContain("onecode: the token's role does not have the right to this");
    const invalid = await cli(['lookup', '12345']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^onecode: not a valid code \(/m);
  });

  it('query: rows as without serve; a result over the API limit is cut, said, and exits 1', async () => {
    const r = await cli(['query', `SELECT id_number FROM persons WHERE id_number = '${rich.id}'`, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ id_number: rich.id }]);
    const big = await cli(['query', 'SELECT * FROM range(10005) t(n)', '--format', 'csv']);
    expect(big.code).toBe(1);
    expect(big.stdout.trim().split('\n')).toHaveLength(10_001); // the header and 10,000 rows
    expect(big.stderr).toContain('the result was cut at 10000 rows');
    const refused = await cli(['query', 'DELETE FROM run_log']);
    expect(refused.code).toBe(2);
  });

  it('audit lists the accesses made through serve as cli:<user>, channel cli', async () => {
    const r = await cli(['audit', '--code', rich.id, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout) as { code: string; codes: string[]; accesses: Array<Record<string, unknown>> };
    expect(answer.code).toBe(rich.id);
    expect(answer.codes).toContain(rich.alias15);
    const seen = answer.accesses.map((a) => `${a.who} ${a.role} ${a.channel} ${a.action} ${a.policy}`);
    expect(seen).toContain(`${user} steward cli lookup clear`);
    expect(seen).toContain(`${user} analyst cli lookup mask`);
  });

  it('run queues each pipeline in serve, waits for its run and prints the summary', async () => {
    const r = await cli(['run', 'subsidy-payments', 'bookkeeping-agencies', 'procurement-suppliers', '--pipelines', pipelinesDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(viaServe);
    expect(r.stdout).toMatch(/subsidy-payments\s*│\s*succeeded/);
    expect(r.stdout).toMatch(/bookkeeping-agencies\s*│\s*succeeded/);
    expect(r.stdout).toMatch(/procurement-suppliers\s*│\s*succeeded/);
    expect(r.stdout).toContain('counts add up');
    const runs = await cli(['query', "SELECT pipeline, trigger FROM runs WHERE trigger = 'api' ORDER BY run_no", '--format', 'json']);
    // one run each, in the folder's order as `run` takes them
    expect(JSON.parse(runs.stdout)).toEqual([{ pipeline: 'bookkeeping-agencies', trigger: 'api' }, { pipeline: 'procurement-suppliers', trigger: 'api' }, { pipeline: 'subsidy-payments', trigger: 'api' }]);
    // the legacy codes line, with the runs' own counts (the suppliers hold organisation codes)
    const linkage = await cli(['query', "SELECT sum(linked)::INT AS linked, sum(unlinked)::INT AS unlinked, sum(relinked)::INT AS relinked FROM runs WHERE trigger = 'api'", '--format', 'json']);
    const counts = (JSON.parse(linkage.stdout) as Array<{ linked: number; unlinked: number; relinked: number }>)[0]!;
    expect(counts.linked + counts.unlinked + counts.relinked).toBeGreaterThan(0);
    expect(r.stdout).toContain(`legacy codes: ${counts.linked} row(s) linked to a one code, ${counts.unlinked} waiting unlinked for it; ${counts.relinked} record(s) of earlier runs whose link changed`);
    const refused = await cli(['run', '--all', '--allow-deletes', '--pipelines', pipelinesDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds the index: it runs pipelines as scheduled, without --allow-deletes or --run-date/);
  });

  it('push without a broker in serve says so (exit 2)', async () => {
    const r = await cli(['push']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no broker \(it was started without KAFKA_BROKERS\)/);
  });

  it("logs serve's requests as cli:<user> with route patterns, and no owner token anywhere in the log", async () => {
    const requests = logs.filter((l) => l.msg === 'http request');
    expect(requests.some((l) => l.principal === user && l.route === '/api/v1/lookup/:code')).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(rich.id);
  });
});
