/**
 * `POST /api/v1/exports` on a real serve over the indexed sample, through real HTTP: a steward's
 * export is written under ONECODE_EXPORT_ROOT and answered with the manifest that is on disk (SM3
 * of every file checkable); the client names the folder, never its path (a separator, `..` or an
 * absolute path is refused before anything is written); no root configured, no export; one export
 * at a time; an earlier export is replaced only with `overwrite`; every export is in access_log
 * with channel `api`; messages name the export, not serve's folder.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportManifest } from '../../src/export/export-index.ts';
import { connectToIndex } from '../../src/index/open-index.ts';
import { startApiServe, type ApiServe } from '../support/api-serve.ts';
import { indexedSample } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';

let sample: Workspace;
let api: ApiServe;
let root: string;
/** serve's environment: the route reads it at each request. */
const env: NodeJS.ProcessEnv = { ...process.env, ONECODE_ANALYST_POLICY: 'mask', ONECODE_EXPORT_POLICY: '' };

beforeAll(async () => {
  sample = await indexedSample(31);
  root = await mkdtemp(path.join(os.tmpdir(), 'onecode-export-root-'));
  env.ONECODE_EXPORT_ROOT = root;
  api = await startApiServe(sample, { env });
}, 300_000);

afterAll(async () => {
  await api?.stop();
  await sample?.dispose();
  if (root) await rm(root, { recursive: true, force: true });
});

const post = async (body: unknown, role: 'operator' | 'analyst' | 'steward' = 'steward') => {
  const response = await api.request('/api/v1/exports', { method: 'POST', role, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('POST /api/v1/exports', () => {
  it('writes a steward\'s export under the root and answers with its manifest, files and SM3 as on disk', async () => {
    const r = await post({ name: 'nightly', views: ['persons', 'runs'], partition_by: 'region' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const manifest = r.body as unknown as ExportManifest;
    expect(manifest).toMatchObject({ format: 'onecode.export.v1', policy: 'public=clear,internal=clear,personal=mask', partition_by: 'region' });
    const onDisk = JSON.parse(await readFile(path.join(root, 'nightly', 'manifest.json'), 'utf8')) as ExportManifest;
    expect(manifest).toEqual(onDisk);
    expect(manifest.views.map((v) => v.view)).toEqual(['persons', 'runs']);
    const c = await connectToIndex(api.index);
    try {
      expect(manifest.views[0]!.rows).toBe(Number((await c.runAndReadAll('SELECT count(*) FROM persons')).getRows()[0]![0]));
    } finally {
      c.closeSync();
    }
    for (const v of manifest.views) {
      for (const f of v.files) {
        const bytes = await readFile(path.join(root, 'nightly', f.path));
        expect(createHash('sm3').update(bytes).digest('hex')).toBe(f.sm3);
      }
    }
    // nothing but the export under the root
    expect(await readdir(root)).toEqual(['nightly']);
    const again = await post({ name: 'nightly', views: ['runs'] });
    expect(again).toEqual({ status: 409, body: { error: 'export_target_exists', message: "export 'nightly': holds an earlier export; pass --overwrite to replace it, or choose another --out" } });
    const replaced = await post({ name: 'nightly', views: ['runs'], overwrite: true });
    expect(replaced.status).toBe(200);
    expect((JSON.parse(await readFile(path.join(root, 'nightly', 'manifest.json'), 'utf8')) as ExportManifest).views.map((v) => v.view)).toEqual(['runs']);
  });

  it('takes a name, never a path: separators, dots and absolute paths are refused before anything is written', async () => {
    for (const name of ['../escape', '/tmp/escape', 'a/b', '..', '.hidden', 'a.partial-1-00000000', '']) {
      const r = await post({ name, views: ['runs'] });
      expect({ name, status: r.status, error: r.body.error }).toEqual({ name, status: 400, error: 'request_invalid' });
    }
    expect(await readdir(root)).toEqual(['nightly']);
    expect((await readdir(path.dirname(root))).filter((f) => f === 'escape')).toEqual([]);
    const badView = await post({ name: 'x', views: ['source_record'] });
    expect(badView.status).toBe(400);
    const leak = await post({ name: 'x', partition_by: 'region', policy: 'internal=mask' });
    expect(leak).toMatchObject({ status: 400, body: { error: 'export_partition_refused' } });
    const badPolicy = await post({ name: 'x', policy: 'personal=blur' });
    expect(badPolicy).toMatchObject({ status: 400, body: { error: 'export_policy_invalid' } });
  });

  it('is a steward\'s only, runs one export at a time, and needs a root', async () => {
    for (const role of ['operator', 'analyst'] as const) expect((await post({ name: 'theirs' }, role)).status).toBe(403);
    const both = await Promise.all([post({ name: 'first' }), post({ name: 'second' })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(both.find((r) => r.status === 409)!.body).toEqual({ error: 'export_running', message: 'an export is being written: ask again when it has ended' });
    delete env.ONECODE_EXPORT_ROOT;
    try {
      const r = await post({ name: 'nowhere', views: ['runs'] });
      expect(r).toMatchObject({ status: 409, body: { error: 'export_unconfigured' } });
    } finally {
      env.ONECODE_EXPORT_ROOT = root;
    }
    expect((await readdir(root)).sort()).toEqual([...['nightly', both[0]!.status === 200 ? 'first' : 'second']].sort());
  });

  it('records every export in access_log as the token\'s, channel api', async () => {
    const c = await connectToIndex(api.index);
    try {
      const rows = (await c.runAndReadAll(`SELECT who, role, channel, outcome, query FROM access_log WHERE action = 'export' ORDER BY access_no`)).getRowObjectsJson();
      expect(rows.map((r) => [r.who, r.role, r.channel, r.outcome])).toEqual([
        ['sam-steward', 'steward', 'api', 'ok'], ['sam-steward', 'steward', 'api', 'ok'], ['sam-steward', 'steward', 'api', 'ok'],
      ]);
      expect(String(rows[0]!.query)).toBe(`export parquet to ${path.join(root, 'nightly')}; views persons,runs; partition_by region; policy public=clear,internal=clear,personal=mask`);
    } finally {
      c.closeSync();
    }
  });
});
