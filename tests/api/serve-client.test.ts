/**
 * The CLI's client of a running serve (src/cli/serve-client.ts), against a real HTTP server that
 * answers text instead of JSON: the error names the route pattern, never the path of a lookup
 * (which holds the code looked up); paths are built from patterns with their parameters encoded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf, serveClientFor } from '../../src/cli/serve-client.ts';
import { OnecodeError } from '../../src/errors.ts';
import { writeServeState } from '../../src/serve/serve-files.ts';

let dir: string;
let server: Server;
const paths: string[] = [];
/** A process whose command line looks like `onecode serve` (it only waits): the CLI trusts a state file only for such a pid. */
let fakeServe: ChildProcess;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-serve-client-'));
  server = createServer((request, response) => {
    paths.push(request.url ?? '');
    response.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  fakeServe = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', path.join(dir, 'onecode.js'), 'serve'], { stdio: 'ignore' });
  await once(fakeServe, 'spawn');
  await writeServeState(path.join(dir, 'index.duckdb'), {
    pid: fakeServe.pid!,
    started_at: new Date().toISOString(),
    http: { origin: `http://127.0.0.1:${port}`, owner_tokens: { operator: 'oc_o', analyst: 'oc_a', steward: 'oc_s' }, principal: 'cli:test' },
  });
});

afterAll(async () => {
  fakeServe?.kill('SIGTERM');
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('serve client', () => {
  it('names the route pattern, not the lookup path, when serve answers something that is not JSON', async () => {
    const client = await serveClientFor(path.join(dir, 'index.duckdb'));
    expect(client).toBeDefined();
    const code = '11010519491231002X';
    const error = await client!.request('GET', '/api/v1/lookup/{code}', { role: 'steward', params: { code } }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OnecodeError);
    expect((error as OnecodeError).code).toBe('serve_unreachable');
    expect((error as OnecodeError).message).toContain('GET /api/v1/lookup/{code} with 502, not JSON');
    expect((error as OnecodeError).message).not.toContain(code);
    expect(paths.at(-1)).toBe(`/api/v1/lookup/${code}`); // the request itself went to the code's path
  });

  it('fills route parameters encoded and appends the query', () => {
    expect(pathOf('/api/v1/pipelines/{name}/runs', { params: { name: 'a b/c' }, query: { limit: 5 } })).toBe('/api/v1/pipelines/a%20b%2Fc/runs?limit=5');
    expect(pathOf('/api/v1/audit', { query: { code: '1101 05' } })).toBe('/api/v1/audit?code=1101+05');
    expect(() => pathOf('/api/v1/lookup/{code}', {})).toThrow('needs the parameter code');
  });
});
