/**
 * Peak memory of one run: the benchmark's person CSV at BENCH_MEMORY_ROWS rows (default
 * 250,000, 1,000,000 and 2,000,000), each run alone in a child process (bench/memory-child.ts)
 * into a fresh index, its peak RSS as the kernel counts it (getrusage maxRSS: the JavaScript heap
 * and DuckDB's native memory together).
 *
 * Targets (issue 11): ≤ 1 GB at the largest size, and flat in input size: the largest size's
 * peak ÷ the smallest's ≤ 1.5 (the input grows 8-fold by default).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchFigure } from './figure.ts';
import type { MemoryRun } from './memory-child.ts';
import { personPipeline, writePersons } from './persons.ts';
import { NO_TARGET, round } from './stats.ts';

const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
const GB = 2 ** 30;
/** Target of the peak at the largest size, GB (2^30 bytes). */
const MAX_GB = 1;
/** Target of largest ÷ smallest peak. */
const MAX_GROWTH = 1.5;

/** Runs `rows` rows in a child process; its figures. */
async function measure(dir: string, rows: number): Promise<MemoryRun> {
  const sub = path.join(dir, String(rows));
  await rm(sub, { recursive: true, force: true });
  await mkdir(sub);
  await writePersons(path.join(sub, 'persons.csv'), rows);
  const pipeline = await personPipeline(sub, 'bench-memory', 'persons.csv');
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, pipeline.file, path.join(sub, 'index.duckdb')], { maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as MemoryRun;
  } finally {
    await rm(sub, { recursive: true, force: true });
  }
}

/** The peak-memory figures (module doc). */
export async function benchMemory(): Promise<BenchFigure[]> {
  const sizes = (process.env.BENCH_MEMORY_ROWS ?? '250000,1000000,2000000').split(',').map(Number).sort((a, b) => a - b);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-bench-memory-'));
  try {
    const runs: { rows: number; run: MemoryRun }[] = [];
    for (const rows of sizes) {
      const run = await measure(dir, rows);
      if (run.rowsRead !== rows) throw new Error(`the memory run read ${run.rowsRead} of ${rows} rows`);
      runs.push({ rows, run });
      console.log(`memory: ${rows.toLocaleString('en')} rows: peak RSS ${(run.maxRssBytes / GB).toFixed(2)} GB (${(run.rssBeforeBytes / GB).toFixed(2)} GB before the run), ${run.seconds.toFixed(1)} s`);
    }
    const figures: BenchFigure[] = runs.map(({ rows, run }, i) => {
      const gb = run.maxRssBytes / GB;
      const largest = i === runs.length - 1;
      return {
        figure: `peak memory: one run of ${rows.toLocaleString('en')} rows`,
        ours: round(gb, 3), unit: 'GB', ratio: round(gb, 3),
        target: largest ? `≤ ${MAX_GB}` : NO_TARGET, met: largest ? gb <= MAX_GB : true,
        note: `peak RSS of a process doing one run (getrusage maxRSS), ${(run.rssBeforeBytes / GB).toFixed(2)} GB before it`,
      };
    });
    if (runs.length > 1) {
      const small = runs[0]!;
      const large = runs[runs.length - 1]!;
      const growth = large.run.maxRssBytes / small.run.maxRssBytes;
      figures.push({
        figure: `peak memory growth: ${large.rows.toLocaleString('en')} ÷ ${small.rows.toLocaleString('en')} rows`,
        ours: round(large.run.maxRssBytes / GB, 3), reference: round(small.run.maxRssBytes / GB, 3), referenceName: `peak RSS at ${small.rows.toLocaleString('en')} rows`,
        unit: 'GB', ratio: round(growth, 3), target: `≤ ${MAX_GROWTH}`, met: growth <= MAX_GROWTH,
        note: `input ${(large.rows / small.rows).toFixed(0)}× larger; flat means the peak does not grow with the input`,
      });
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) console.log(JSON.stringify(await benchMemory(), null, 2));
