/**
 * Events parked for one sink, on a real drop folder and a real PostgreSQL front-end database:
 * listed without values, re-queued once their cause is fixed (delivered again below the position,
 * with the events of their key held behind them, each exactly once, also when the index did not
 * record the redelivery before a crash), skipped with who and why (the events behind go on); a seq
 * that is not parked is refused and changes nothing. And `onecode deliver --sink --parked |
 * --requeue | --skip` through the CLI.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { openIndex } from '../../src/index/open-index.ts';
import { INDEX_SCHEMA_VERSION } from '../../src/index/ddl.ts';
import { deliverToSink } from '../../src/sinks/deliver.ts';
import { openSink } from '../../src/sinks/open-sink.ts';
import { loadSink, type PositionedSinkDeclaration } from '../../src/sinks/sink-config.ts';
import { listSinkParked, requeueSinkParked, skipSinkParked } from '../../src/sinks/sink-parked.ts';
import { indexPosition, readSinkStatus } from '../../src/sinks/sink-state.ts';
import { insertEvents, outboxRows, type OutboxRow } from '../push/outbox-fixtures.ts';
import { postgresTestDb, type SqlTestDb } from '../support/sql-db.ts';
import { collect, openSinkOutbox, REPO, writeSinkFile } from './sink-fixtures.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const URL_ENV = 'ONECODE_TEST_PARKED_URL';
let dir: string;
let db: SqlTestDb | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'onecode-sink-parked-'));
});
afterAll(async () => {
  await db?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A target: its declaration, and the event ids it holds (with repeats), in seq order. */
interface Target {
  declaration: PositionedSinkDeclaration;
  env: NodeJS.ProcessEnv;
  eventIds(): Promise<string[]>;
}

const targets: Record<'file' | 'postgres', () => Promise<Target>> = {
  file: async () => {
    const folder = path.join(dir, 'drop');
    await mkdir(folder);
    const declaration = await loadSink(await writeSinkFile(dir, 'drop', { kind: 'file', folder, policy: 'personal=clear', batch_size: 25 }));
    return { declaration: declaration as PositionedSinkDeclaration, env: process.env, eventIds: async () => (await collect(folder, 'ndjson')).rows.map((r) => r.event_id) };
  },
  postgres: async () => {
    db = await postgresTestDb();
    const env = { ...process.env, [URL_ENV]: db.url };
    const declaration = await loadSink(await writeSinkFile(dir, 'front', { kind: 'exchange-table', dialect: 'postgres', url_env: URL_ENV, schema: db.schema, policy: 'personal=clear', batch_size: 25 }));
    const ids = async (): Promise<string[]> => {
      const rows: { seq: string; event_id: string }[] = [];
      for (const entity of ['person', 'legal_person', 'record']) {
        rows.push(...(await db!.rows(`SELECT seq::text AS seq, event_id FROM ${db!.q(db!.schema)}.${db!.q(`onecode_${entity}`)}`)) as { seq: string; event_id: string }[]);
      }
      return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map((r) => r.event_id);
    };
    return { declaration: declaration as PositionedSinkDeclaration, env, eventIds: ids };
  },
};

describe.each(['file', 'postgres'] as const)('events parked for a %s sink', (kind) => {
  it('are listed without values, re-queued once fixed and delivered again exactly once, or skipped with who and why', async () => {
    const target = await targets[kind]();
    const { declaration, env } = target;
    const name = declaration.name;
    const { sink, atLeast } = await openSink(declaration, env);
    const outbox = await openSinkOutbox();
    const deliver = () => deliverToSink({ connection: outbox.connection, sink, policy: declaration.policy, batchSize: 25, logger, env, atLeast });
    try {
      await insertEvents(outbox.connection, { count: 60, keys: 6 });
      const events = await outboxRows(outbox.connection);
      const later = (e: OutboxRow): bigint[] => events.filter((x) => x.seq > e.seq && x.key === e.key && x.entity === e.entity).map((x) => x.seq);
      const a = events.find((e) => e.seq === 8n)!;
      const b = events.find((e) => e.seq === 9n)!;
      expect(later(a)).toHaveLength(8);
      expect(later(b)).toHaveLength(8);
      // Two events no row can carry (an op other than c/u/d): parked for this sink, their keys held behind them.
      await outbox.connection.run(`UPDATE outbox SET op = 'x' WHERE seq IN (8, 9)`);

      const first = await deliver();
      expect(first).toMatchObject({ delivered: 60 - 18, parked: 2, held: 16, lastSeq: 60n });
      const listed = await listSinkParked(outbox.connection, name);
      expect(listed).toEqual([
        { seq: 8, entity: a.entity, reason: "op 'x' is not c, u or d", state: 'parked', holding: 8 },
        { seq: 9, entity: b.entity, reason: "op 'x' is not c, u or d", state: 'parked', holding: 8 },
      ]);
      const codes = (await outbox.connection.runAndReadAll('SELECT DISTINCT code FROM outbox')).getRows().map((r) => String(r[0]));
      expect(codes.filter((c) => JSON.stringify(listed).includes(c))).toEqual([]);

      // Only parked events: a delivered one and a held one are refused, and nothing changes.
      await expect(requeueSinkParked(outbox.connection, { sink: name, by: 'tester', seqs: [8n, 10n, later(a)[0]!] }))
        .rejects.toThrow(`only parked events can be re-queued or skipped: no event is parked for sink ${name} at seq 10; seq ${later(a)[0]} is held`);
      await expect(skipSinkParked(outbox.connection, { sink: name, by: 'tester', seqs: [9n], reason: ' ' })).rejects.toThrow(/needs a reason/);
      expect(await listSinkParked(outbox.connection, name)).toEqual(listed);

      // The cause of seq 8 fixed, it is re-queued; seq 9 is given up.
      await outbox.connection.run(`UPDATE outbox SET op = '${a.op}' WHERE seq = 8`);
      expect(await requeueSinkParked(outbox.connection, { sink: name, by: 'tester', seqs: [8n] })).toEqual({ events: 1, released: 8 });
      expect((await listSinkParked(outbox.connection, name)).map((p) => [p.seq, p.state])).toEqual([[8, 'requeued'], [9, 'parked']]);
      expect(await skipSinkParked(outbox.connection, { sink: name, by: 'tester', seqs: [9n], reason: 'withdrawn by the department' })).toEqual({ events: 1, released: 8 });

      const again = await deliver();
      expect(again).toMatchObject({ delivered: 9 + 8, parked: 0, held: 0, lastSeq: 60n });
      expect(await indexPosition(outbox.connection, name)).toBe(60n);
      const expected = events.filter((e) => e.seq !== 9n).map((e) => e.eventId);
      expect((await target.eventIds()).sort()).toEqual([...expected].sort());

      // A crash after the target took the redelivery and before the index recorded it: not delivered twice.
      await outbox.connection.run(`UPDATE sink_parked SET redelivered_at = NULL WHERE sink = '${name}' AND redelivered_at IS NOT NULL`);
      expect(await deliver()).toMatchObject({ delivered: 0, parked: 0, held: 0 });
      expect((await target.eventIds()).sort()).toEqual([...expected].sort());

      const audit = (await outbox.connection.runAndReadAll(`SELECT seq, requeued_by, skipped_by, skip_reason, redelivered_at IS NOT NULL FROM sink_parked WHERE sink = '${name}' AND seq IN (8, 9) ORDER BY seq`)).getRows();
      expect(audit).toEqual([[8n, 'tester', null, null, true], [9n, null, 'tester', 'withdrawn by the department', false]]);
      expect(await readSinkStatus(outbox.connection)).toEqual([{ sink: name, kind: declaration.kind, last_seq: 60, delivered: 59, parked: 0, held: 0, behind: 0 }]);

      // The keys go on: new events of them are delivered, not held.
      await insertEvents(outbox.connection, { count: 6, keys: 6 });
      expect(await deliver()).toMatchObject({ delivered: 6, parked: 0, held: 0, lastSeq: 66n });
      expect(await target.eventIds()).toHaveLength(59 + 6);
    } finally {
      await sink.close();
      await outbox.remove();
    }
  }, 120_000);
});

it('onecode deliver --sink NAME --parked lists them; --skip needs --reason; --requeue delivers them again', async () => {
  const sinks = path.join(dir, 'cli-sinks');
  const drop = path.join(dir, 'cli-drop');
  await mkdir(sinks);
  await writeFile(path.join(sinks, 'drop.yaml'), `kind: file\nfolder: ../cli-drop\ncreate_folder: true\npolicy: personal=clear\n`);
  const dbFile = path.join(dir, 'cli.duckdb');
  const outbox = await openSinkOutbox(dbFile);
  await insertEvents(outbox.connection, { count: 30, keys: 5 });
  const op = (await outboxRows(outbox.connection)).find((e) => e.seq === 2n)!.op;
  await outbox.connection.run(`UPDATE outbox SET op = 'x' WHERE seq = 2`);
  outbox.close();
  const onecode = (...args: string[]) => promisify(execFile)('npx', ['tsx', 'src/cli.ts', 'deliver', '--db', dbFile, '--sinks', sinks, ...args], { cwd: REPO })
    .catch((e: { stdout: string; stderr: string; code: number }) => e);

  expect((await onecode()).stdout).toBe('{"sink":"drop","delivered":24,"parked":1,"held":5,"lastSeq":30}\n');
  expect((await onecode('--sink', 'drop', '--parked')).stdout).toBe(`{"sink":"drop","seq":2,"entity":"legal_person","reason":"op 'x' is not c, u or d","state":"parked","holding":5}\n`);
  const noReason = await onecode('--sink', 'drop', '--skip', '2');
  expect(noReason).toMatchObject({ code: 2, stderr: 'onecode: --skip needs --reason TEXT: why the events are never delivered to this sink (recorded in the index)\n' });
  const noSink = await onecode('--parked');
  expect(noSink).toMatchObject({ code: 2, stderr: 'onecode: --parked, --requeue and --skip act on one sink: name it with --sink NAME\n' });

  const fix = await openSinkOutbox(dbFile);
  await fix.connection.run(`UPDATE outbox SET op = '${op}' WHERE seq = 2`);
  fix.close();
  expect((await onecode('--sink', 'drop', '--requeue', 'all', '--by', 'tester')).stdout)
    .toBe('{"requeued":1,"skippedParked":0,"released":5,"sink":"drop","delivered":6,"parked":0,"held":0,"lastSeq":30}\n');
  expect((await onecode('--sink', 'drop', '--parked')).stdout).toBe('');
  expect((await collect(drop, 'ndjson')).rows).toHaveLength(30);
}, 120_000);

it('an index of schema version 9 gains the re-queue, skip and redelivery columns (migration 11) and the table of event ids sent (migration 14) when opened, its parked events kept', async () => {
  const file = path.join(dir, 'v9.duckdb');
  const index = await openIndex(file);
  await index.connection.run(`INSERT INTO sink_parked (sink, seq, event_id, entity, key, reason, held_by, parked_at) VALUES ('drop', 5, 'e5', 'person', 'k', 'a reason', NULL, now())`);
  for (const column of ['requeued_at', 'requeued_by', 'skipped_at', 'skipped_by', 'skip_reason', 'redelivered_at']) await index.connection.run(`ALTER TABLE sink_parked DROP COLUMN ${column}`);
  await index.connection.run('DROP TABLE sink_sent');
  await index.connection.run(`UPDATE onecode_meta SET value = '9' WHERE key = 'schema_version'`);
  index.close();
  const reopened = await openIndex(file);
  try {
    expect((await reopened.connection.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).getRows()).toEqual([[String(INDEX_SCHEMA_VERSION)]]);
    expect(await listSinkParked(reopened.connection, 'drop')).toEqual([{ seq: 5, entity: 'person', reason: 'a reason', state: 'parked', holding: 0 }]);
    expect(await requeueSinkParked(reopened.connection, { sink: 'drop', by: 'tester' })).toEqual({ events: 1, released: 0 });
    // Migration 13: the event ids sent to a drop folder (src/sinks/sink-sent.ts), none yet.
    expect((await reopened.connection.runAndReadAll('SELECT count(*) FROM sink_sent')).getRows()).toEqual([[0n]]);
  } finally {
    reopened.close();
  }
});
