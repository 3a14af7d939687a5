/**
 * `npm run bench`: every figure of issue 11, each a ratio against a reference measured in the
 * same run (these machines are shared and noisy), printed as one table at the end and written to
 * bench/results/latest.json (date, machine, load average at the start, Node, commit, figures),
 * from which `npm run bench:readme` renders the README's table. A full default run (no
 * BENCH_ONLY, the default BENCH_ROWS) rewrites that table itself.
 *
 * Benchmarks (BENCH_ONLY=name,name picks some; default: every one marked default):
 * - `index` (default): CSV → indexed persons next to DuckDB's read_csv and dlt (bench/index.ts);
 * - `memory` (default): peak RSS of one run at 250k, 1M and 2M rows (bench/memory.ts);
 * - `reruns` (default): an unchanged re-run and an incremental run changing 1% (bench/reruns.ts);
 * - `push` (default): outbox → Kafka next to kcat (bench/push.ts; a broker of its own);
 * - `startup` (default): CLI start next to `node -e 0` (bench/startup.ts);
 * - `lookup` (default): lookups through the HTTP API next to in process (bench/lookup.ts);
 * - `db`: the database connectors next to the servers' exports, and cursor runs (bench/connectors-db.ts;
 *   needs PostgreSQL and MySQL/MariaDB).
 * A benchmark that fails is reported and the others go on; the exit code is then 1.
 *
 * Env: BENCH_ROWS (default 1,000,000), BENCH_REPEAT (default 3; medians of paired rounds),
 * BENCH_ONLY, and those of each benchmark's module.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabases } from './connectors-db.ts';
import type { BenchFigure } from './figure.ts';
import { benchIndex } from './index.ts';
import { benchLookup } from './lookup.ts';
import { benchMemory } from './memory.ts';
import { benchPush } from './push.ts';
import { updateReadme } from './readme.ts';
import { renderConsoleTable } from './readme-table.ts';
import { currentCommit, describeMachine, LATEST_RESULTS, writeResults, type BenchResults } from './results.ts';
import { benchReruns } from './reruns.ts';
import { benchStartup } from './startup.ts';
import { skippedFigures } from './skipped.ts';

/** One benchmark of the harness: its name for BENCH_ONLY, whether it runs by default, and how. */
interface Bench {
  name: string;
  byDefault: boolean;
  /** Runs it; a module not yet returning figures (void) adds none. */
  run(): Promise<BenchFigure[] | void>;
}

const BENCHES: Bench[] = [
  { name: 'index', byDefault: true, run: benchIndex },
  { name: 'memory', byDefault: true, run: benchMemory },
  { name: 'reruns', byDefault: true, run: benchReruns },
  { name: 'push', byDefault: true, run: benchPush },
  { name: 'startup', byDefault: true, run: benchStartup },
  { name: 'lookup', byDefault: true, run: benchLookup },
  { name: 'db', byDefault: false, run: benchDatabases },
];

/** The benchmarks BENCH_ONLY names (comma-separated), or the default ones. @throws for a name not known. */
export function chooseBenches(only: string | undefined): Bench[] {
  if (!only) return BENCHES.filter((b) => b.byDefault);
  const names = only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: no benchmark ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);
  return BENCHES.filter((b) => names.includes(b.name));
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY || null;
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    commit: currentCommit(),
    settings: { rows: Number(process.env.BENCH_ROWS ?? 1_000_000), repeat: Number(process.env.BENCH_REPEAT ?? 3), only },
    figures: [],
    skipped: [],
    failed: [],
  };
  const benches = chooseBenches(only ?? undefined);
  const m = results.machine;
  console.log(`npm run bench: ${benches.map((b) => b.name).join(', ')}; ${m.cpus} CPUs, load average ${m.loadAverage.join(' ')}, Node ${m.node}, commit ${results.commit}`);
  for (const bench of benches) {
    console.log(`\n== ${bench.name}`);
    const t = performance.now();
    try {
      const figures = await bench.run();
      if (Array.isArray(figures)) results.figures.push(...figures);
    } catch (error) {
      const message = (error as Error).message.split('\n')[0] ?? String(error);
      results.failed.push({ bench: bench.name, error: message });
      console.error(`${bench.name} failed: ${message}`);
    }
    console.log(`(${bench.name}: ${((performance.now() - t) / 1000).toFixed(0)} s)`);
  }
  results.skipped = [...skippedFigures()];

  console.log(`\n${renderConsoleTable(results.figures)}`);
  for (const s of results.skipped) console.log(`not measured: ${s.figure}: ${s.reason}`);
  for (const f of results.failed) console.log(`failed: ${f.bench}: ${f.error}`);
  await writeResults(results);
  console.log(`results: ${path.relative(process.cwd(), LATEST_RESULTS)}`);
  const full = only === null && process.env.BENCH_ROWS === undefined && process.env.BENCH_REPEAT === undefined;
  if (full && results.failed.length === 0) {
    await updateReadme(results);
    console.log('README.md: benchmark table rewritten');
  } else {
    console.log('README.md not rewritten (not a full default run, or a benchmark failed); npm run bench:readme takes these results anyway');
  }
  if (results.failed.length > 0) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
