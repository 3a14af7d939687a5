/**
 * The analysts' snapshot: a consistent read-only copy written by the process that holds the index,
 * without loosening that process's lock on the index file.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openIndex } from '../../src/index/open-index.ts';
import { createJobQueue } from '../../src/serve/job-queue.ts';
import { removeServeFiles, serveStatePathOf, snapshotPathOf, type ServeState } from '../../src/serve/serve-files.ts';
import { writeSnapshot } from '../../src/serve/snapshot.ts';
import { createSnapshotter } from '../../src/serve/snapshotter.ts';
import { createWorkspace, REPO, type Workspace } from '../support/workspace.ts';

const run = promisify(execFile);
const logger = pino({ level: 'silent' });
let ws: Workspace;
let db: string;

beforeEach(async () => {
  ws = await createWorkspace();
  db = `${ws.dir}/index.duckdb`;
  await ws.index.connection.run(`INSERT INTO onecode_meta VALUES ('snapshot-test', 'before')`);
});
afterEach(async () => {
  await removeServeFiles(db);
  await ws.dispose();
});

/** Tries to open `file` read-only from another process; resolves with what it saw or the error. */
async function openElsewhere(file: string): Promise<string> {
  const script = `const { DuckDBInstance } = require('@duckdb/node-api');
    DuckDBInstance.create(${JSON.stringify(file)}, { access_mode: 'READ_ONLY' })
      .then(async (i) => { const c = await i.connect(); const r = await c.runAndReadAll("SELECT value FROM onecode_meta WHERE key = 'snapshot-test'"); console.log('read ' + r.getRows()[0][0]); })
      .catch((e) => console.log('error ' + e.message.split('\\n')[0]));`;
  return (await run(process.execPath, ['-e', script], { cwd: REPO })).stdout.trim();
}

describe('snapshot', () => {
  it('copies the committed index to <index>.snapshot, readable with the analyst views, and the index stays locked', async () => {
    const written = await writeSnapshot(ws.index.connection, db);
    expect(written.path).toBe(snapshotPathOf(db));
    expect(written.bytes).toBeGreaterThan(0);
    expect(await openElsewhere(snapshotPathOf(db))).toBe('read before');
    // The writer still holds the index exclusively (a byte copy from this process would have dropped its lock).
    expect(await openElsewhere(db)).toMatch(/^error .*lock/i);

    const copy = await openIndex(snapshotPathOf(db), { readOnly: true });
    const views = (await copy.connection.runAndReadAll(`SELECT count(*) FROM information_schema.tables WHERE table_type = 'VIEW'`)).getRows()[0]![0];
    copy.close();
    expect(Number(views)).toBeGreaterThanOrEqual(6);

    // A reader keeps the snapshot it opened while a new one replaces it.
    await ws.index.connection.run(`UPDATE onecode_meta SET value = 'after' WHERE key = 'snapshot-test'`);
    const old = await openIndex(snapshotPathOf(db), { readOnly: true });
    await writeSnapshot(ws.index.connection, db);
    const oldValue = (await old.connection.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'snapshot-test'`)).getRows()[0]![0];
    old.close();
    expect(oldValue).toBe('before');
    expect(await openElsewhere(snapshotPathOf(db))).toBe('read after');
  });

  it('the snapshotter merges requests, keeps its minimum interval, and records itself in <index>.serve.json', async () => {
    const queue = createJobQueue();
    const snapshots = createSnapshotter({ queue, connection: ws.index.connection, dbPath: db, logger, minIntervalMs: 400 });
    const started = Date.now();
    await snapshots.request();
    const first = (await stat(snapshotPathOf(db))).mtimeMs;
    // read as written: readServeState trusts only a pid that is `onecode serve`, which this test is not
    const readState = async () => JSON.parse(await readFile(serveStatePathOf(db), 'utf8')) as ServeState;
    const state = await readState();
    expect(state).toMatchObject({ pid: process.pid, snapshot: snapshotPathOf(db) });
    expect(Date.parse(state!.snapshot_at!)).toBeGreaterThanOrEqual(started);

    // Three requests while none is waiting → one snapshot, not before 400 ms after the first began.
    await Promise.all([snapshots.request(), snapshots.request(), snapshots.request()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(395);
    const second = await readState();
    expect(Date.parse(second!.snapshot_at!)).toBeGreaterThan(Date.parse(state!.snapshot_at!));
    expect((await stat(snapshotPathOf(db))).mtimeMs).toBeGreaterThan(first);
    await queue.close();
  });
});
