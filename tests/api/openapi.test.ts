/**
 * /openapi.json against the real answers: every route, for every role, on its success and error
 * paths, is requested over HTTP from a real serve, and the bytes received are parsed and validated
 * (ajv, JSON Schema 2020-12 as OpenAPI 3.1 takes it) against the schema the document gives for
 * that path, method, status and media type. Every operation of the document must have been seen
 * answering with a documented 2xx, and every answer must be documented.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/access/roles.ts';
import { resolveSourcePath } from '../../src/config/load-pipelines.ts';
import { startApiServe, waitFor, type ApiServe } from '../support/api-serve.ts';
import { indexedSample, richPerson } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';
import { createOpenApiChecker, type OpenApiDocument } from '../support/openapi-check.ts';

let sample: Workspace;
let api: ApiServe;
let doc: OpenApiDocument;
let consoleDir: string;
let rich: { id: string; alias15: string; uscc: string };

beforeAll(async () => {
  sample = await indexedSample(29);
  rich = await richPerson(sample);
  consoleDir = await mkdtemp(path.join(os.tmpdir(), 'onecode-console-'));
  await writeFile(path.join(consoleDir, 'index.html'), '<!doctype html><title>onecode</title>');
  await writeFile(path.join(consoleDir, 'app.js'), 'export {};\n');
  api = await startApiServe(sample, { consoleDir, env: { ...process.env, ONECODE_ANALYST_POLICY: 'mask', ONECODE_EXPORT_ROOT: path.join(consoleDir, 'exports') } });
  const response = await api.request('/openapi.json');
  expect(response.status).toBe(200);
  doc = (await response.json()) as OpenApiDocument;
}, 300_000);

afterAll(async () => {
  await api?.stop();
  await sample?.dispose();
  if (consoleDir) await rm(consoleDir, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with a bearer scheme, and every operation documents its answers', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'onecode HTTP API', version: '1' });
    expect(doc.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        expect(Object.keys(operation.responses).some((s) => s.startsWith('2')), `${method} ${path}`).toBe(true);
        for (const [status, response] of Object.entries(operation.responses)) {
          expect(response.content, `${method} ${path} ${status}`).toBeDefined();
        }
      }
    }
  });

  it("describes every real answer of every route, for every role, success and error alike", async () => {
    const checker = createOpenApiChecker(doc);
    const { problems, seen } = checker;
    const check = async (method: string, path: string, options: { role?: Role; token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<number> => {
      const response = await api.request(path, { method, ...options });
      await checker.check(method, path, response, `${method} ${path} as ${options.role ?? (options.token ? 'bad token' : 'nobody')}`);
      return response.status;
    };

    const roles: Role[] = ['operator', 'analyst', 'steward'];
    const everyone = async (method: string, path: string, body?: unknown) => {
      await check(method, path, body === undefined ? {} : { body });
      await check(method, path, { token: 'oc_wrong', ...(body === undefined ? {} : { body }) });
      for (const role of roles) await check(method, path, { role, ...(body === undefined ? {} : { body }) });
    };

    await everyone('GET', '/healthz');
    await everyone('GET', '/openapi.json');
    await everyone('GET', '/');
    await everyone('GET', '/console/app.js');
    await check('GET', '/console/missing.js');
    await check('GET', '/console/bad%20name');
    await everyone('GET', '/metrics');
    await everyone('GET', '/api/v1/whoami');
    await everyone('GET', '/api/v1/status');
    await everyone('GET', '/api/v1/outbox');
    await everyone('POST', '/api/v1/push');
    await everyone('GET', '/api/v1/pipelines');
    await everyone('GET', '/api/v1/catalogue');
    for (const name of ['accounting-staff', 'continuing-education', 'no-such-pipeline']) {
      await everyone('GET', `/api/v1/pipelines/${name}/runs?limit=3`);
      await everyone('GET', `/api/v1/pipelines/${name}/quarantine?limit=5`);
      await everyone('GET', `/api/v1/pipelines/${name}/flags`);
    }
    await check('GET', '/api/v1/pipelines/accounting-staff/runs?limit=0', { role: 'analyst' });
    await check('GET', '/api/v1/pipelines/accounting-staff/quarantine?limit=x', { role: 'analyst' });
    await everyone('POST', '/api/v1/pipelines/no-such-pipeline/runs');
    for (const code of [rich.id, rich.alias15, rich.uscc, '110101199003074514', 'not-a-code']) {
      await everyone('GET', `/api/v1/lookup/${encodeURIComponent(code)}`);
      await everyone('GET', `/api/v1/audit?code=${encodeURIComponent(code)}`);
      await check('GET', `/api/v1/lookup/${encodeURIComponent(code)}`, { role: 'analyst', headers: { 'x-onecode-channel': 'console' } });
    }
    const [held] = await sample.rows(`SELECT one_code, licence_type_code FROM source_record WHERE entity = 'licence' AND one_code IS NOT NULL ORDER BY one_code LIMIT 1`);
    for (const holder of [String(held!.one_code), rich.uscc, 'not-a-code']) {
      await everyone('GET', `/api/v1/materials/${encodeURIComponent(holder)}?needs=${encodeURIComponent(`${String(held!.licence_type_code)},NO-SUCH-TYPE`)}`);
    }
    await check('GET', `/api/v1/materials/${rich.id}?needs=a%3Bb`, { role: 'steward' });
    await check('GET', `/api/v1/materials/${rich.id}`, { role: 'steward' });
    await check('GET', '/api/v1/audit', { role: 'steward' });
    // an export (its manifest), the same name again (409), a name that is a path (400)
    await everyone('POST', '/api/v1/exports', { name: 'openapi', views: ['persons', 'runs'], partition_by: 'region' });
    await check('POST', '/api/v1/exports', { role: 'steward', body: { name: 'openapi', views: ['runs'] } });
    await check('POST', '/api/v1/exports', { role: 'steward', body: { name: '../openapi' } });
    for (const body of [
      { sql: 'SELECT * FROM persons ORDER BY id_number LIMIT 5' },
      { sql: 'SELECT * FROM records ORDER BY one_code LIMIT 5' },
      { sql: 'SELECT * FROM quarantine LIMIT 5' },
      { sql: 'SELECT * FROM range(10)', limit: 3 },
      { sql: 'DELETE FROM runs' },
      { sql: 'SELEC 1' },
      { sql: '' },
      { limit: 3 },
    ]) await everyone('POST', '/api/v1/query', body);
    const xml = await fetch(`${api.origin}/api/v1/query`, { method: 'POST', headers: { authorization: `Bearer ${api.tokens.analyst}`, 'content-type': 'application/xml' }, body: '<sql/>' });
    await checker.check('POST', '/api/v1/query', xml, 'POST /api/v1/query as analyst, an XML body');
    await check('POST', '/api/v1/query', { role: 'analyst', body: { sql: `SELECT 1 -- ${'x'.repeat(70_000)}` } });
    // a run through the API that succeeds, then one that fails (its source file gone): both kinds of run rows
    const runEnded = (n: number) => waitFor(`api run ${n}`, async () => {
      const r = (await (await api.request('/api/v1/pipelines/procurement-suppliers/runs', { role: 'operator' })).json()) as { runs: Array<{ trigger: string; status: string }> };
      return r.runs.length === n + 1 && r.runs[0]!.status !== 'running' ? r.runs[0]!.status : undefined;
    });
    await check('POST', '/api/v1/pipelines/procurement-suppliers/runs', { role: 'operator' });
    expect(await runEnded(1)).toBe('succeeded');
    const pipeline = api.pipelines.find((p) => p.name === 'procurement-suppliers')!;
    const source = resolveSourcePath(pipeline, (pipeline.connector as { path: string }).path);
    await rename(source, `${source}.away`);
    try {
      await check('POST', '/api/v1/pipelines/procurement-suppliers/runs', { role: 'operator' });
      expect(await runEnded(2)).toBe('failed');
    } finally {
      await rename(`${source}.away`, source);
    }
    // a run job: waited for, then its state and runs for every role; an unknown one
    const asked = (await (await api.request('/api/v1/pipelines/procurement-suppliers/runs', { method: 'POST', role: 'operator' })).json()) as { job_id: string };
    expect(await runEnded(3)).toBe('succeeded');
    await waitFor('the job to end', async () => ((await (await api.request(`/api/v1/jobs/${asked.job_id}`, { role: 'operator' })).json()) as { state: string }).state === 'ended' || undefined);
    await everyone('GET', `/api/v1/jobs/${asked.job_id}`);
    await everyone('GET', '/api/v1/jobs/no-such-job');
    await everyone('GET', '/api/v1/pipelines/procurement-suppliers/runs');
    await everyone('GET', '/api/v1/pipelines');
    // an analyst past the per-minute limit (default 60): 429 rate_limited with Retry-After
    for (const [method, path, body] of [['GET', `/api/v1/lookup/${rich.id}`, undefined], ['POST', '/api/v1/query', { sql: 'SELECT 1 AS one' }]] as const) {
      let status = 0;
      for (let i = 0; i < 300 && status !== 429; i++) status = await check(method, path, { role: 'analyst', ...(body === undefined ? {} : { body }) });
      expect(status, `${method} ${path}`).toBe(429);
    }

    expect(problems).toEqual([]);
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    const succeeded = new Set(seen.filter((s) => s.status < 300).map((s) => s.operation));
    // POST /api/v1/push answers 202 only with a broker: tests/api/push-through-api.test.ts checks that answer against the document
    expect(operations.filter((o) => !succeeded.has(o))).toEqual(['post /api/v1/push']);
    // each error status of the contract was met somewhere
    expect([...new Set(seen.map((s) => s.status))].sort()).toEqual([200, 202, 400, 401, 403, 404, 409, 413, 415, 429]);
  });
});
