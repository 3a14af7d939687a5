/**
 * Runs one delivery to one sink in a child process, for the crash tests (which kill it with SIGKILL).
 * Usage: npx tsx tests/sinks/deliver-child.ts <duckdb file> <sink yaml>
 * Prints one JSON line per settled batch: {"delivered":…,"batches":…,"lastSeq":"…"}, then {"done":true,…}.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { pino } from 'pino';
import { deliverToSink } from '../../src/sinks/deliver.ts';
import { openSink } from '../../src/sinks/open-sink.ts';
import { loadSink } from '../../src/sinks/sink-config.ts';

const [path, sinkFile] = process.argv.slice(2);
if (!path || !sinkFile) {
  console.error('usage: deliver-child.ts <duckdb file> <sink yaml>');
  process.exit(2);
}
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const declaration = await loadSink(sinkFile);
const instance = await DuckDBInstance.create(path);
const connection = await instance.connect();
const { sink, atLeast } = await openSink(declaration);
const line = (o: object): void => void process.stdout.write(`${JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
const result = await deliverToSink({ connection, sink, policy: declaration.policy, batchSize: declaration.batch_size, logger, atLeast, onBatch: (p) => line(p) });
line({ done: true, ...result });
await sink.close();
connection.closeSync();
instance.closeSync();
