/**
 * What `npm run bench` keeps of a run: bench/results/latest.json, from which the README's table
 * is rendered (bench/readme-table.ts). The machine is described as it was when the run started
 * (these machines are shared: the load average says how busy).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchFigure } from './figure.ts';
import type { SkippedFigure } from './skipped.ts';

/** The file `npm run bench` writes and `npm run bench:readme` reads. */
export const LATEST_RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));

/** The machine a run ran on, at its start. */
export interface BenchMachine {
  cpus: number;
  cpuModel: string;
  /** Total memory, GB (2^30 bytes). */
  memoryGB: number;
  /** os.loadavg() when the run started: 1, 5 and 15 minutes. */
  loadAverage: [number, number, number];
  node: string;
  platform: string;
}

/** One `npm run bench`. */
export interface BenchResults {
  /** When the run started, ISO 8601 UTC. */
  date: string;
  machine: BenchMachine;
  /** `git rev-parse --short HEAD`, `-dirty` when the work tree had changes; `unknown` outside git. */
  commit: string;
  /** The environment that chose what ran. */
  settings: { rows: number; repeat: number; only: string | null };
  figures: BenchFigure[];
  /** Figures not measured here, and why (an optional peer missing). */
  skipped: SkippedFigure[];
  /** Benchmarks that failed, with their error's first line. */
  failed: { bench: string; error: string }[];
}

/** The machine as it is now. */
export function describeMachine(): BenchMachine {
  const cpus = os.cpus();
  const [a, b, c] = os.loadavg();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: [a!, b!, c!].map((x) => Math.round(x * 100) / 100) as [number, number, number],
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** The commit the benchmark ran (module doc of {@link BenchResults.commit}). */
export function currentCommit(): string {
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

/** Writes `results` to `file` (default {@link LATEST_RESULTS}), as indented JSON. */
export async function writeResults(results: BenchResults, file = LATEST_RESULTS): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(results, null, 2) + '\n');
}

/** Reads a results file. @throws when it is missing or not JSON (the message names the file and says how to make one). */
export async function readResults(file = LATEST_RESULTS): Promise<BenchResults> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${file}: no benchmark results; run npm run bench first`);
  }
  return JSON.parse(text) as BenchResults;
}
