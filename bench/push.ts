/**
 * Push throughput: 1,000,000 outbox events of the sample's shape (person create events with the
 * golden record as `after`) published by `pushOutbox` to a Kafka broker, next to kcat (librdkafka)
 * producing the same keys and values from a file, with the same guarantees (idempotent, acks=all),
 * in the same run. Reported as events per second and as a ratio.
 *
 * Broker: KAFKA_BROKERS if set; else a broker of its own from scripts/kafka.sh (instance "bench"
 * on port 19392, stopped at the end). kcat: the Debian package `kcat`.
 * Env: BENCH_EVENTS (default 1,000,000), BENCH_BATCH (events per relay batch, default 5,000;
 * 5,000 and 20,000 gave the same throughput here).
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

const run = promisify(execFile);
const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const script = fileURLToPath(new URL('../scripts/kafka.sh', import.meta.url));
const brokerEnv = { ...process.env, KAFKA_INSTANCE: 'bench', KAFKA_PORT: '19392' };

export async function benchPush(): Promise<void> {
  if (spawnSync('kcat', ['-V']).status !== 0) throw new Error('kcat not found: apt-get install kcat (the reference producer)');
  let brokers = process.env.KAFKA_BROKERS?.split(',');
  const ownBroker = !brokers;
  if (ownBroker) {
    await run('bash', [script, 'start'], { env: brokerEnv });
    brokers = ['127.0.0.1:19392'];
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-bench-push-'));
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
    const stamp = Date.now();
    const logger = createLogger({ level: 'silent' });

    // onecode: pushOutbox with the idempotent kafkajs producer, marking each batch after the ack.
    const publisher = await createPublisher({ brokers: brokers!, logger, topics: { person: `bench.onecode.${stamp}` }, partitions: 3 });
    let t = performance.now();
    const result = await pushOutbox({ connection, publisher, logger, batchSize: Number(process.env.BENCH_BATCH ?? 5_000) });
    const onecodeSeconds = (performance.now() - t) / 1000;
    await publisher.close();
    if (result.published !== events) throw new Error(`pushed ${result.published} of ${events}`);

    // kcat: the same keys and values from a file, idempotent, acks=all, to a topic of 3 partitions.
    const kcatTopic = `bench.kcat.${stamp}`;
    const creator = await createPublisher({ brokers: brokers!, logger, topics: { person: kcatTopic }, partitions: 3 });
    await creator.close();
    t = performance.now();
    await run('kcat', ['-P', '-b', brokers!.join(','), '-t', kcatTopic, '-K', '\t', '-l',
      '-X', 'enable.idempotence=true', '-X', 'acks=all', '-X', 'linger.ms=5', `${dir}/messages.txt`], { maxBuffer: 1 << 26 });
    const kcatSeconds = (performance.now() - t) / 1000;
    const admin = new Kafka({ brokers: brokers!, clientId: 'onecode-bench', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const kcatCount = (await admin.fetchTopicOffsets(kcatTopic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    await admin.disconnect();
    if (kcatCount !== events) throw new Error(`kcat produced ${kcatCount} of ${events}`);

    console.log(`push: ${events.toLocaleString('en')} events`);
    console.log(`  onecode pushOutbox ${onecodeSeconds.toFixed(2)} s (${Math.round(events / onecodeSeconds).toLocaleString('en')} events/s, marked in the outbox)`);
    console.log(`  kcat               ${kcatSeconds.toFixed(2)} s (${Math.round(events / kcatSeconds).toLocaleString('en')} events/s)`);
    console.log(`ratio onecode / kcat (time): ${(onecodeSeconds / kcatSeconds).toFixed(2)}`);
    connection.closeSync();
    instance.closeSync();
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (ownBroker) await run('bash', [script, 'stop'], { env: brokerEnv }).catch(() => undefined);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await benchPush();
