/**
 * Peak memory of the bulk path: one onecode run (CSV → validated, indexed persons, golden
 * records, outbox) of a generated person file, alone in a child process, and that child's peak
 * resident set size. Issue 11's target: ≤ 1 GB at 2,000,000 rows, flat in input size.
 *
 * The parent writes the CSV (src/sample/bench-persons.ts, seed 1) and the pipeline file, then
 * spawns `node --import tsx bench/bulk-memory.ts --child <dir>`, which opens a new index, runs
 * the pipeline once and reports its own `process.resourceUsage().maxRSS` (the kernel's high-water
 * mark of the whole process: V8 heap, DuckDB's buffer pool and everything else) on stdout as JSON.
 * Generating the file in the parent keeps its buffers out of the child's figure.
 *
 * As a script: `npx tsx bench/bulk-memory.ts [rows…]` (default 250000 1000000 2000000) prints one
 * line per size.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/** What one measured run reports. */
export interface BulkMemoryResult {
  rows: number;
  /** Peak resident set size of the child process, bytes (maxRSS, which Linux keeps in KiB). */
  peakRssBytes: number;
  /** Wall time of runPipeline alone in the child, ms (index opening and CSV generation excluded). */
  runMs: number;
  /** The run's counts: rows read, loaded, duplicates, quarantined, events. */
  counts: { rowsRead: number; loaded: number; duplicates: number; quarantined: number; events: number };
}

/** The benchmark pipeline: the person CSV of bench-persons.ts, as bench/run.ts maps it. */
export const BULK_BENCH_PIPELINE = {
  name: 'bench-persons',
  system: 'benchmark',
  entity: 'person',
  connector: { kind: 'csv', path: 'persons.csv' },
  mapping: { id_number: '身份证号', name: '姓名', sex: '性别', birth_date: '出生日期', phone: '手机号', employer_name: '工作单位', employer_uscc: '单位统一社会信用代码', updated_at: '更新时间' },
  source_key: ['身份证号'],
} as const;

const SELF = fileURLToPath(import.meta.url);

/**
 * Measures the peak RSS of one bulk run of `rows` generated person rows, in a child process.
 * @param rows data rows of the CSV (bench-persons.ts, seed 1; the same file bench/run.ts loads).
 * @param options.dir a folder to work in (the CSV, pipeline and index go there and are removed
 *   afterwards); default a new temporary folder.
 * @param options.env extra environment for the child (e.g. ONECODE_* settings under test).
 * @throws Error when the child fails or the run does not succeed (its stderr's last lines).
 */
export async function measureBulkPeakRss(rows: number, options: { dir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<BulkMemoryResult> {
  const own = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'onecode-bulkmem-')));
  try {
    const { writePersonBenchmarkCsv } = await import('../src/sample/bench-persons.ts');
    await writePersonBenchmarkCsv(path.join(dir, 'persons.csv'), rows, 1);
    await writeFile(path.join(dir, 'bench-persons.yaml'), stringify(BULK_BENCH_PIPELINE));
    const out = await runChild(dir, options.env);
    return { rows, ...out };
  } finally {
    await rm(own ? dir : path.join(dir, 'persons.csv'), { recursive: true, force: true });
    if (!own) await rm(path.join(dir, 'index.duckdb'), { force: true });
  }
}

/** Spawns the child on `dir` and parses the JSON line it prints. */
function runChild(dir: string, env: NodeJS.ProcessEnv | undefined): Promise<Omit<BulkMemoryResult, 'rows'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', dir], {
      cwd: path.dirname(path.dirname(SELF)),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`bulk-memory child exited ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
        return;
      }
      resolve(JSON.parse(line) as Omit<BulkMemoryResult, 'rows'>);
    });
  });
}

/** The child: one run of the pipeline in `dir` on a new index, then its figures as one JSON line. */
async function child(dir: string): Promise<void> {
  const { loadPipeline } = await import('../src/config/load-pipelines.ts');
  const { openIndex } = await import('../src/index/open-index.ts');
  const { createLogger } = await import('../src/logger.ts');
  const { runPipeline } = await import('../src/run/run-pipeline.ts');
  const pipeline = await loadPipeline(path.join(dir, 'bench-persons.yaml'));
  const index = await openIndex(path.join(dir, 'index.duckdb'), { key: null });
  const t = performance.now();
  const summary = await runPipeline({ index, pipeline, logger: createLogger({ level: 'silent' }), runDate: '2026-01-01' });
  const runMs = performance.now() - t;
  index.close();
  if (summary.status !== 'succeeded') throw new Error(`run failed: ${summary.errorCode}: ${summary.error}`);
  const { rowsRead, loaded, duplicates, quarantined, events } = summary;
  const result: Omit<BulkMemoryResult, 'rows'> = {
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    runMs: Math.round(runMs),
    counts: { rowsRead, loaded, duplicates, quarantined, events },
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!);
} else if (process.argv[1] === SELF) {
  const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [250_000, 1_000_000, 2_000_000];
  for (const rows of sizes) {
    const r = await measureBulkPeakRss(rows);
    console.log(`${rows} rows: peak RSS ${(r.peakRssBytes / 2 ** 30).toFixed(2)} GiB, run ${(r.runMs / 1000).toFixed(2)} s; read ${r.counts.rowsRead} = loaded ${r.counts.loaded} + duplicates ${r.counts.duplicates} + quarantined ${r.counts.quarantined}; events ${r.counts.events}`);
  }
}
