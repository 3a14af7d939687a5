/**
 * A real `onecode serve` with its HTTP API, in this test process, over an indexed sample
 * (indexed-sample.ts: the repository's pipelines run once on the generated sample): serve takes
 * the workspace's open index, with `http` on 127.0.0.1 port 0 and a token file holding one token
 * per role. Requests go over real HTTP (fetch).
 */
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { addToken, createTokenVerifier } from '../../src/access/tokens.ts';
import type { Role } from '../../src/access/roles.ts';
import { loadPipelineFolder } from '../../src/config/load-pipelines.ts';
import type { KafkaSettings } from '../../src/cli/kafka-settings.ts';
import type { OpenIndex } from '../../src/index/open-index.ts';
import type { Logger } from '../../src/logger.ts';
import { checkSchedules } from '../../src/serve/scheduled-pipelines.ts';
import { startServe, type Serve } from '../../src/serve/serve.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import type { Workspace } from './workspace.ts';

/** Where a workspace keeps its index file and its pipelines (tests/support/workspace.ts, indexed-sample.ts). */
export function workspaceFiles(ws: Workspace): { db: string; pipelinesDir: string } {
  return { db: path.join(ws.dir, 'index.duckdb'), pipelinesDir: path.join(ws.dir, 'pipelines') };
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
  /** The index file and the pipelines serve was given. */
  db: string;
  pipelines: Pipeline[];
  /** The index serve holds (tests read its committed state on connections of their own: connectToIndex). */
  index: OpenIndex;
  /** Every log line serve wrote, parsed. */
  logs: Array<Record<string, unknown> & { msg: string }>;
  /** The raw log text (to search for what must never be logged). */
  logText(): string;
  /** `fetch(origin + path)` with the token of `role` (none when undefined) and extra headers. */
  request(pathAndQuery: string, options?: { role?: Role; token?: string; method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  /** Stops serve (which closes the index). */
  stop(): Promise<void>;
}

/**
 * Starts serve on the workspace's index (open for writing; serve closes it when it stops) with
 * `http` on 127.0.0.1:0: every valid pipeline of its folder triggerable, the scheduled ones (none
 * in the repository's pipelines) on their schedules. The token file is written in the workspace.
 */
export async function startApiServe(ws: Workspace, options: { kafka?: KafkaSettings; env?: NodeJS.ProcessEnv; consoleDir?: string } = {}): Promise<ApiServe> {
  const { db, pipelinesDir } = workspaceFiles(ws);
  const tokensFile = path.join(ws.dir, `tokens-${Math.random().toString(36).slice(2)}.json`);
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
  const index = ws.index;
  const pipelines = await loadPipelineFolder(pipelinesDir);
  const serve = await startServe({
    index,
    dbPath: db,
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
    db,
    pipelines,
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
