/**
 * The file sink on the real file system: kill -9 of a delivering process leaves no partial file
 * under a visible name and, resumed, every change is in exactly one manifested batch; manifests'
 * SM3 and counts match their files; a policy pseudonymises codes; an event the sink refuses is
 * parked for that sink only (later events of its key held behind it), and a sink whose target is
 * down never holds another.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { deliverAll } from '../../src/sinks/deliver-all.ts';
import { deliverToSink } from '../../src/sinks/deliver.ts';
import { openSink } from '../../src/sinks/open-sink.ts';
import { loadSink } from '../../src/sinks/sink-config.ts';
import { indexPosition, readSinkStatus } from '../../src/sinks/sink-state.ts';
import { insertEvents, outboxRows } from '../push/outbox-fixtures.ts';
import { collect, deliverAndKill, openSinkOutbox, writeSinkFile } from './sink-fixtures.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'onecode-file-sink-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('file sink', () => {
  it.each(['ndjson', 'csv'] as const)('resumes after kill -9 of a delivering process (%s): no partial file visible, every change in exactly one batch', async (format) => {
    const folder = path.join(dir, `drop-${format}`);
    await mkdir(folder);
    const sinkFile = await writeSinkFile(dir, `files-${format}`, { kind: 'file', folder, format, policy: 'personal=clear', batch_size: 300 });
    const outbox = await openSinkOutbox();
    const total = 20_000;
    await insertEvents(outbox.connection, { count: total, keys: 1_500 });
    outbox.close();

    const { signal } = await deliverAndKill({ dbFile: outbox.path, sinkFile, killAfter: 3_000 });
    expect(signal).toBe('SIGKILL');
    // What a collector could take now: only whole, manifested batches.
    const atKill = await collect(folder, format);
    const named = new Set(atKill.manifests.flatMap((m) => [...m.files.map((f) => f.name)]));
    const orphans = atKill.visible.filter((f) => !f.endsWith('.manifest.json') && !named.has(f));
    // A data file without its manifest may be visible (the manifest is the commit) but is whole, and goes at the next write.
    expect(orphans.length).toBeLessThanOrEqual(3);
    expect(atKill.rows.length).toBeLessThan(total);

    const reopened = await openSinkOutbox(outbox.path);
    try {
      const declaration = await loadSink(sinkFile);
      const { sink, atLeast } = await openSink(declaration);
      const result = await deliverToSink({ connection: reopened.connection, sink, policy: declaration.policy, batchSize: 300, logger, atLeast });
      expect(result.parked + result.held).toBe(0);
      const after = await collect(folder, format);
      const events = await outboxRows(reopened.connection);
      expect(after.rows.map((r) => r.seq)).toEqual(events.map((e) => e.seq.toString()));
      expect(after.rows.map((r) => r.event_id)).toEqual(events.map((e) => e.eventId));
      expect(atKill.rows.length + result.delivered).toBe(total);
      // Nothing but manifests and their files, and no temporary left.
      const named2 = new Set(after.manifests.flatMap((m) => m.files.map((f) => f.name)));
      expect(after.visible.filter((f) => !f.endsWith('.manifest.json') && !named2.has(f))).toEqual([]);
      expect((await readdir(folder)).filter((f) => f.startsWith('.'))).toEqual([]);
      expect(await indexPosition(reopened.connection, declaration.name)).toBe(events.at(-1)!.seq);
    } finally {
      await reopened.remove();
    }
  }, 240_000);

  it('parks an event it refuses for itself only, holds its key behind it, pseudonymises by its policy; a sink that is down holds no other', async () => {
    const folder = path.join(dir, 'drop-policy');
    await mkdir(folder);
    const keyFile = path.join(dir, 'pseudonym.key');
    await writeFile(keyFile, 'a'.repeat(64), { mode: 0o600 });
    const env = { ...process.env, ONECODE_PSEUDONYM_KEY_FILE: keyFile, ONECODE_TEST_DOWN_URL: 'postgres://u:p@127.0.0.1:9/db' };
    const files = await loadSink(await writeSinkFile(dir, 'files-policy', { kind: 'file', folder, policy: 'personal=pseudonymise,public=pseudonymise', batch_size: 25 }));
    const down = await loadSink(await writeSinkFile(dir, 'front-down', { kind: 'exchange-table', dialect: 'postgres', url_env: 'ONECODE_TEST_DOWN_URL', policy: 'personal=clear' }));
    const outbox = await openSinkOutbox();
    try {
      await insertEvents(outbox.connection, { count: 90, keys: 9 });
      // seq 20's op is not one a row can carry: refused by the sinks, held behind: the later events of its key.
      await outbox.connection.run(`UPDATE outbox SET op = 'x' WHERE seq = 20`);
      const events = await outboxRows(outbox.connection);
      const key20 = events.find((e) => e.seq === 20n)!;
      const sameKeyLater = events.filter((e) => e.seq > 20n && e.key === key20.key && e.entity === key20.entity).map((e) => e.seq);

      const outcomes = await deliverAll({ connection: outbox.connection, sinks: [down, files], logger, env });
      expect(outcomes[0]).toMatchObject({ ok: false, sink: 'front-down', code: 'TARGET_UNAVAILABLE', retriable: true });
      expect(outcomes[1]).toMatchObject({ ok: true, sink: 'files-policy', delivered: 90 - 1 - sameKeyLater.length, parked: 1, held: sameKeyLater.length });
      expect(await indexPosition(outbox.connection, 'front-down')).toBe(0n);
      expect(await indexPosition(outbox.connection, 'files-policy')).toBe(90n);
      const status = await readSinkStatus(outbox.connection);
      expect(status).toEqual([{ sink: 'files-policy', kind: 'file', last_seq: 90, delivered: 90 - 1 - sameKeyLater.length, parked: 1, held: sameKeyLater.length, behind: 0 }]);

      const { rows } = await collect(folder, 'ndjson');
      expect(rows.map((r) => BigInt(r.seq))).toEqual(events.map((e) => e.seq).filter((s) => s !== 20n && !sameKeyLater.includes(s)));
      // Codes leave as pseudonyms, never as written.
      expect(rows.every((r) => /^p_[0-9a-f]{32}$/.test(r.code))).toBe(true);
      const text = (await Promise.all((await readdir(folder)).map((f) => readFile(path.join(folder, f), 'utf8')))).join('');
      const codes = (await outbox.connection.runAndReadAll('SELECT DISTINCT code FROM outbox')).getRows().map((r) => String(r[0]));
      expect(codes.length).toBeGreaterThan(0);
      expect(codes.filter((code) => text.includes(code))).toEqual([]);
    } finally {
      await outbox.remove();
    }
  }, 60_000);
});
