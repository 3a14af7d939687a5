/**
 * CLI start (issue 11: ≤ 0.3 s): `onecode validate` of one value and `onecode status` on the sample
 * index, each a whole process spawned as a user runs it (`node bin/onecode.js …`, the compiled CLI),
 * next to `node -e 0` (Node's own start, the floor) spawned in the same rounds. The three are
 * interleaved, in a rotating order, round after round, so that a slower stretch of this shared
 * machine weighs on all three alike; the median of each is reported, and the ratio to `node -e 0`.
 *
 * The index is made once in a temporary folder as `npm start` makes data/onecode.duckdb (`onecode
 * sample`, then `onecode run --all` with the repository's pipelines). dist/ is built first when it
 * is not that of the sources (bin/build-stamp.js): a stale build would measure tsx instead.
 *
 * Env: BENCH_STARTUP_ROUNDS (default 15; one more round first, not counted).
 * Run alone: `npx tsx bench/startup.ts` prints the figures as JSON.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildFreshness } from '../bin/build-stamp.js';
import type { BenchFigure } from './figure.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(REPO, 'bin/onecode.js');
const rounds = Number(process.env.BENCH_STARTUP_ROUNDS ?? 15);
/** The target: a CLI call starts, does its work and exits within this many seconds. */
const TARGET_SECONDS = 0.3;
/** A resident identity number of the README's examples (valid, lower-case x). */
const ONE_VALUE = '35020319900228108x';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** One whole process: wall seconds from spawn to exit, with what it printed. */
function timed(args: string[], cwd: string): Promise<{ seconds: number; code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ seconds: (performance.now() - t0) / 1000, code: code ?? -1, stdout, stderr }));
  });
}

/** Runs the bin in `cwd`, for preparing; throws with its stderr when it fails. */
function prepare(args: string[], cwd: string): void {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  if (r.status !== 0) throw new Error(`onecode ${args[0]} failed (${r.status ?? r.signal}): ${r.stderr}`);
}

/**
 * Measures the start of `onecode validate` (one value) and `onecode status` (the sample index)
 * against `node -e 0`, in BENCH_STARTUP_ROUNDS interleaved rounds.
 * @returns two figures, in seconds: `ours` the command's median, `reference` node -e 0's median,
 *   `ratio` ours ÷ reference, `met` when ours ≤ 0.3 s (the issue's target is absolute).
 * @throws Error when a command fails, prints something unexpected, or runs from source (tsx).
 */
export async function benchStartup(): Promise<BenchFigure[]> {
  const build = buildFreshness(REPO);
  if (!build.fresh) {
    console.log(`startup: building dist/ first (${build.reason})`);
    const r = spawnSync(process.execPath, [path.join(REPO, 'scripts/build.js')], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('startup: npm run build failed');
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-bench-startup-'));
  try {
    await cp(path.join(REPO, 'pipelines'), path.join(dir, 'pipelines'), { recursive: true });
    prepare(['sample'], dir);
    prepare(['run', '--all'], dir);

    const commands = {
      reference: ['-e', '0'],
      validate: [BIN, 'validate', ONE_VALUE],
      status: [BIN, 'status'],
    } as const;
    const names = Object.keys(commands) as (keyof typeof commands)[];
    const seconds: Record<keyof typeof commands, number[]> = { reference: [], validate: [], status: [] };
    for (let round = -1; round < rounds; round++) {
      // a rotating order: none of the three always runs first, or always after the same one
      const order = names.map((_, i) => names[(i + Math.max(round, 0)) % names.length]!);
      for (const name of order) {
        const r = await timed([...commands[name]], dir);
        if (r.code !== 0 || r.stderr !== '') throw new Error(`startup: ${name} exited ${r.code}${r.stderr === '' ? '' : `: ${r.stderr.trim()}`}`);
        if (name === 'validate' && (JSON.parse(r.stdout) as { status?: string }).status !== 'valid') throw new Error('startup: validate did not classify the value as valid');
        if (name === 'status' && !/^persons \d+, legal persons \d+\n/.test(r.stdout)) throw new Error('startup: status printed no status');
        if (round >= 0) seconds[name].push(r.seconds);
      }
    }
    const reference = median(seconds.reference);
    const figure = (what: string, times: number[]): BenchFigure => {
      const ours = median(times);
      return {
        figure: what,
        ours: Number(ours.toFixed(3)),
        reference: Number(reference.toFixed(3)),
        referenceName: 'node -e 0',
        unit: 's',
        ratio: Number((ours / reference).toFixed(2)),
        target: `start ≤ ${TARGET_SECONDS} s`,
        met: ours <= TARGET_SECONDS,
        note: `median of ${rounds} interleaved rounds (wall time of the whole process, compiled CLI); ${Math.round((ours - reference) * 1000)} ms above node -e 0; range ${Math.min(...times).toFixed(3)}–${Math.max(...times).toFixed(3)} s`,
      };
    };
    return [
      figure('CLI start: onecode validate of one value', seconds.validate),
      figure('CLI start: onecode status on the sample index', seconds.status),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchStartup(), null, 2));
}
