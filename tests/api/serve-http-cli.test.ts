/**
 * `onecode serve --http` as a process: refused without a token file or on a host that is not
 * loopback (unless --http-public), started on port 0 with no schedule and no broker (the API is
 * something to serve), its address in the log, answering, and a clean stop on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onecode } from '../support/cli.ts';
import { loadPipelineFolder } from '../../src/config/load-pipelines.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { waitFor, workspaceFiles } from '../support/api-serve.ts';
import { indexedSample } from '../support/indexed-sample.ts';
import { REPO, type Workspace } from '../support/workspace.ts';

let ws: Workspace;
/** The sample's folder, index file, pipelines folder and pipelines; the index is closed for serve to open. */
let sample: { dir: string; db: string; pipelinesDir: string; pipelines: Pipeline[] };
beforeAll(async () => {
  ws = await indexedSample(31);
  ws.index.close();
  const files = workspaceFiles(ws);
  sample = { dir: ws.dir, ...files, pipelines: await loadPipelineFolder(files.pipelinesDir) };
}, 300_000);
afterAll(async () => ws?.dispose());

const quiet = { KAFKA_BROKERS: '', ONECODE_LOG_LEVEL: 'silent' };

describe('onecode serve --http', () => {
  it('refuses to start without ONECODE_TOKENS_FILE, naming it and onecode token add, before opening the index', async () => {
    const never = path.join(sample.dir, 'never.duckdb');
    const r = await onecode(['serve', '--pipelines', sample.pipelinesDir, '--db', never, '--http'], { cwd: sample.dir, env: { ...quiet, ONECODE_TOKENS_FILE: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('onecode: --http needs API tokens: ONECODE_TOKENS_FILE is not set: name the token file (e.g. export ONECODE_TOKENS_FILE=$HOME/.onecode/tokens.json; onecode token add NAME --role analyst)\n');
    expect(await stat(never).then(() => true, () => false)).toBe(false);
  });

  it('refuses a host that is not loopback unless --http-public, and a malformed address', async () => {
    const env = { ...quiet, ONECODE_TOKENS_FILE: path.join(sample.dir, 'tokens.json') };
    const open = await onecode(['serve', '--pipelines', sample.pipelinesDir, '--db', sample.db, '--http', '0.0.0.0:7373'], { cwd: sample.dir, env });
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/^onecode: --http 0\.0\.0\.0:7373: 0\.0\.0\.0 is not a loopback address; .* pass --http-public/);
    const bad = await onecode(['serve', '--pipelines', sample.pipelinesDir, '--db', sample.db, '--http', 'localhost:99999'], { cwd: sample.dir, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^onecode: --http localhost:99999: use HOST:PORT/);
  });

  it('starts with no schedule and no broker, logs where it listens, answers, and stops cleanly on SIGTERM', async () => {
    const tokensFile = path.join(sample.dir, 'tokens.json');
    const env = { ...process.env, CI: 'true', KAFKA_BROKERS: '', ONECODE_LOG_LEVEL: 'info', ONECODE_TOKENS_FILE: tokensFile };
    const added = await onecode(['token', 'add', 'ops', '--role', 'operator'], { cwd: sample.dir, env: { ONECODE_TOKENS_FILE: tokensFile } });
    expect(added.code, added.stderr).toBe(0);
    const token = added.stdout.trim();
    expect(token).toMatch(/^oc_[A-Za-z0-9_-]{43}$/);
    const listed = await onecode(['token', 'list'], { cwd: sample.dir, env: { ONECODE_TOKENS_FILE: tokensFile } });
    expect(listed.stdout).toMatch(/^ops\toperator\t\d{4}-\d\d-\d\dT/);
    expect(listed.stdout).not.toContain(token);

    const serve = spawn(process.execPath, [path.join(REPO, 'bin/onecode.js'), 'serve', '--pipelines', sample.pipelinesDir, '--db', sample.db, '--http', '127.0.0.1:0'], { cwd: sample.dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const logs: Array<Record<string, unknown>> = [];
    const other: string[] = [];
    const reading = (async () => {
      for await (const line of createInterface({ input: serve.stderr! })) {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          other.push(line);
        }
      }
    })();
    try {
      const listening = await waitFor('serve to listen', async () => logs.find((l) => l.msg === 'http listening') ?? (serve.exitCode === null ? undefined : Promise.reject(new Error(other.join('\n')))));
      const origin = String(listening.origin);
      expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(logs.find((l) => l.msg === 'no pipeline has a schedule: runs start through the API only')).toBeDefined();
      expect(await (await fetch(`${origin}/healthz`)).json()).toEqual({ status: 'ok' });
      const pipelines = (await (await fetch(`${origin}/api/v1/pipelines`, { headers: { authorization: `Bearer ${token}` } })).json()) as { pipelines: Array<{ name: string }> };
      expect(pipelines.pipelines.map((p) => p.name)).toEqual(sample.pipelines.map((p) => p.name));
      expect((await fetch(`${origin}/api/v1/pipelines`)).status).toBe(401);
    } finally {
      const exited = once(serve, 'exit');
      serve.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      await reading;
      expect(code).toBe(0);
    }
    expect(other).toEqual([]);
    expect(logs.at(-1)?.msg).toBe('stopped');
    expect(JSON.stringify(logs)).not.toContain(token);
    expect(logs.filter((l) => l.msg === 'http request').map((l) => `${l.method} ${l.route} ${l.status} ${l.principal}`)).toEqual([
      'GET /healthz 200 null',
      'GET /api/v1/pipelines 200 ops',
      'GET /api/v1/pipelines 401 null',
    ]);
  });
});
