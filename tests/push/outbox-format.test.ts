/**
 * The event format and the outbox (src/outbox/), without a broker: the envelope the shared module
 * assembles is byte for byte the one the index writes today; the message key rule in SQL and in
 * JavaScript; rewriting an envelope's seq; giving a key's tail new seqs; the states of an event.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeEvent } from '../../schemas/change-event.ts';
import { envelopeSql, messageKey, messageKeySql, outboxInsertSql, recordMessageKey, withSeqSql } from '../../src/outbox/event-format.ts';
import { OUTBOX_DDL, OUTBOX_MIGRATION_CATALOGUE, OUTBOX_MIGRATION_PARKING } from '../../src/outbox/outbox-ddl.ts';
import { heldSql, parkedSql, pendingSql, publishedSql, skippedSql, stateSql } from '../../src/outbox/outbox-states.ts';
import { resequenceTails } from '../../src/outbox/resequence.ts';
import type { OpenIndex } from '../../src/index/open-index.ts';
import { runScenario } from '../../scripts/feed-examples/scenario.ts';
import { insertEvents, outboxRows } from './outbox-fixtures.ts';

let dir: string;
let scenario: { index: OpenIndex; events: Array<Record<string, unknown>> };
let memory: DuckDBInstance;
let c: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-format-'));
  scenario = await runScenario(dir);
  memory = await DuckDBInstance.create(':memory:');
  c = await memory.connect();
});

afterAll(async () => {
  c.closeSync();
  memory.closeSync();
  scenario.index.close();
  await rm(dir, { recursive: true, force: true });
});

async function fresh(): Promise<void> {
  await c.run('DROP TABLE IF EXISTS outbox; DROP SEQUENCE IF EXISTS outbox_seq;');
  await c.run(OUTBOX_DDL);
}

const one = async (sql: string): Promise<unknown> => (await c.runAndReadAll(sql)).getRows()[0]![0];

describe('the envelope', () => {
  it("envelopeSql assembles, byte for byte, the envelope the index wrote for every event of the docs' scenario", async () => {
    const { connection } = scenario.index;
    const rows = (await connection.runAndReadAll(`SELECT e.event = ${envelopeSql({
      eventId: 'e.event_id',
      seq: 'e.seq',
      op: 'e.op',
      entity: 'e.entity',
      code: 'e.code',
      before: `CAST(json_extract(e.event, '$.before') AS VARCHAR)`,
      after: `CAST(json_extract(e.event, '$.after') AS VARCHAR)`,
      source: { pipeline: 'PIPELINE', system: 'SYSTEM', run_id: 'RUN' },
      tsMs: 0,
    })
      .replace(`'{"pipeline":"PIPELINE","system":"SYSTEM","run_id":"RUN"}'`, `CAST(json_extract(e.event, '$.source') AS VARCHAR)`)
      .replace(`',"ts_ms":0}'`, `',"ts_ms":' || json_extract(e.event, '$.ts_ms') || '}'`)} AS same, e.event FROM outbox e ORDER BY seq`)).getRowObjectsJS();
    expect(rows).toHaveLength(8);
    for (const r of rows) expect(r.same, String(r.event)).toBe(true);
  });

  it('outboxInsertSql writes one valid envelope per event row, with new seqs and ids, quoting what it must', async () => {
    await fresh();
    await c.run(outboxInsertSql({
      events: `SELECT * FROM (VALUES
        ('person', 'c', '350102198503171237', NULL, json_object('id_number', '350102198503171237', 'name', '陈"明', 'sex', 'male', 'birth_date', '1985-03-17', 'region_code', '350102', 'employer_name', NULL, 'employer_uscc', NULL, 'phone', NULL)),
        ('record', 'd', '350102198503171237', json_object('pipeline', 'p', 'system', 's', 'source_key', 'K1', 'code', '350102198503171237', 'fields', json('{"n": 9007199254740993}')), NULL)
      ) t(entity, op, code, before, after), (SELECT NULL::VARCHAR AS origin)`,
      source: { pipeline: 'p', system: "系统'一", run_id: 'r000009' },
      tsMs: 1_796_000_000_000,
      createdAt: 'now()::TIMESTAMP',
    }));
    const rows = (await c.runAndReadAll('SELECT seq, event_id, run_id, event FROM outbox ORDER BY seq')).getRowObjectsJS();
    expect(rows.map((r) => r.seq)).toEqual([1n, 2n]);
    for (const r of rows) {
      const e = ChangeEvent.parse(JSON.parse(String(r.event)));
      expect([BigInt(e.seq), e.id, e.source.run_id, e.source.system, e.ts_ms]).toEqual([r.seq, r.event_id, 'r000009', "系统'一", 1_796_000_000_000]);
    }
    // Numbers beyond 2^53 in a record's fields stay as written.
    expect(String(rows[1]!.event)).toContain('"fields":{"n":9007199254740993}');
    expect(() => envelopeSql({ eventId: '', seq: '', op: '', entity: '', code: '', before: '', after: '', source: { pipeline: '', system: '', run_id: '' }, tsMs: 1.5 })).toThrow(/tsMs/);
  });

  it('withSeqSql gives an envelope a new seq and changes nothing else', async () => {
    const event = String(scenario.events.length > 0 ? JSON.stringify(scenario.events[5]) : '');
    const rewritten = String(await one(`SELECT ${withSeqSql(`'${event.replaceAll("'", "''")}'`, '123456789012')}`));
    expect(rewritten).toBe(event.replace(/"seq":\d+,/, '"seq":123456789012,'));
    // Text that does not start as the writer writes it is left alone (and the caller's check fails).
    expect(await one(`SELECT ${withSeqSql(`'{"id":"x","schema":"s","seq":1,"op":"c"}'`, '5')}`)).toBe('{"id":"x","schema":"s","seq":1,"op":"c"}');
  });
});

describe('the message key', () => {
  it('is the code of a person or legal person and <pipeline>/<source_key> of a record, the same in SQL and JavaScript', async () => {
    const { connection } = scenario.index;
    const rows = (await connection.runAndReadAll(`SELECT ${messageKeySql()} AS key, CAST(event AS VARCHAR) AS event FROM outbox ORDER BY seq`)).getRowObjectsJS();
    expect(rows.map((r) => r.key)).toEqual([
      '350102198503171237',
      '91350100MA2Y8K3P3P',
      '91350100MA2Y8K3P3P',
      'subsidy-payments/HMHN0000000001',
      'subsidy-payments/HMHN0000000002',
      'subsidy-payments/HMHN0000000001',
      '91350203MA2YB7K08B',
      '91350100MA2Y8K3P3P',
    ]);
    for (const r of rows) expect(messageKey(JSON.parse(String(r.event)) as { entity: string; code: string })).toBe(r.key);
    expect(recordMessageKey('p', 'a\u001fb/c')).toBe('p/a\u001fb/c');
    // A record event without its identity has no key.
    expect(messageKey({ entity: 'record', code: 'x', before: null, after: { pipeline: 'p' } })).toBeUndefined();
    expect(await one(`SELECT ${messageKeySql('o')} FROM (SELECT 'record' AS entity, 'x' AS code, '{"after":{"pipeline":"p"}}' AS event) o`)).toBeNull();
  });
});

describe('outbox states and resequencing', () => {
  it('every row is in exactly one state', async () => {
    await fresh();
    await c.run(`INSERT INTO outbox (seq, event_id, entity, op, code, run_id, event, created_at, published_at, parked_reason, held_by, skipped_at) VALUES
      (1, 'a', 'person', 'c', 'x', 'r', '{}', now()::TIMESTAMP, now()::TIMESTAMP, NULL, NULL, NULL),
      (2, 'b', 'person', 'c', 'x', 'r', '{}', now()::TIMESTAMP, NULL, NULL, NULL, NULL),
      (3, 'c', 'person', 'c', 'x', 'r', '{}', now()::TIMESTAMP, NULL, 'too large', NULL, NULL),
      (4, 'd', 'person', 'c', 'x', 'r', '{}', now()::TIMESTAMP, NULL, NULL, 3, NULL),
      (5, 'e', 'person', 'c', 'x', 'r', '{}', now()::TIMESTAMP, NULL, 'too large', NULL, now())`);
    const states = (await c.runAndReadAll(`SELECT ${stateSql()}, ${publishedSql()}::INT + ${pendingSql()}::INT + ${parkedSql()}::INT + ${heldSql()}::INT + ${skippedSql()}::INT FROM outbox ORDER BY seq`)).getRows();
    expect(states).toEqual([['published', 1], ['pending', 1], ['parked', 1], ['held', 1], ['skipped', 1]]);
  });

  it("resequenceTails moves a key's unpublished events, in order, above every seq, rewriting their envelopes; other keys stay", async () => {
    await fresh();
    await insertEvents(c, { count: 12, keys: 3 });
    await c.run(`UPDATE outbox SET published_at = now()::TIMESTAMP WHERE seq IN (1, 2, 3, 6)`);
    await c.run(`UPDATE outbox SET held_by = 4 WHERE seq IN (7, 10)`);
    const before = await outboxRows(c);
    const key = before[3]!.key; // key 0: seqs 1 (published), 4, 7, 10
    const moved = await resequenceTails(c, [{ entity: before[3]!.entity, key, fromSeq: 4n }]);
    expect(moved).toEqual([{ oldSeq: 4n, newSeq: 13n }, { oldSeq: 7n, newSeq: 14n }, { oldSeq: 10n, newSeq: 15n }]);
    const after = await outboxRows(c);
    expect(after.map((r) => r.seq)).toEqual([1n, 2n, 3n, 5n, 6n, 8n, 9n, 11n, 12n, 13n, 14n, 15n]);
    expect(after.slice(-3).map((r) => [r.eventId, r.firstSeq, r.heldBy, r.envelopeSeq])).toEqual([
      [before[3]!.eventId, 4n, null, 13n],
      [before[6]!.eventId, 7n, null, 14n],
      [before[9]!.eventId, 10n, null, 15n],
    ]);
    expect(after.every((r) => r.envelopeSeq === r.seq)).toBe(true);
    // An envelope the writer did not write cannot be moved: the whole step fails.
    await c.run(`UPDATE outbox SET event = '{"seq":5}' WHERE seq = 5`);
    const key5 = after.find((r) => r.seq === 5n)!;
    await expect(resequenceTails(c, [{ entity: key5.entity, key: key5.key, fromSeq: 5n }])).rejects.toThrow(/could not be given a new seq/);
  });

  it('the parking and catalogue migrations bring an outbox of index version 4 up to the current columns', async () => {
    await c.run('DROP TABLE IF EXISTS outbox; DROP SEQUENCE IF EXISTS outbox_seq;');
    await c.run(`CREATE TABLE outbox (seq BIGINT NOT NULL, event_id VARCHAR NOT NULL, entity VARCHAR NOT NULL, op VARCHAR NOT NULL, code VARCHAR NOT NULL,
      run_id VARCHAR NOT NULL, event VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL, published_at TIMESTAMPTZ, parked_reason VARCHAR)`);
    await c.run(OUTBOX_MIGRATION_PARKING);
    await c.run(OUTBOX_MIGRATION_PARKING); // idempotent
    await c.run(OUTBOX_MIGRATION_CATALOGUE);
    await c.run(OUTBOX_MIGRATION_CATALOGUE); // idempotent
    const migrated = (await c.runAndReadAll(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'outbox' ORDER BY ordinal_position`)).getRows();
    await fresh();
    const current = (await c.runAndReadAll(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'outbox' ORDER BY ordinal_position`)).getRows();
    expect(migrated).toEqual(current);
  });
});
