/**
 * `onecode serve` delivers the outbox to every declared sink (src/serve/delivery-loop.ts), without
 * Kafka and without scheduled pipelines, and a sink whose target is down holds no other.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pino } from 'pino';
import { openIndex } from '../../src/index/open-index.ts';
import { startServe } from '../../src/serve/serve.ts';
import { loadSink } from '../../src/sinks/sink-config.ts';
import { readSinkStatus } from '../../src/sinks/sink-state.ts';
import { insertEvents } from '../push/outbox-fixtures.ts';
import { writeSinkFile } from './sink-fixtures.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'onecode-serve-sinks-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('serve delivers to each declared sink while the other is down', async () => {
  const drop = path.join(dir, 'drop');
  await mkdir(drop);
  process.env.ONECODE_TEST_DOWN_URL = 'mysql://u:p@127.0.0.1:9/db';
  const sinks = [
    await loadSink(await writeSinkFile(dir, 'down', { kind: 'exchange-table', dialect: 'mysql', url_env: 'ONECODE_TEST_DOWN_URL', policy: 'personal=clear' })),
    await loadSink(await writeSinkFile(dir, 'drop', { kind: 'file', folder: drop, policy: 'personal=clear', batch_size: 50 })),
  ];
  const dbPath = path.join(dir, 'index.duckdb');
  const index = await openIndex(dbPath);
  await insertEvents(index.connection, { count: 120, keys: 10 });
  const serve = await startServe({ index, dbPath, pipelines: [], logger, sinks, relayIntervalMs: 200, http: undefined });
  const rows = async (): Promise<number> => {
    let n = 0;
    for (const f of (await readdir(drop)).filter((x) => x.endsWith('.manifest.json'))) n += (JSON.parse(await readFile(path.join(drop, f), 'utf8')) as { counts: { rows: number } }).counts.rows;
    return n;
  };
  const deadline = Date.now() + 30_000;
  while ((await rows()) < 120 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await rows()).toBe(120);
  await serve.stop('test');
  const reopened = await openIndex(dbPath);
  try {
    expect(await readSinkStatus(reopened.connection)).toEqual([{ sink: 'drop', kind: 'file', last_seq: 120, delivered: 120, parked: 0, held: 0, behind: 0 }]);
  } finally {
    reopened.close();
  }
}, 60_000);
