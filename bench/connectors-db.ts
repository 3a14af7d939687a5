/**
 * `BENCH_ONLY=db npm run bench`: the `postgres` and `mysql` connectors reading a table of
 * BENCH_ROWS (default 1,000,000) persons (the CSV benchmark's rows, loaded by the servers' own
 * bulk loaders), next to the servers' own exports of the same table in the same run:
 * - extract: the connector's `extract()` (one snapshot, server-side cursor or paused stream, every
 *   value converted to text) against `psql -c "COPY … TO STDOUT"` (PostgreSQL), and
 *   `mysql --quick -e "SELECT …"` and `mysqldump --quick --single-transaction` (MySQL), all
 *   written to /dev/null; median of BENCH_REPEAT (default 3), as rows/s and a ratio;
 * - memory: the peak resident set size of this process during one extract, above the one before,
 *   and one extract in a child process whose V8 old space is capped at 32 MiB (it completes only
 *   if the rows are not held);
 * - cursor: a full first run of a `mode: cursor` pipeline into the index, then 1% of the rows
 *   changed, then the cursor run that reads them, as a share of the first run's time.
 *
 * Servers: BENCH_POSTGRES_URL / BENCH_MYSQL_URL, else those the tests use (tests/support: the
 * *_TEST_URL variables, a Docker engine, or scripts/postgres.sh and scripts/mysql.sh). BENCH_DB
 * (`postgres` or `mysql`) picks one. Needs psql, mysql and mysqldump on PATH.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { loadPipeline } from '../src/config/load-pipelines.ts';
import { openIndex } from '../src/index/open-index.ts';
import { createLogger } from '../src/logger.ts';
import { runPipeline } from '../src/run/run-pipeline.ts';
import { writePersonBenchmarkCsv } from '../src/sample/bench-persons.ts';
import { extractOnly, type ExtractFigures } from './extract-capped.ts';
import type { BenchFigure } from './figure.ts';
import { timeFigure } from './stats.ts';
import { resolveMysql } from '../tests/support/mysql.ts';
import { resolvePostgres } from '../tests/support/postgres.ts';

const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
const repeat = Number(process.env.BENCH_REPEAT ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const perSecond = (ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s`;
const TABLE = 'bench_persons';
const COLUMNS = ['身份证号', '姓名', '性别', '出生日期', '手机号', '工作单位', '单位统一社会信用代码', '从业资格', '更新时间'];
const logger = createLogger({ level: 'silent' });

/** One server kind: how to load the table, what its own export is, how to change 1% of the rows. */
interface Target {
  kind: 'postgres' | 'mysql';
  url: () => Promise<{ url: string; stop: () => Promise<void> }>;
  load(url: URL, csv: string): Promise<unknown>;
  exports: { label: string; run: (url: URL) => Promise<unknown> }[];
  touchOnePercent(url: URL): Promise<unknown>;
  drop(url: URL): Promise<unknown>;
}

/** Runs a client with the credentials in its environment (never on its command line), stdout to /dev/null or returned. */
async function client(command: string, args: string[], env: NodeJS.ProcessEnv, toNull = true): Promise<string> {
  const sink = toNull ? await open('/dev/null', 'w') : undefined;
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', sink ? sink.fd : 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout?.on('data', (d) => (out += d));
      child.stderr?.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.trim().slice(0, 500)}`))));
    });
  } finally {
    await sink?.close();
  }
}

const pgEnv = (u: URL) => ({ PGHOST: u.hostname, PGPORT: u.port || '5432', PGUSER: decodeURIComponent(u.username), PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: u.pathname.slice(1) });
const psql = (u: URL, sql: string, toNull = false) => client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], pgEnv(u), toNull);
const myEnv = (u: URL) => ({ MYSQL_PWD: decodeURIComponent(u.password) });
const myArgs = (u: URL) => ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username)];
const mysqlCli = (u: URL, sql: string, extra: string[] = [], toNull = false) => client('mysql', [...myArgs(u), ...extra, u.pathname.slice(1), '-e', sql], myEnv(u), toNull);

const postgres: Target = {
  kind: 'postgres',
  url: () => (process.env.BENCH_POSTGRES_URL ? Promise.resolve({ url: process.env.BENCH_POSTGRES_URL, stop: async () => {} }) : resolvePostgres()),
  async load(u, csv) {
    await psql(u, `DROP TABLE IF EXISTS ${TABLE}; CREATE TABLE ${TABLE} (id BIGSERIAL PRIMARY KEY, ${COLUMNS.map((c) => `"${c}" ${c === '更新时间' ? 'TIMESTAMP' : 'VARCHAR(100)'}`).join(', ')})`);
    await psql(u, `\\copy ${TABLE} (${COLUMNS.map((c) => `"${c}"`).join(', ')}) FROM '${csv}' CSV HEADER`);
    await psql(u, `CREATE INDEX ON ${TABLE} ("更新时间")`);
    await psql(u, `VACUUM ANALYZE ${TABLE}`);
  },
  exports: [{ label: 'psql COPY TO STDOUT', run: (u) => psql(u, `COPY ${TABLE} TO STDOUT`, true) }],
  async touchOnePercent(u) {
    await psql(u, `UPDATE ${TABLE} SET "姓名" = "姓名" || '改', "更新时间" = TIMESTAMP '2026-06-01 00:00:00' + id * INTERVAL '1 second' WHERE id % 100 = 0`);
    await psql(u, `VACUUM ANALYZE ${TABLE}`);
  },
  drop: (u) => psql(u, `DROP TABLE IF EXISTS ${TABLE}`),
};

const mysql: Target = {
  kind: 'mysql',
  url: () => (process.env.BENCH_MYSQL_URL ? Promise.resolve({ url: process.env.BENCH_MYSQL_URL, stop: async () => {} }) : resolveMysql()),
  async load(u, csv) {
    await mysqlCli(u, `DROP TABLE IF EXISTS ${TABLE}; CREATE TABLE ${TABLE} (id BIGINT AUTO_INCREMENT PRIMARY KEY, ${COLUMNS.map((c) => `\`${c}\` ${c === '更新时间' ? 'DATETIME' : 'VARCHAR(100)'}`).join(', ')}, KEY (\`更新时间\`)) CHARACTER SET utf8mb4`);
    await mysqlCli(u, `LOAD DATA LOCAL INFILE '${csv}' INTO TABLE ${TABLE} CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' LINES TERMINATED BY '\\n' IGNORE 1 LINES (${COLUMNS.map((c) => `\`${c}\``).join(', ')}); ANALYZE TABLE ${TABLE}`, ['--local-infile=1', '--default-character-set=utf8mb4']);
  },
  exports: [
    { label: 'mysql --quick -e SELECT', run: (u) => mysqlCli(u, `SELECT * FROM ${TABLE}`, ['--quick', '--batch', '--default-character-set=utf8mb4'], true) },
    { label: 'mysqldump --quick', run: (u) => client('mysqldump', [...myArgs(u), '--quick', '--single-transaction', '--no-tablespaces', '--skip-lock-tables', u.pathname.slice(1), TABLE], myEnv(u), true) },
  ],
  touchOnePercent: (u) => mysqlCli(u, `UPDATE ${TABLE} SET \`姓名\` = CONCAT(\`姓名\`, '改'), \`更新时间\` = TIMESTAMP '2026-06-01 00:00:00' + INTERVAL id SECOND WHERE id % 100 = 0; ANALYZE TABLE ${TABLE}`, [], true),
  drop: (u) => mysqlCli(u, `DROP TABLE IF EXISTS ${TABLE}`),
};

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const CAP_MIB = 32;

/** One extract in a child process (bench/extract-capped.ts, which loads only the connectors) with V8's old space capped. */
async function cappedExtract(kind: Target['kind'], env: NodeJS.ProcessEnv): Promise<ExtractFigures> {
  const script = fileURLToPath(new URL('./extract-capped.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [`--max-old-space-size=${CAP_MIB}`, '--import', 'tsx', script, kind, TABLE], {
    env: { ...process.env, ...env },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ExtractFigures;
}

async function benchTarget(target: Target, dir: string, csv: string): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const server = await target.url();
  const u = new URL(server.url);
  const env = { BENCH_DB_URL: server.url };
  try {
    let t = performance.now();
    await target.load(u, csv);
    console.log(`\n${target.kind}: loaded ${rows.toLocaleString('en')} rows with the server's bulk loader in ${seconds(performance.now() - t)}`);

    const ours: number[] = [];
    const theirs = new Map<string, number[]>(target.exports.map((e) => [e.label, []]));
    let memory = { rssBefore: 0, rssPeak: 0 };
    for (let i = 0; i < repeat; i++) {
      for (const e of target.exports) {
        t = performance.now();
        await e.run(u);
        theirs.get(e.label)!.push(performance.now() - t);
      }
      const x = await extractOnly(target.kind, env, TABLE);
      if (x.rows !== rows) throw new Error(`${target.kind}: the extract read ${x.rows} rows, not ${rows}`);
      ours.push(x.ms);
      if (i === 0) memory = x;
      console.log(`  round ${i + 1}: connector extract ${seconds(x.ms)}; ${target.exports.map((e) => `${e.label} ${seconds(theirs.get(e.label)![i]!)}`).join('; ')}`);
    }
    const one = median(ours);
    console.log(`  median of ${repeat}: connector extract ${seconds(one)} (${perSecond(one)})`);
    for (const e of target.exports) {
      const ref = median(theirs.get(e.label)!);
      console.log(`  median of ${repeat}: ${e.label} ${seconds(ref)} (${perSecond(ref)}); ratio connector / ${e.label}: ${(one / ref).toFixed(2)}`);
      figures.push(timeFigure({ figure: `${target.kind} connector extract, ${rows.toLocaleString('en')} rows`, oursSeconds: one / 1000, referenceSeconds: ref / 1000, referenceName: e.label, note: `median of ${repeat}; ${perSecond(one)}` }));
    }
    console.log(`  memory: RSS ${mib(memory.rssBefore)} MiB before the extract, peak ${mib(memory.rssPeak)} MiB during it (+${mib(memory.rssPeak - memory.rssBefore)} MiB, fetch_size 5000)`);
    const capped = await cappedExtract(target.kind, env);
    console.log(`  memory, V8 old space capped at ${CAP_MIB} MiB: read ${capped.rows.toLocaleString('en')} rows in ${seconds(capped.ms)}, RSS ${mib(capped.rssBefore)} → peak ${mib(capped.rssPeak)} MiB`);

    // mode cursor: a full first run into the index, 1% of the rows changed, the cursor run.
    const file = path.join(dir, `bench-${target.kind}.yaml`);
    await writeFile(file, stringify({
      name: `bench-${target.kind}`, system: 'benchmark', entity: 'person', mode: 'cursor', cursor: { column: '更新时间', lag_seconds: 300 },
      connector: { kind: target.kind, url_env: 'BENCH_DB_URL', table: TABLE },
      mapping: { id_number: '身份证号', name: '姓名', sex: '性别', birth_date: '出生日期', phone: '手机号', employer_name: '工作单位', employer_uscc: '单位统一社会信用代码', updated_at: '更新时间' },
      source_key: ['身份证号'],
    }));
    const pipeline = await loadPipeline(file);
    const index = await openIndex(path.join(dir, `bench-${target.kind}.duckdb`));
    try {
      t = performance.now();
      const first = await runPipeline({ index, pipeline, logger, runDate: '2026-01-01', env });
      const full = performance.now() - t;
      if (first.status !== 'succeeded') throw new Error(`${target.kind}: the first run failed: ${first.error}`);
      console.log(`  cursor pipeline, first (full) run into the index: ${seconds(full)} (${perSecond(full)}), read ${first.rowsRead}, created ${first.created}, quarantined ${first.quarantined}`);
      await target.touchOnePercent(u);
      t = performance.now();
      const next = await runPipeline({ index, pipeline, logger, runDate: '2026-01-01', env });
      const delta = performance.now() - t;
      if (next.status !== 'succeeded') throw new Error(`${target.kind}: the cursor run failed: ${next.error}`);
      console.log(`  cursor run after 1% of rows changed: ${seconds(delta)}, read ${next.rowsRead}, updated ${next.updated}, events ${next.events}`);
      console.log(`  ratio cursor run / full run: ${(delta / full).toFixed(3)}`);
      figures.push({
        figure: `${target.kind} cursor run changing 1% of ${rows.toLocaleString('en')} rows`,
        ours: Math.round((10000 * delta) / full) / 100, reference: 100, referenceName: 'the full first run of the same pipeline', unit: '%',
        ratio: Math.round((10000 * delta) / full) / 10000, target: '≤ 0.1', met: delta / full <= 0.1,
        note: `one round: full ${seconds(full)}, cursor run ${seconds(delta)} (read ${next.rowsRead}, updated ${next.updated})`,
      });
    } finally {
      index.close();
    }
  } finally {
    await target.drop(u).catch((error: unknown) => console.error(`could not drop ${TABLE}: ${(error as Error).message}`));
    await server.stop();
  }
  return figures;
}

/** The database connectors' benchmark (module doc). */
export async function benchDatabases(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-bench-db-'));
  try {
    const csv = path.join(dir, 'persons.csv');
    await writePersonBenchmarkCsv(csv, rows, 1);
    const only = process.env.BENCH_DB;
    for (const target of [postgres, mysql]) if (!only || only === target.kind) figures.push(...(await benchTarget(target, dir, csv)));
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
