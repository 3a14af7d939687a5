/**
 * Kafka as one sink among the sinks: declared in a sink file (named kafka, brokers by variable),
 * delivered to beside a drop folder by the relay's own mechanism on the real broker, and listed by
 * status with its position (the outbox's marks) and parked count; serve's one loop delivers to it
 * and a drop folder; `deliver --sink kafka --parked` lists the outbox's parked events.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { openIndex } from '../../src/index/open-index.ts';
import { startServe } from '../../src/serve/serve.ts';
import { deliverAll } from '../../src/sinks/deliver-all.ts';
import { kafkaSettingsOf, type KafkaSinkDeclaration } from '../../src/sinks/kafka-sink.ts';
import { kafkaFeedSettings } from '../../src/sinks/kafka-feed-settings.ts';
import { loadSink, readSinkFolder } from '../../src/sinks/sink-config.ts';
import { readKafkaStatus } from '../../src/sinks/sink-state.ts';
import { consumeAll, insertEvents, outboxRows } from '../push/outbox-fixtures.ts';
import { releaseBroker, resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { collect, openSinkOutbox, REPO } from './sink-fixtures.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'onecode-kafka-sink-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a kafka sink file', () => {
  it('is named kafka, takes its brokers from the variable it names, and the name kafka is no other sink\'s', async () => {
    const sinks = path.join(dir, 'decl');
    await mkdir(sinks);
    await writeFile(path.join(sinks, 'kafka.yaml'), 'kind: kafka\nbrokers_env: ONECODE_TEST_BROKERS\ntopic_prefix: t.sinks\npolicy: personal=clear\n');
    await writeFile(path.join(sinks, 'feed.yaml'), 'kind: kafka\npolicy: personal=clear\n');
    await writeFile(path.join(sinks, 'other.yaml'), 'name: kafka\nkind: file\nfolder: x\npolicy: personal=clear\n');
    const folder = await readSinkFolder(sinks);
    expect(folder.sinks.map((s) => [s.name, s.kind])).toEqual([['kafka', 'kafka']]);
    expect(folder.problems).toEqual([
      `${path.join(sinks, 'feed.yaml')}:1: name: a kafka sink is named kafka (name the file kafka.yaml or give name: kafka): its position is the outbox's own marks, one per index`,
      `${path.join(sinks, 'other.yaml')}:1: name: the name kafka is the Kafka feed's; give this file sink another name`,
    ]);
    const declaration = folder.sinks[0] as KafkaSinkDeclaration;
    expect(() => kafkaSettingsOf(declaration, {})).toThrow(`${declaration.file}: brokers_env: environment variable ONECODE_TEST_BROKERS is not set (or empty); export the brokers in it, host:port[,host:port]`);
    expect(() => kafkaSettingsOf(declaration, { ONECODE_TEST_BROKERS: 'no-port' })).toThrow(new RegExp(`^${declaration.file}: brokers: 'no-port' is not host:port`));
    const settings = kafkaSettingsOf(declaration, { ONECODE_TEST_BROKERS: '127.0.0.1:9092', ONECODE_TOPIC_PREFIX: 'ignored' });
    expect(settings).toMatchObject({ brokers: ['127.0.0.1:9092'], topics: { person: 't.sinks.person.v1' }, feed: { explicit: true, policy: { personal: 'clear' } } });
  });
});

describe('the Kafka feed of run and serve', () => {
  it('is the declared sink\'s when there is one, the environment\'s otherwise; a contradiction or an invalid kafka.yaml is refused', async () => {
    const sinks = path.join(dir, 'feed');
    await mkdir(sinks);
    const none = await readSinkFolder(sinks);
    expect(kafkaFeedSettings(none, {})).toBeUndefined();
    expect(kafkaFeedSettings(none, { KAFKA_BROKERS: '127.0.0.1:9092', ONECODE_TOPIC_PREFIX: 'env' })).toMatchObject({ brokers: ['127.0.0.1:9092'], topics: { person: 'env.person.v1' }, feed: { explicit: false } });

    await writeFile(path.join(sinks, 'kafka.yaml'), 'kind: kafka\nbrokers_env: ONECODE_TEST_BROKERS\ntopic_prefix: t.feed\npartitions: 2\npolicy: personal=clear\n');
    const declared = await readSinkFolder(sinks);
    const brokers = { ONECODE_TEST_BROKERS: '127.0.0.1:9092' };
    expect(kafkaFeedSettings(declared, brokers)).toMatchObject({ brokers: ['127.0.0.1:9092'], topics: { person: 't.feed.person.v1' }, partitions: 2, feed: { explicit: true } });
    // Agreeing is no contradiction (the same brokers, prefix, partitions and policy, however written).
    expect(kafkaFeedSettings(declared, { ...brokers, KAFKA_BROKERS: ' 127.0.0.1:9092 ', ONECODE_TOPIC_PREFIX: 't.feed', ONECODE_TOPIC_PARTITIONS: '2', ONECODE_FEED_POLICY: 'personal=clear,internal=clear' })).toMatchObject({ partitions: 2 });
    const file = path.relative(process.cwd(), path.join(sinks, 'kafka.yaml'));
    expect(() => kafkaFeedSettings(declared, { ...brokers, ONECODE_TOPIC_PARTITIONS: '3', ONECODE_FEED_POLICY: 'personal=pseudonymise' })).toThrow(
      `${file}: the Kafka feed is declared here and in the environment, differently: partitions differs from ONECODE_TOPIC_PARTITIONS; policy differs from ONECODE_FEED_POLICY. Unset the variable or make the two agree`);

    await writeFile(path.join(sinks, 'kafka.yaml'), 'kind: kafka\nbrokers_env: ONECODE_TEST_BROKERS\npolicy: personal=sometimes\n');
    const invalid = await readSinkFolder(sinks);
    expect(() => kafkaFeedSettings(invalid, { KAFKA_BROKERS: '127.0.0.1:9092' })).toThrow(/kafka\.yaml:3: policy: .*\nthe Kafka sink file is invalid: fix it \(or remove it to publish from KAFKA_BROKERS\); nothing is published until then$/);
  });
});

describe('the kafka sink on the broker', () => {
  let broker: ResolvedKafka | undefined;
  const prefix = `t.kafka-sink.${process.pid}.${Date.now()}`;
  const servePrefix = `${prefix}.serve`;
  beforeAll(async () => {
    broker = await resolveKafkaBrokers();
  }, 300_000);
  afterAll(async () => {
    await releaseBroker(broker, [prefix, servePrefix].flatMap((p) => ['person', 'legal_person', 'record'].map((e) => `${p}.${e}.v1`)));
  });

  it('is delivered to beside a drop folder by its own relay, and listed with its position and parked count', async () => {
    const drop = path.join(dir, 'drop');
    await mkdir(drop);
    const sinks = path.join(dir, 'sinks');
    await mkdir(sinks);
    await writeFile(path.join(sinks, 'kafka.yaml'), `kind: kafka\nbrokers_env: ONECODE_TEST_BROKERS\ntopic_prefix: ${prefix}\npolicy: personal=clear\nbatch_size: 40\n`);
    await writeFile(path.join(sinks, 'drop.yaml'), `kind: file\nfolder: ${drop}\npolicy: personal=clear\n`);
    const env = { ...process.env, ONECODE_TEST_BROKERS: broker!.brokers.join(',') };
    const outbox = await openSinkOutbox();
    try {
      await insertEvents(outbox.connection, { count: 100, keys: 10 });
      expect(await readKafkaStatus(outbox.connection)).toBeUndefined();
      const { sinks: declared } = await readSinkFolder(sinks);
      const outcomes = await deliverAll({ connection: outbox.connection, sinks: declared, logger, env });
      expect(outcomes).toEqual([
        { ok: true, sink: 'drop', delivered: 100, parked: 0, held: 0, batches: 1, lastSeq: 100n },
        { ok: true, sink: 'kafka', delivered: 100, alreadyOnTarget: 0, parked: 0, held: 0, batches: 3, lastSeq: 100n },
      ]);
      const messages = await consumeAll({ brokers: broker!.brokers, topics: Object.values(kafkaSettingsOf(declared[1] as KafkaSinkDeclaration, env).topics), expected: 100 });
      const deletes = (await outboxRows(outbox.connection)).filter((e) => e.op === 'd').length;
      expect(messages.filter((m) => m.value !== null).map((m) => m.eventId).sort()).toEqual((await outboxRows(outbox.connection)).map((e) => e.eventId).sort());
      expect(messages.filter((m) => m.value === null)).toHaveLength(deletes);
      expect((await collect(drop, 'ndjson')).rows).toHaveLength(100);

      // Again: nothing more to either. Its status line is read from the outbox's marks.
      const again = await deliverAll({ connection: outbox.connection, sinks: declared, logger, env });
      expect(again.map((o) => (o.ok ? [o.sink, o.delivered] : [o.sink, o.code]))).toEqual([['drop', 0], ['kafka', 0]]);
      await insertEvents(outbox.connection, { count: 5, keys: 10 });
      await outbox.connection.run(`UPDATE outbox SET parked_reason = 'larger than the topic accepts (test)', parked_at = now() WHERE seq = 101`);
      expect(await readKafkaStatus(outbox.connection)).toEqual({ sink: 'kafka', kind: 'kafka', last_seq: 101, delivered: 100, parked: 1, held: 0, behind: 4 });
    } finally {
      await outbox.remove();
    }
  }, 180_000);

  it('is delivered to by serve\'s one loop beside a drop folder, with the declared brokers variable, prefix and policy', async () => {
    const drop = path.join(dir, 'serve-drop');
    await mkdir(drop);
    const sinks = path.join(dir, 'serve-sinks');
    await mkdir(sinks);
    await writeFile(path.join(sinks, 'kafka.yaml'), `kind: kafka\nbrokers_env: ONECODE_TEST_BROKERS\ntopic_prefix: ${servePrefix}\npolicy: personal=clear\n`);
    await writeFile(path.join(sinks, 'drop.yaml'), `kind: file\nfolder: ${drop}\npolicy: personal=clear\nbatch_size: 30\n`);
    const env = { ...process.env, ONECODE_TEST_BROKERS: broker!.brokers.join(',') };
    const { sinks: declared, problems } = await readSinkFolder(sinks);
    expect(problems).toEqual([]);
    const kafka = kafkaSettingsOf(declared.find((s): s is KafkaSinkDeclaration => s.kind === 'kafka')!, env);
    const dbPath = path.join(dir, 'serve.duckdb');
    const index = await openIndex(dbPath);
    await insertEvents(index.connection, { count: 90, keys: 9 });
    const serve = await startServe({ index, dbPath, pipelines: [], logger, kafka, sinks: declared, relayIntervalMs: 200 });
    try {
      const deadline = Date.now() + 30_000;
      while ((await collect(drop, 'ndjson')).rows.length < 90 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await collect(drop, 'ndjson')).rows).toHaveLength(90);
      // The relay creates the topics on its first push: read them once they are there.
      let messages: Awaited<ReturnType<typeof consumeAll>> | undefined;
      for (let attempt = 0; messages === undefined; attempt++) {
        messages = await consumeAll({ brokers: broker!.brokers, topics: Object.values(kafka.topics), expected: 90 }).catch((error: unknown) => {
          if (attempt >= 40) throw error;
          return new Promise<undefined>((r) => setTimeout(() => r(undefined), 500));
        });
      }
      expect(new Set(messages.filter((m) => m.value !== null).map((m) => m.eventId)).size).toBe(90);
    } finally {
      await serve.stop('test');
    }
    const reopened = await openIndex(dbPath);
    try {
      expect(await readKafkaStatus(reopened.connection)).toEqual({ sink: 'kafka', kind: 'kafka', last_seq: 90, delivered: 90, parked: 0, held: 0, behind: 0 });
    } finally {
      reopened.close();
    }
  }, 180_000);
});

it('onecode deliver --sink kafka --parked lists the outbox\'s parked events, without a broker', async () => {
  const sinks = path.join(dir, 'cli-kafka');
  await mkdir(sinks);
  await writeFile(path.join(sinks, 'kafka.yaml'), 'kind: kafka\nbrokers_env: ONECODE_TEST_NO_BROKER\npolicy: personal=clear\n');
  const dbFile = path.join(dir, 'cli-kafka.duckdb');
  const outbox = await openSinkOutbox(dbFile);
  await insertEvents(outbox.connection, { count: 12, keys: 4 });
  await outbox.connection.run(`UPDATE outbox SET parked_reason = 'larger than the topic accepts (test)', parked_at = now() WHERE seq = 3`);
  await outbox.connection.run(`UPDATE outbox SET held_by = 3 WHERE seq IN (7, 11)`);
  outbox.close();
  const listed = await promisify(execFile)('npx', ['tsx', 'src/cli.ts', 'deliver', '--db', dbFile, '--sinks', sinks, '--sink', 'kafka', '--parked'], { cwd: REPO });
  expect(listed.stdout).toBe('{"sink":"kafka","seq":3,"entity":"record","reason":"larger than the topic accepts (test)","state":"parked","holding":2}\n');
}, 60_000);

it('loadSink reads a kafka sink with the relay\'s batch size by default', async () => {
  const file = path.join(dir, 'kafka.yaml');
  await writeFile(file, 'kind: kafka\npolicy: personal=pseudonymise\n');
  expect(await loadSink(file)).toMatchObject({ name: 'kafka', kind: 'kafka', brokers_env: 'KAFKA_BROKERS', batch_size: 5000, policy: { personal: 'pseudonymise' } });
});
