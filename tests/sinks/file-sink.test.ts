/**
 * The file sink on the real file system: kill -9 of a delivering process leaves no partial file
 * under a visible name and, resumed, every change is in exactly one manifested batch; manifests'
 * SM3 and counts match their files; a policy pseudonymises codes; an event the sink refuses is
 * parked for that sink only (later events of its key held behind it), and a sink whose target is
 * down never holds another. Each change reaches the drop folder once by its event id: an event
 * Kafka's parking moves to a new seq (also between a kill -9 and the retry) is not written again,
 * nor a re-queued event written before a crash when the operator re-queued more meanwhile.
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
import { requeueSinkParked } from '../../src/sinks/sink-parked.ts';
import type { Sink } from '../../src/sinks/sink.ts';
import { requeueParked } from '../../src/outbox/parked-events.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
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

/** The drop folder holds every outbox event exactly once, by event id; returns its rows. */
async function expectEachChangeOnce(folder: string, c: DuckDBConnection): Promise<Awaited<ReturnType<typeof collect>>['rows']> {
  const { rows } = await collect(folder, 'ndjson');
  const ids = rows.map((r) => r.event_id);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  expect([...ids].sort()).toEqual((await outboxRows(c)).map((e) => e.eventId).sort());
  return rows;
}

/** The sink, dying (as with kill -9) after its target took a batch and before the index recorded it. */
const dyingAfterWrite = (sink: Sink): Sink => ({
  ...sink,
  async write(batch) {
    await sink.write(batch);
    throw new Error('killed after the target took the batch');
  },
});

describe('file sink: each change once', () => {
  it('does not write again an event Kafka\'s parking moved to a new seq, also when it moved between a kill -9 and the retry', async () => {
    const folder = path.join(dir, 'drop-moved-kill');
    await mkdir(folder);
    const sinkFile = await writeSinkFile(dir, 'files-moved-kill', { kind: 'file', folder, format: 'ndjson', policy: 'personal=clear', batch_size: 200 });
    const outbox = await openSinkOutbox();
    await insertEvents(outbox.connection, { count: 8_000, keys: 400 });
    // Kafka refused these (parked in the outbox); the unpublished events of their keys after them wait.
    const parkedByKafka = [40n, 1_450n, 2_990n, 7_000n];
    await outbox.connection.run(`UPDATE outbox SET parked_reason = 'larger than the topic accepts (test)', parked_at = now() WHERE seq IN (${parkedByKafka.join(',')})`);
    outbox.close();

    const { signal } = await deliverAndKill({ dbFile: outbox.path, sinkFile, killAfter: 2_000 });
    expect(signal).toBe('SIGKILL');
    const reopened = await openSinkOutbox(outbox.path);
    try {
      // Between the crash and the retry an operator re-queues Kafka's parked events: they and the
      // rest of their keys get new seqs, above every seq handed out, with the same event ids.
      const { resequenced } = await requeueParked(reopened.connection, { by: 'test' });
      expect(resequenced.length).toBeGreaterThan(parkedByKafka.length);
      const declaration = await loadSink(sinkFile);
      const { sink, atLeast } = await openSink(declaration);
      const result = await deliverToSink({ connection: reopened.connection, sink, policy: declaration.policy, batchSize: 200, logger, atLeast });

      const rows = await expectEachChangeOnce(folder, reopened.connection);
      // A moved event the folder had before the crash stays under its old seq; the others came under their new one.
      const moved = new Map(resequenced.map((m) => [m.oldSeq.toString(), m.newSeq]));
      const current = new Map((await outboxRows(reopened.connection)).map((e) => [e.eventId, e.seq]));
      const underOldSeq = rows.filter((r) => BigInt(r.seq) !== current.get(r.event_id));
      expect(underOldSeq.every((r) => moved.get(r.seq) === current.get(r.event_id))).toBe(true);
      expect(underOldSeq.length).toBeGreaterThan(0);
      expect(result.alreadyOnTarget).toBe(underOldSeq.length);
      expect(rows.length).toBe(8_000);
    } finally {
      await reopened.remove();
    }
  }, 240_000);

  it('does not write again an event moved right after the folder took its batch and before the index recorded it', async () => {
    const folder = path.join(dir, 'drop-moved-window');
    await mkdir(folder);
    const declaration = await loadSink(await writeSinkFile(dir, 'files-moved-window', { kind: 'file', folder, policy: 'personal=clear', batch_size: 40 }));
    const outbox = await openSinkOutbox();
    try {
      await insertEvents(outbox.connection, { count: 100, keys: 10 });
      await outbox.connection.run(`UPDATE outbox SET parked_reason = 'larger than the topic accepts (test)', parked_at = now() WHERE seq = 3`);
      const { sink } = await openSink(declaration);
      const deliver = (s: Sink) => deliverToSink({ connection: outbox.connection, sink: s, policy: declaration.policy, batchSize: 40, logger, atLeast: true });
      await expect(deliver(dyingAfterWrite(sink))).rejects.toThrow('killed after the target took the batch');
      expect(await indexPosition(outbox.connection, declaration.name)).toBe(0n);
      expect((await collect(folder, 'ndjson')).rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

      // seq 3 and the later events of its key (3, 13, …, 93) move to 101…110; 3, 13, 23, 33 are in the folder already.
      const { resequenced } = await requeueParked(outbox.connection, { by: 'test' });
      expect(resequenced.map((m) => Number(m.oldSeq))).toEqual([3, 13, 23, 33, 43, 53, 63, 73, 83, 93]);
      const result = await deliver(sink);
      // 41…100 less the six moved (54), and six of the ten moved: 60 rows; the four the folder had are passed over.
      expect(result).toMatchObject({ recovered: { from: 0n, to: 40n }, alreadyOnTarget: 4, delivered: 60, parked: 0, held: 0 });
      await expectEachChangeOnce(folder, outbox.connection);
      // Once more: nothing.
      expect(await deliver(sink)).toMatchObject({ delivered: 0, batches: 0 });
      await expectEachChangeOnce(folder, outbox.connection);
    } finally {
      await outbox.remove();
    }
  }, 60_000);

  it('does not write a re-queued event again when the operator re-queued more between a crash and the retry', async () => {
    const folder = path.join(dir, 'drop-requeued-more');
    await mkdir(folder);
    const declaration = await loadSink(await writeSinkFile(dir, 'files-requeued-more', { kind: 'file', folder, policy: 'personal=clear', batch_size: 25 }));
    const outbox = await openSinkOutbox();
    try {
      await insertEvents(outbox.connection, { count: 60, keys: 6 });
      // seqs 2 and 4 (two keys) are events the sink refuses until an operator fixes them.
      const ops = (await outbox.connection.runAndReadAll('SELECT seq, op FROM outbox WHERE seq IN (2, 4) ORDER BY seq')).getRows();
      await outbox.connection.run(`UPDATE outbox SET op = 'x' WHERE seq IN (2, 4)`);
      const { sink } = await openSink(declaration);
      const deliver = (s: Sink) => deliverToSink({ connection: outbox.connection, sink: s, policy: declaration.policy, batchSize: 25, logger, atLeast: true });
      expect(await deliver(sink)).toMatchObject({ delivered: 40, parked: 2, held: 18, lastSeq: 60n });
      for (const [seq, op] of ops) await outbox.connection.run('UPDATE outbox SET op = $1 WHERE seq = $2', [String(op), seq as bigint]);

      await requeueSinkParked(outbox.connection, { sink: declaration.name, by: 'test', seqs: [2n] });
      await expect(deliver(dyingAfterWrite(sink))).rejects.toThrow('killed after the target took the batch');
      expect((await collect(folder, 'ndjson')).rows).toHaveLength(50);
      // The operator re-queues seq 4 too before the retry: the redelivery is another set of events.
      await requeueSinkParked(outbox.connection, { sink: declaration.name, by: 'test', seqs: [4n] });
      expect(await deliver(sink)).toMatchObject({ delivered: 10, alreadyOnTarget: 10, parked: 0, held: 0, lastSeq: 60n });
      await expectEachChangeOnce(folder, outbox.connection);
      expect(await readSinkStatus(outbox.connection)).toEqual([{ sink: declaration.name, kind: 'file', last_seq: 60, delivered: 60, parked: 0, held: 0, behind: 0 }]);
    } finally {
      await outbox.remove();
    }
  }, 60_000);
});
