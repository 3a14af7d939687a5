/**
 * The exchange-table sink (前置机交换表) against the real PostgreSQL and MariaDB servers the test
 * run starts: every change exactly once after kill -9 of a delivering process, after a crash between
 * the target's commit and the index's, rows whose SM3 digest a recipient recomputes from the stored
 * columns, and the catalogue's codes carried when the outbox row has them; a failure said without the
 * values the database quotes, and a locked position row given up after the lock timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { deliverToSink } from '../../src/sinks/deliver.ts';
import { openSink } from '../../src/sinks/open-sink.ts';
import { loadSink } from '../../src/sinks/sink-config.ts';
import { rowDigest } from '../../src/sinks/sink-rows.ts';
import { indexPosition } from '../../src/sinks/sink-state.ts';
import { insertEvents, outboxRows } from '../push/outbox-fixtures.ts';
import { mysqlTestDb, postgresTestDb, type SqlTestDb } from '../support/sql-db.ts';
import { deliverAndKill, openSinkOutbox, writeSinkFile } from './sink-fixtures.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const URL_ENV = 'ONECODE_TEST_EXCHANGE_URL';

describe.each([
  { dialect: 'postgres' as const, open: () => postgresTestDb() },
  { dialect: 'mysql' as const, open: () => mysqlTestDb() },
])('exchange-table sink on $dialect', ({ dialect, open }) => {
  let db: SqlTestDb;
  let dir: string;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, [URL_ENV]: db.url });

  beforeAll(async () => {
    db = await open();
    dir = await mkdtemp(path.join(tmpdir(), 'onecode-exchange-'));
  }, 300_000);
  afterAll(async () => {
    await db?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Every row of the sink's three entity tables, in seq order. */
  const targetRows = async (prefix: string): Promise<Record<string, string | null>[]> => {
    const all: Record<string, string | null>[] = [];
    for (const entity of ['person', 'legal_person', 'record']) {
      const rows = await db.rows(`SELECT CAST(seq AS CHAR(20)) AS seq, event_id, operation, batch_id, record_key, code, resource_code, provider_code, record, digest, '${entity}' AS entity
                                  FROM ${db.q(db.schema)}.${db.q(`${prefix}${entity}`)}`);
      all.push(...(rows as Record<string, string | null>[]).map((r) => ({ ...r, seq: String(r.seq).trim() })));
    }
    return all.sort((a, b) => Number(a.seq) - Number(b.seq));
  };
  const targetPosition = async (prefix: string, sink: string): Promise<bigint> =>
    BigInt(String((await db.rows(`SELECT CAST(last_seq AS CHAR(20)) AS s FROM ${db.q(db.schema)}.${db.q(`${prefix}position`)} WHERE sink = '${sink}'`))[0]!.s).trim());

  it('resumes after kill -9 of a delivering process: every change exactly once, position on the target and in the index', async () => {
    const prefix = 'crash_';
    const sinkFile = await writeSinkFile(dir, `front-${dialect}-crash`, { kind: 'exchange-table', dialect, url_env: URL_ENV, schema: db.schema, table_prefix: prefix, policy: 'personal=clear', batch_size: 250 });
    const outbox = await openSinkOutbox();
    const total = 20_000;
    await insertEvents(outbox.connection, { count: total, keys: 1_500 });
    outbox.close(); // the child needs the file to itself

    const { deliveredAtKill, signal } = await deliverAndKill({ dbFile: outbox.path, sinkFile, killAfter: 3_000, env: { [URL_ENV]: db.url } });
    expect(signal).toBe('SIGKILL');
    const atKill = await targetRows(prefix);
    expect(atKill.length).toBeGreaterThanOrEqual(deliveredAtKill);
    expect(atKill.length).toBeLessThan(total);

    const reopened = await openSinkOutbox(outbox.path);
    try {
      const declaration = await loadSink(sinkFile);
      const { sink } = await openSink(declaration, env());
      const result = await deliverToSink({ connection: reopened.connection, sink, policy: declaration.policy, batchSize: 250, logger, env: env() });
      await sink.close();
      expect(result.parked + result.held).toBe(0);
      expect(atKill.length + result.delivered).toBe(total);

      const events = await outboxRows(reopened.connection);
      const rows = await targetRows(prefix);
      expect(rows.map((r) => r.seq)).toEqual(events.map((e) => e.seq.toString()));
      expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.eventId));
      expect(rows.map((r) => r.operation)).toEqual(events.map((e) => ({ c: 'I', u: 'U', d: 'D' })[e.op]));
      const last = events.at(-1)!.seq;
      expect(await targetPosition(prefix, declaration.name)).toBe(last);
      expect(await indexPosition(reopened.connection, declaration.name)).toBe(last);
    } finally {
      await reopened.remove();
    }
  }, 240_000);

  it('takes the target\'s position when a batch was committed there but not recorded in the index, and carries digests and catalogue codes', async () => {
    const prefix = 'gap_';
    const sinkFile = await writeSinkFile(dir, `front-${dialect}-gap`, { kind: 'exchange-table', dialect, url_env: URL_ENV, schema: db.schema, table_prefix: prefix, policy: { personal: 'clear' }, batch_size: 40 });
    const outbox = await openSinkOutbox();
    try {
      await insertEvents(outbox.connection, { count: 100, keys: 30 });
      // the codes a run stores with its events (outbox columns), never in the envelope
      await outbox.connection.run(`UPDATE outbox SET resource_code = '301012001/000001', provider_code = '113500007485260534' WHERE seq <= 10`);
      const declaration = await loadSink(sinkFile);
      const { sink } = await openSink(declaration, env());
      // A delivery that died after the target committed its first batch, before the index recorded it.
      const first = await deliverToSink({ connection: outbox.connection, sink, policy: declaration.policy, batchSize: 40, logger, env: env(),
        onBatch: () => { throw new Error('stop after the first batch'); } }).catch((e: Error) => e);
      expect(first).toBeInstanceOf(Error);
      await outbox.connection.run(`DELETE FROM sink_position; DELETE FROM sink_parked`);
      expect(await indexPosition(outbox.connection, declaration.name)).toBe(0n);
      expect(await targetPosition(prefix, declaration.name)).toBe(40n);

      const result = await deliverToSink({ connection: outbox.connection, sink, policy: declaration.policy, batchSize: 40, logger, env: env() });
      await sink.close();
      expect(result.recovered).toEqual({ from: 0n, to: 40n });
      expect(result.delivered).toBe(60);
      const rows = await targetRows(prefix);
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(await indexPosition(outbox.connection, declaration.name)).toBe(100n);

      // A recipient recomputes each row's SM3 from the stored columns.
      for (const r of rows) {
        expect(r.digest, `seq ${r.seq}`).toBe(rowDigest({ seq: BigInt(r.seq!), eventId: r.event_id!, operation: r.operation as 'I', entity: r.entity!, recordKey: r.record_key!,
          code: r.code!, resourceCode: r.resource_code ?? null, providerCode: r.provider_code ?? null, record: r.record! }));
      }
      expect(rows.filter((r) => r.resource_code === '301012001/000001' && r.provider_code === '113500007485260534').map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(rows.filter((r) => Number(r.seq) > 10).every((r) => r.resource_code === null && r.provider_code === null)).toBe(true);
      expect(rows.filter((r) => r.operation === 'D').every((r) => JSON.parse(r.record!) !== null)).toBe(true);
    } finally {
      await outbox.remove();
    }
  }, 120_000);

  it('says why a write failed without the values the database quotes, and gives up on a locked position row after its lock timeout', async () => {
    const prefix = 'uk_';
    const sinkFile = await writeSinkFile(dir, `front-${dialect}-uk`, { kind: 'exchange-table', dialect, url_env: URL_ENV, schema: db.schema, table_prefix: prefix, policy: 'personal=clear', batch_size: 50 });
    const outbox = await openSinkOutbox();
    const declaration = await loadSink(sinkFile);
    const { sink } = await openSink(declaration, env());
    const deliver = () => deliverToSink({ connection: outbox.connection, sink, policy: declaration.policy, batchSize: 50, logger, env: env() });
    const table = (t: string): string => `${db.q(db.schema)}.${db.q(`${prefix}${t}`)}`;
    try {
      await insertEvents(outbox.connection, { count: 30, keys: 3 });
      const codes = (await outbox.connection.runAndReadAll('SELECT DISTINCT code FROM outbox')).getRows().map((r) => String(r[0]));
      // A recipient that keeps one row per record: a unique key on record_key, which the second change of a key breaks.
      expect(await sink.confirmedSeq()).toBe(0n);
      await db.exec(`CREATE UNIQUE INDEX one_per_key ON ${table('legal_person')} (record_key${dialect === 'mysql' ? '(64)' : ''})`);
      const refused = await deliver().catch((e: unknown) => e);
      expect(refused).toMatchObject({ name: 'SinkError', code: 'TARGET_WRITE_FAILED', retriable: true });
      const message = (refused as Error).message;
      expect(message).toMatch(dialect === 'mysql' ? /ER_DUP_ENTRY: Duplicate entry \(withheld\) for key/ : /23505: duplicate key value violates unique constraint \(withheld\) \(table uk_legal_person, constraint one_per_key\)/);
      expect(codes.filter((c) => message.includes(c))).toEqual([]);
      expect(await indexPosition(outbox.connection, declaration.name)).toBe(0n);
      await db.exec(dialect === 'mysql' ? `DROP INDEX one_per_key ON ${table('legal_person')}` : `DROP INDEX ${db.q(db.schema)}.one_per_key`);
      expect(await deliver()).toMatchObject({ delivered: 30, lastSeq: 30n });

      // Another session holds the sink's position row: the delivery fails, retriable, after the lock timeout instead of waiting for ever.
      if (dialect === 'mysql') {
        await db.exec('START TRANSACTION');
        await db.exec(`SELECT last_seq FROM ${table('position')} FOR UPDATE`);
      } else {
        await db.exec(`BEGIN; SELECT last_seq FROM ${table('position')} FOR UPDATE`);
      }
      await insertEvents(outbox.connection, { count: 10, keys: 3 });
      const started = Date.now();
      const locked = await deliver().catch((e: unknown) => e);
      const waited = Date.now() - started;
      await db.exec('ROLLBACK');
      expect(locked).toMatchObject({ name: 'SinkError', code: 'TARGET_WRITE_FAILED', retriable: true });
      expect((locked as Error).message).toMatch(dialect === 'mysql' ? /ER_LOCK_WAIT_TIMEOUT/ : /55P03: canceling statement due to lock timeout/);
      expect(waited).toBeGreaterThanOrEqual(9_000);
      expect(waited).toBeLessThan(30_000);
      expect(await deliver()).toMatchObject({ delivered: 10, lastSeq: 40n });
    } finally {
      await sink.close();
      await outbox.remove();
    }
  }, 120_000);
});
