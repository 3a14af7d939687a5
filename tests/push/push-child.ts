/**
 * Runs one push in a child process, for the crash-resume test (which kills it with SIGKILL).
 * Usage: npx tsx tests/push/push-child.ts <duckdb file> <brokers,comma,separated> <topics JSON> [batchSize]
 * Prints one JSON line per settled batch: {"published":…,"skippedAlreadyOnBroker":…,"parked":…,"lastSeq":"…"}.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { pino } from 'pino';
import { createPublisher } from '../../src/push/publisher.ts';
import { pushOutbox } from '../../src/push/relay.ts';

const [path, brokers, topicsJson, batchSize] = process.argv.slice(2);
if (!path || !brokers || !topicsJson) {
  console.error('usage: push-child.ts <duckdb file> <brokers> <topics JSON> [batchSize]');
  process.exit(2);
}
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const instance = await DuckDBInstance.create(path);
const connection = await instance.connect();
const publisher = await createPublisher({ brokers: brokers.split(','), logger, topics: JSON.parse(topicsJson) });
const result = await pushOutbox({
  connection,
  publisher,
  logger,
  batchSize: Number(batchSize ?? 1000),
  onProgress: (p) => {
    process.stdout.write(`${JSON.stringify({ ...p, lastSeq: p.lastSeq.toString() })}\n`);
  },
});
process.stdout.write(`${JSON.stringify({ done: true, ...result })}\n`);
await publisher.close();
connection.closeSync();
instance.closeSync();
