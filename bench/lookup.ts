/**
 * Lookups by one code on an index of BENCH_LOOKUP_PERSONS persons (default 1,000,000): through
 * the HTTP API of `onecode serve --http` (a steward's token: values in clear, every lookup
 * authenticated, protected and recorded in access_log) next to the same lookups run directly on the
 * index in one process (lookupCode on connections of one DuckDB instance), with 1, 8 and 32
 * concurrent clients. Reported: lookups per second, p50 and p99 latency, and the ratios
 * API / in process (a benchmark, not a test: these machines are shared and noisy).
 *
 * The API side pays for what the direct side does not: HTTP, the token check, the access guard
 * (the document protected, here under `clear`), and the access recorded in access_log (a write).
 *
 * Env: BENCH_LOOKUP_PERSONS, BENCH_LOOKUP_REQUESTS (lookups per level and side, default 400),
 * BENCH_LOOKUP_CLIENTS (default 1,8,32), BENCH_LOOKUP_ROUNDS (default 2).
 */
import { Agent, request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadPipeline } from '../src/config/load-pipelines.ts';
import { lookupCode } from '../src/index/lookup.ts';
import { connectToIndex, openIndex } from '../src/index/open-index.ts';
import { createLogger } from '../src/logger.ts';
import { runPipeline } from '../src/run/run-pipeline.ts';
import { writePersonBenchmarkCsv } from '../src/sample/bench-persons.ts';
import { addToken, createTokenVerifier } from '../src/access/tokens.ts';
import { startServe } from '../src/serve/serve.ts';
import type { BenchFigure } from './figure.ts';
import { NO_TARGET } from './stats.ts';

const persons = Number(process.env.BENCH_LOOKUP_PERSONS ?? 1_000_000);
const requests = Number(process.env.BENCH_LOOKUP_REQUESTS ?? 400);
const clientLevels = (process.env.BENCH_LOOKUP_CLIENTS ?? '1,8,32').split(',').map(Number);
const rounds = Number(process.env.BENCH_LOOKUP_ROUNDS ?? 2);
const RUN_DATE = '2026-01-01';

/** Latencies of one level: lookups per second and percentiles, in ms. */
export interface LevelResult {
  clients: number;
  perSecond: number;
  p50: number;
  p99: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/**
 * Runs `count` lookups of `codes` (round robin) with `clients` concurrent workers, each made by
 * `worker(i)` (a function looking up one code); measures each lookup.
 */
export async function measureLevel(codes: readonly string[], count: number, clients: number, worker: (i: number) => Promise<(code: string) => Promise<void>>): Promise<LevelResult> {
  const workers = await Promise.all(Array.from({ length: clients }, (_, i) => worker(i)));
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(workers.map(async (lookup) => {
    for (let n = next++; n < count; n = next++) {
      const t = performance.now();
      await lookup(codes[n % codes.length]!);
      latencies.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { clients, perSecond: count / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/** GET `url` on a kept-alive connection of `agent`; resolves with the status once the body is read. */
function get(agent: Agent, url: URL, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** One round of both sides at every level: results per level, in process and through the API. */
interface Round {
  inProcess: LevelResult[];
  api: LevelResult[];
}

/**
 * Both sides on one open index, so they share its instance and its cache: serve on the index (no
 * pipeline, HTTP on 127.0.0.1, its default 4 read connections) with a steward's token, each HTTP
 * client one kept-alive connection; and lookupCode on connections of the same instance
 * (connectToIndex, one per client). A warm-up of 100 lookups first, then BENCH_LOOKUP_ROUNDS
 * rounds (default 2), each level measured in process then through the API, so that a change in
 * the machine's load falls on both sides.
 */
export async function interleavedRounds(dir: string, dbPath: string, codes: readonly string[]): Promise<Round[]> {
  const tokensFile = path.join(dir, 'tokens.json');
  const token = await addToken(tokensFile, 'bench', 'steward');
  const logger = createLogger({ level: 'silent' });
  const index = await openIndex(dbPath);
  const serve = await startServe({
    index, dbPath, pipelines: [], logger,
    http: { address: { host: '127.0.0.1', port: 0 }, tokens: createTokenVerifier(tokensFile), pipelines: [] },
  });
  try {
    const origin = serve.http!.origin;
    const inProcess = async (clients: number): Promise<LevelResult> => {
      const connections = await Promise.all(Array.from({ length: clients }, () => connectToIndex(index)));
      try {
        return await measureLevel(codes, requests, clients, async (i) => async (code) => {
          if ((await lookupCode(connections[i]!, code, RUN_DATE)) === null) throw new Error('a sampled code did not look up');
        });
      } finally {
        for (const c of connections) c.closeSync();
      }
    };
    const api = async (clients: number): Promise<LevelResult> => {
      const agents = Array.from({ length: clients }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
      try {
        return await measureLevel(codes, requests, clients, async (i) => async (code) => {
          const status = await get(agents[i]!, new URL(`/api/v1/lookup/${code}`, origin), token);
          if (status !== 200) throw new Error(`a sampled code answered ${status}`);
        });
      } finally {
        for (const a of agents) a.destroy();
      }
    };
    await measureLevel(codes, 100, 1, async () => async (code) => void (await lookupCode(index.connection, code, RUN_DATE)));
    const result: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      const round: Round = { inProcess: [], api: [] };
      for (const clients of clientLevels) {
        round.inProcess.push(await inProcess(clients));
        round.api.push(await api(clients));
      }
      result.push(round);
    }
    return result;
  } finally {
    await serve.stop('benchmark done');
  }
}

/** Builds the benchmark index of `rows` persons in `dir`; returns its path and a sample of its codes. */
export async function buildPersonIndex(dir: string, rows: number): Promise<{ dbPath: string; codes: string[] }> {
  await writePersonBenchmarkCsv(path.join(dir, 'persons.csv'), rows, 1);
  await writeFile(path.join(dir, 'bench-persons.yaml'), stringify({
    name: 'bench-persons', system: 'benchmark', entity: 'person', connector: { kind: 'csv', path: 'persons.csv' },
    mapping: { id_number: '身份证号', name: '姓名', sex: '性别', birth_date: '出生日期', phone: '手机号', employer_name: '工作单位', employer_uscc: '单位统一社会信用代码', updated_at: '更新时间' },
    source_key: ['身份证号'],
  }));
  const dbPath = path.join(dir, 'index.duckdb');
  const index = await openIndex(dbPath);
  try {
    const summary = await runPipeline({ index, pipeline: await loadPipeline(path.join(dir, 'bench-persons.yaml')), logger: createLogger({ level: 'silent' }), runDate: RUN_DATE });
    if (summary.status !== 'succeeded') throw new Error(`benchmark run failed: ${summary.errorCode}`);
    const codes = (await index.connection.runAndReadAll(`SELECT id_number FROM golden_person USING SAMPLE 2000 ROWS (reservoir, 7)`)).getRows().map((r) => String(r[0]));
    return { dbPath, codes };
  } finally {
    index.close();
  }
}

/**
 * The lookup benchmark (module doc); returns one figure per client level: lookups per second
 * through the API next to in process (ratio in process ÷ API, so higher is slower; no target).
 */
export async function benchLookup(): Promise<BenchFigure[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-bench-lookup-'));
  try {
    const t0 = performance.now();
    const { dbPath, codes } = await buildPersonIndex(dir, persons);
    console.log(`lookup: index of ${persons.toLocaleString('en')} persons built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const results = await interleavedRounds(dir, dbPath, codes);
    const median = (xs: number[]): number => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    const line = (r: LevelResult) => `${r.perSecond.toFixed(1)} lookups/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`;
    for (const [n, round] of results.entries()) {
      for (const [i, r] of round.inProcess.entries()) console.log(`  round ${n + 1}, ${String(r.clients).padStart(2)} clients: in process ${line(r)}; API ${line(round.api[i]!)}`);
    }
    console.log(`median of ${rounds} rounds, ${requests} lookups per level and side:`);
    const figures: BenchFigure[] = [];
    for (const [i, clients] of clientLevels.entries()) {
      const of = (side: 'inProcess' | 'api', key: 'perSecond' | 'p50' | 'p99') => median(results.map((r) => r[side][i]![key]));
      console.log(`  ${String(clients).padStart(2)} clients: in process ${of('inProcess', 'perSecond').toFixed(1)} lookups/s (p50 ${of('inProcess', 'p50').toFixed(1)} ms, p99 ${of('inProcess', 'p99').toFixed(1)} ms); API ${of('api', 'perSecond').toFixed(1)} lookups/s (p50 ${of('api', 'p50').toFixed(1)} ms, p99 ${of('api', 'p99').toFixed(1)} ms); API/in process: ${(of('api', 'perSecond') / of('inProcess', 'perSecond')).toFixed(2)} of the rate, p50 ×${(of('api', 'p50') / of('inProcess', 'p50')).toFixed(2)}`);
      figures.push({
        figure: `lookup through the HTTP API, ${clients} client${clients === 1 ? '' : 's'}, ${persons.toLocaleString('en')} persons`,
        ours: Math.round(of('api', 'perSecond') * 10) / 10, reference: Math.round(of('inProcess', 'perSecond') * 10) / 10, referenceName: 'lookupCode in process, same index',
        unit: 'lookups/s', ratio: Math.round((of('inProcess', 'perSecond') / of('api', 'perSecond')) * 1000) / 1000, target: NO_TARGET, met: true,
        note: `median of ${rounds} rounds of ${requests} lookups; p50 ${of('api', 'p50').toFixed(0)} ms against ${of('inProcess', 'p50').toFixed(0)} ms`,
      });
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await benchLookup();
