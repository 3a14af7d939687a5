/**
 * Push throughput, end to end: outbox events of the sample's shape (person create events with the
 * golden record as `after`) read from a DuckDB outbox, published by `pushOutbox` and marked
 * published after the broker's acknowledgement, next to kcat (librdkafka) producing the same keys
 * and values from a file, with the same guarantees (idempotent, acks=all), to the same broker, in
 * the same run. Rounds alternate kcat and onecode (each to a fresh topic of 3 partitions; the
 * outbox is marked pending again between rounds); the figure is the median of each.
 *
 * Broker: KAFKA_BROKERS if set; else a broker of its own from scripts/kafka.sh (instance
 * BENCH_KAFKA_INSTANCE, default "bench", on BENCH_KAFKA_PORT, default 19392; stopped at the end).
 * kcat: the Debian package `kcat`.
 * Env: BENCH_EVENTS (default 1,000,000), BENCH_BATCH (events per relay batch, default: the
 * relay's), BENCH_PUSH_ROUNDS (default 3), BENCH_LOG_LEVEL (default silent; info shows the relay's
 * time waiting on the outbox and on the broker).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kafka, logLevel } from 'kafkajs';
import { createLogger } from '../src/logger.ts';
import { createPublisher, OUTBOX_DDL, pushOutbox } from '../src/push/index.ts';
import type { BenchFigure } from './figure.ts';

const run = promisify(execFile);
const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const rounds = Number(process.env.BENCH_PUSH_ROUNDS ?? 3);
const batchSize = process.env.BENCH_BATCH === undefined ? undefined : Number(process.env.BENCH_BATCH);
const script = fileURLToPath(new URL('../scripts/kafka.sh', import.meta.url));
const brokerPort = process.env.BENCH_KAFKA_PORT ?? '19392';
const brokerEnv = { ...process.env, KAFKA_INSTANCE: process.env.BENCH_KAFKA_INSTANCE ?? 'bench', KAFKA_PORT: brokerPort };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (n: number) => Math.round(n).toLocaleString('en');

/**
 * Runs the push benchmark and returns its figure: events per second of onecode (outbox → broker →
 * marked) and of kcat on the same messages; ratio = kcat's rate ÷ onecode's (target ≤ 3).
 * @throws Error when kcat is missing, or when a side did not publish every event.
 */
export async function benchPush(): Promise<BenchFigure[]> {
  if (spawnSync('kcat', ['-V']).status !== 0) throw new Error('kcat not found: apt-get install kcat (the reference producer)');
  let brokers = process.env.KAFKA_BROKERS?.split(',');
  const ownBroker = !brokers;
  if (ownBroker) {
    await run('bash', [script, 'start'], { env: brokerEnv });
    brokers = [`127.0.0.1:${brokerPort}`];
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-bench-push-'));
  const admin = new Kafka({ brokers: brokers!, clientId: 'onecode-bench', logLevel: logLevel.NOTHING }).admin();
  try {
    const instance = await DuckDBInstance.create(path.join(dir, 'outbox.duckdb'));
    const connection = await instance.connect();
    await connection.run(OUTBOX_DDL);
    // Events shaped like the sample's person creates (see src/index/plan/outbox-events.ts).
    await connection.run(`
      INSERT INTO outbox (seq, event_id, entity, op, code, run_id, event, created_at)
      SELECT i + 1, id, 'person', 'c', code, 'r000001',
             '{"schema":"onecode.change.v1","id":"' || id || '","seq":' || (i + 1) || ',"op":"c","entity":"person","code":"' || code
               || '","before":null,"after":{"id_number":"' || code || '","name":"陈明","sex":"male","birth_date":"1985-03-17","region_code":"350102","employer_name":"福州示例会计服务有限公司","employer_uscc":"91350100MA2Y8K3P3P"}'
               || ',"source":{"pipeline":"accounting-staff","system":"会计人员管理系统","run_id":"r000001"},"ts_ms":1795973438877}',
             now()::TIMESTAMP
      FROM (SELECT i, CAST(uuid() AS VARCHAR) AS id, '350102' || lpad(CAST(i AS VARCHAR), 12, '0') AS code FROM range(${events}) t(i))`);
    await connection.run(`COPY (SELECT code || chr(9) || event FROM outbox ORDER BY seq) TO '${dir}/messages.txt' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x1f')`);
    await connection.run('CHECKPOINT');
    const stamp = Date.now();
    const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' });
    await admin.connect();
    const onBroker = async (topic: string): Promise<number> => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);

    const ours: number[] = [];
    const reference: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      // kcat: the same keys and values from a file, idempotent, acks=all, to a topic of 3 partitions.
      const kcatTopic = `bench.kcat.${stamp}.${round}`;
      const creator = await createPublisher({ brokers: brokers!, logger, topics: { person: kcatTopic }, partitions: 3 });
      await creator.close();
      let t = performance.now();
      await run('kcat', ['-P', '-b', brokers!.join(','), '-t', kcatTopic, '-K', '\t', '-l',
        '-X', 'enable.idempotence=true', '-X', 'acks=all', '-X', 'linger.ms=5', `${dir}/messages.txt`], { maxBuffer: 1 << 26 });
      const kcatSeconds = (performance.now() - t) / 1000;
      const kcatCount = await onBroker(kcatTopic);
      if (kcatCount !== events) throw new Error(`kcat produced ${kcatCount} of ${events}`);

      // onecode: pushOutbox, marking what the broker acknowledged; the clock includes connecting
      // and the read-back, as a push from the command line pays them.
      if (round > 1) await connection.run('UPDATE outbox SET published_at = NULL; CHECKPOINT');
      const topic = `bench.onecode.${stamp}.${round}`;
      t = performance.now();
      const publisher = await createPublisher({ brokers: brokers!, logger, topics: { person: topic }, partitions: 3 });
      const result = await pushOutbox({ connection, publisher, logger, ...(batchSize === undefined ? {} : { batchSize }) });
      const onecodeSeconds = (performance.now() - t) / 1000;
      await publisher.close();
      if (result.published !== events) throw new Error(`pushed ${result.published} of ${events}`);
      const marked = Number((await connection.runAndReadAll('SELECT count(*) AS n FROM outbox WHERE published_at IS NOT NULL')).getRowObjectsJS()[0]!.n);
      if (marked !== events) throw new Error(`marked ${marked} of ${events}`);
      if ((await onBroker(topic)) !== events) throw new Error(`the broker has ${await onBroker(topic)} of ${events} pushed events`);

      reference.push(events / kcatSeconds);
      ours.push(events / onecodeSeconds);
      console.log(`  push round ${round}: kcat ${rate(events / kcatSeconds)} events/s, onecode ${rate(events / onecodeSeconds)} events/s, ratio ${(onecodeSeconds / kcatSeconds).toFixed(2)}`);
    }
    connection.closeSync();
    instance.closeSync();

    const kcatRate = median(reference);
    const onecodeRate = median(ours);
    const ratio = kcatRate / onecodeRate;
    console.log(`push: ${events.toLocaleString('en')} events, median of ${rounds}: kcat ${rate(kcatRate)} events/s, onecode ${rate(onecodeRate)} events/s (outbox → broker → marked), ratio ${ratio.toFixed(2)} (target ≤ 3)`);
    return [
      {
        figure: `push: outbox → broker → marked, ${events.toLocaleString('en')} events`,
        ours: Math.round(onecodeRate),
        reference: Math.round(kcatRate),
        referenceName: 'kcat (librdkafka), idempotent, acks=all',
        unit: 'events/s',
        ratio: Number(ratio.toFixed(2)),
        target: '≤ 3',
        met: ratio <= 3,
        note: `median of ${rounds} alternating rounds, same broker and messages`,
      },
    ];
  } finally {
    await admin.disconnect().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    if (ownBroker) await run('bash', [script, 'stop'], { env: brokerEnv }).catch(() => undefined);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const f of await benchPush()) console.log(JSON.stringify(f));
}
