/**
 * A real `onecode serve` with its HTTP API, in this test process, over an indexed sample: the
 * repository's pipelines, `generateSample` output, every pipeline run once into an index file,
 * then serve started on it with `http` on 127.0.0.1 port 0 and a token file holding one token per
 * role. Requests go over real HTTP (fetch).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { addToken, createTokenVerifier } from '../../src/access/tokens.ts';
import type { Role } from '../../src/access/roles.ts';
import { loadPipelineFolder } from '../../src/config/load-pipelines.ts';
import type { KafkaSettings } from '../../src/cli/kafka-settings.ts';
import { openIndex, type OpenIndex } from '../../src/index/open-index.ts';
import type { Logger } from '../../src/logger.ts';
import { runPipeline } from '../../src/run/run-pipeline.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { checkSchedules } from '../../src/serve/scheduled-pipelines.ts';
import { startServe, type Serve } from '../../src/serve/serve.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { REPO } from './workspace.ts';

/** A folder with the sample's exports, the repository's pipelines and an index of one run of each. */
export interface IndexedSample {
  dir: string;
  /** The index file. */
  db: string;
  /** The pipelines folder (a copy of the repository's). */
  pipelinesDir: string;
  pipelines: Pipeline[];
  dispose(): Promise<void>;
}

/** Generates the sample (seed `seed`) and runs every pipeline once (run date 2026-01-01); the index is closed after. */
export async function indexedSample(options: { seed?: number } = {}): Promise<IndexedSample> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-api-'));
  const pipelinesDir = path.join(dir, 'pipelines');
  await cp(path.join(REPO, 'pipelines'), pipelinesDir, { recursive: true });
  await generateSample({ outDir: path.join(dir, 'data/sample'), seed: options.seed ?? 11, scale: 1 });
  const pipelines = await loadPipelineFolder(pipelinesDir);
  const db = path.join(dir, 'index.duckdb');
  const index = await openIndex(db);
  try {
    const logger = pino({ level: 'silent' });
    for (const pipeline of pipelines) {
      const run = await runPipeline({ index, pipeline, logger, runDate: '2026-01-01' });
      if (run.status !== 'succeeded') throw new Error(`${pipeline.name}: the sample run failed (${run.errorCode})`);
    }
  } finally {
    index.close();
  }
  return { dir, db, pipelinesDir, pipelines, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** One token per role, and one of each name. */
export type RoleTokens = Record<Role, string>;

/** A serve with its HTTP API running over a sample. */
export interface ApiServe {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  tokens: RoleTokens;
  tokensFile: string;
  serve: Serve;
  /** The index serve holds (tests read its committed state on connections of their own: connectToIndex). */
  index: OpenIndex;
  /** Every log line serve wrote, parsed. */
  logs: Array<Record<string, unknown> & { msg: string }>;
  /** The raw log text (to search for what must never be logged). */
  logText(): string;
  /** `fetch(origin + path)` with the token of `role` (none when undefined) and extra headers. */
  request(pathAndQuery: string, options?: { role?: Role; token?: string; method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * Starts serve on `sample.db` with `http` on 127.0.0.1:0: every valid pipeline triggerable, the
 * scheduled ones (none in the repository's pipelines) on their schedules.
 */
export async function startApiServe(sample: IndexedSample, options: { kafka?: KafkaSettings; env?: NodeJS.ProcessEnv; consoleDir?: string } = {}): Promise<ApiServe> {
  const tokensFile = path.join(sample.dir, `tokens-${Math.random().toString(36).slice(2)}.json`);
  const tokens = {
    operator: await addToken(tokensFile, 'olga-operator', 'operator'),
    analyst: await addToken(tokensFile, 'anna-analyst', 'analyst'),
    steward: await addToken(tokensFile, 'sam-steward', 'steward'),
  };
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger: Logger = pino({ level: 'info', base: { app: 'onecode' } }, sink);
  const index = await openIndex(sample.db);
  const pipelines = await loadPipelineFolder(sample.pipelinesDir);
  const serve = await startServe({
    index,
    dbPath: sample.db,
    pipelines: checkSchedules(pipelines).scheduled,
    logger,
    ...(options.kafka ? { kafka: options.kafka, relayIntervalMs: 60_000 } : {}),
    http: {
      address: { host: '127.0.0.1', port: 0 },
      tokens: createTokenVerifier(tokensFile),
      pipelines,
      env: options.env ?? { ...process.env, ONECODE_ANALYST_POLICY: 'mask' },
      ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
    },
  });
  const origin = serve.http!.origin;
  const logText = () => chunks.join('');
  return {
    origin,
    tokens,
    tokensFile,
    serve,
    index,
    get logs() {
      return logText().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown> & { msg: string });
    },
    logText,
    request(pathAndQuery, o = {}) {
      const token = o.token ?? (o.role ? tokens[o.role] : undefined);
      const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(o.body === undefined ? {} : { 'content-type': 'application/json' }), ...o.headers };
      return fetch(`${origin}${pathAndQuery}`, { method: o.method ?? 'GET', headers, ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }) });
    },
    stop: () => serve.stop('test done'),
  };
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
