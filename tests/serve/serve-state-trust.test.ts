/**
 * serve's state file is trusted only as serve writes it, and the CLI reads it only once the index
 * is found held: a state file planted beside an index (a listener of someone else's, a link, a file
 * open to others, a pid that is not `onecode serve`) never gets the CLI's owner tokens, codes or
 * SQL. Owner tokens are taken from this host only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, lstat, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, newToken } from '../../src/access/tokens.ts';
import { fromThisHost, withOwnerTokens } from '../../src/api/owner-tokens.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { readServeState, serveStatePathOf, writeServeState, type ServeState } from '../../src/serve/serve-files.ts';
import { onecode } from '../support/cli.ts';

let dir: string;
/** A process whose command line looks like `onecode serve` (it only waits). */
let fakeServe: ChildProcess;
/** A listener standing for someone else's: every request it gets is counted. */
let listener: Server;
let origin: string;
const received: { url: string; authorization?: string }[] = [];
const CODE = '11010519491231002X';
const env = { ONECODE_LOG_LEVEL: 'silent', KAFKA_BROKERS: '', ONECODE_INDEX_KEY_FILE: '' };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-state-trust-'));
  fakeServe = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', path.join(dir, 'onecode.js'), 'serve'], { stdio: 'ignore' });
  await once(fakeServe, 'spawn');
  listener = createServer((request, response) => {
    received.push({ url: request.url ?? '', authorization: request.headers.authorization });
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"systems":[],"person":null,"legal_person":null}');
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  origin = `http://127.0.0.1:${(listener.address() as { port: number }).port}`;
});
afterAll(async () => {
  fakeServe?.kill('SIGTERM');
  listener?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A state file for `db` naming the listener, as serve writes it (owner-only), with `pid`. */
async function plant(db: string, pid: number, startedAt = new Date()): Promise<ServeState> {
  const state: ServeState = { pid, started_at: startedAt.toISOString(), http: { origin, owner_tokens: { operator: newToken(), analyst: newToken(), steward: newToken() }, principal: 'cli:x' } };
  await writeServeState(db, state);
  return state;
}

describe("serve's state file", () => {
  it('is written owner-only under a fresh random name, never through a planted link', async () => {
    const db = path.join(dir, 'written.duckdb');
    const victim = path.join(dir, 'victim.txt');
    await writeFile(victim, 'untouched\n');
    await symlink(victim, `${serveStatePathOf(db)}.tmp`);
    await plant(db, fakeServe.pid!);
    expect(await readFile(victim, 'utf8')).toBe('untouched\n');
    const info = await lstat(serveStatePathOf(db));
    expect(info.isFile()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.startsWith('written.duckdb.serve.json.'))).toEqual(['written.duckdb.serve.json.tmp']);
  });

  it('is trusted only when owner-only, and only when its pid is onecode serve', async () => {
    const db = path.join(dir, 'read.duckdb');
    const file = serveStatePathOf(db);
    const state = await plant(db, fakeServe.pid!);
    expect(await readServeState(db)).toEqual(state);
    // a live process that is not onecode serve (this test's own) is no serve
    await plant(db, process.pid);
    expect(await readServeState(db)).toBeUndefined();
    await plant(db, fakeServe.pid!);
    await chmod(file, 0o644);
    await expect(readServeState(db)).rejects.toMatchObject({ code: 'serve_state_untrusted', message: `${file}: serve's state file is mode 644, so it is not trusted (serve writes it owner-only, mode 600): remove it if no onecode serve of yours holds the index` });
    const real = path.join(dir, 'elsewhere.json');
    await writeFile(real, JSON.stringify(state), { mode: 0o600 });
    await rm(file);
    await symlink(real, file);
    await expect(readServeState(db)).rejects.toMatchObject({ code: 'serve_state_untrusted', message: expect.stringContaining(`${file}: serve's state file is a symbolic link, not a regular file`) });
  });
});

describe('the CLI', () => {
  it('does not read a state file while it can open the index itself: a planted one gets no request', async () => {
    const db = path.join(dir, 'free.duckdb');
    await plant(db, fakeServe.pid!);
    const r = await onecode(['lookup', CODE, '--db', db], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no index here yet/);
    const status = await onecode(['status', '--db', path.join(dir, 'free2.duckdb')], { cwd: dir, env });
    expect(status.stderr).not.toMatch(/onecode serve/);
    expect(received).toEqual([]);
  });

  it('while the index is held, sends nothing to a state file that is open to others, or names a pid that is not onecode serve and wrote it before that process started', async () => {
    const db = path.join(dir, 'held.duckdb');
    const index = await openIndex(db, { key: null });
    try {
      // a stale file: serve started (it says) before the process now holding the index, whose pid it names
      await plant(db, process.pid, new Date(Date.now() - 10 * 86_400_000));
      const notServe = await onecode(['lookup', CODE, '--db', db], { cwd: dir, env });
      expect(notServe.code).toBe(1);
      expect(notServe.stderr).toMatch(/^onecode: .*held\.duckdb: the index is in use by another onecode process/);
      await plant(db, fakeServe.pid!);
      await chmod(serveStatePathOf(db), 0o640);
      const open = await onecode(['query', 'SELECT 1', '--db', db], { cwd: dir, env });
      expect(open).toMatchObject({ code: 2, stderr: `onecode: ${serveStatePathOf(db)}: serve's state file is mode 640, so it is not trusted (serve writes it owner-only, mode 600): remove it if no onecode serve of yours holds the index\n` });
      expect(received).toEqual([]);
      // the same file made owner-only: the CLI goes through "serve" (the check above can fail)
      await chmod(serveStatePathOf(db), 0o600);
      const through = await onecode(['lookup', CODE, '--db', db], { cwd: dir, env });
      expect(through.stderr).toMatch(/held by onecode serve/);
      expect(received.map((r) => r.url)).toEqual([`/api/v1/lookup/${CODE}`]);
    } finally {
      index.close();
    }
  });
});

describe('owner tokens', () => {
  it('are taken from this host only (loopback, or the address the connection arrived at)', async () => {
    const owner = newToken();
    const verifier = withOwnerTokens(createTokenVerifier(path.join(dir, 'no-tokens.json')), { steward: owner }, 'cli:me');
    expect(await verifier.verify(owner, { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1' })).toEqual({ name: 'cli:me', role: 'steward' });
    expect(await verifier.verify(owner, { remoteAddress: '::ffff:127.0.0.1', localAddress: '::ffff:127.0.0.1' })).toEqual({ name: 'cli:me', role: 'steward' });
    expect(await verifier.verify(owner, { remoteAddress: '::1' })).toEqual({ name: 'cli:me', role: 'steward' });
    expect(await verifier.verify(owner, { remoteAddress: '192.0.2.7', localAddress: '192.0.2.7' })).toEqual({ name: 'cli:me', role: 'steward' });
    expect(await verifier.verify(owner, { remoteAddress: '192.0.2.8', localAddress: '192.0.2.7' })).toBeUndefined();
    expect(await verifier.verify(owner, { remoteAddress: '::ffff:10.1.2.3', localAddress: '::ffff:0.0.0.0' })).toBeUndefined();
    expect(await verifier.verify(owner)).toBeUndefined();
    expect(fromThisHost({ remoteAddress: '128.0.0.1', localAddress: '127.0.0.1' })).toBe(false);
  });
});
