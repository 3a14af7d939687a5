/**
 * The re-run figures, each a share of the full first run of the same round (issue 11):
 * - unchanged: a snapshot pipeline's CSV of BENCH_ROWS rows (default 1,000,000) run into a fresh
 *   index, then run again with nothing changed: the second run finds the file's SHA-256 and the
 *   pipeline's definition those of the first and does nothing (src/run/source-fingerprint.ts).
 *   Target ≤ 5%. The first round also times a forced re-run (`--force`, everything read and
 *   compared again) for context.
 * - incremental: a folder of exports read with `files: every_new` (`mode: incremental`): the first
 *   file holds every row, the next the 1% of rows (every 100th) whose name and update time
 *   changed; the run that loads it, next to the first. Target ≤ 10%. Needs no server (the
 *   database connectors' `mode: cursor` runs are in BENCH_ONLY=db).
 * BENCH_REPEAT (default 3) rounds of each; the figure is the median of the rounds' ratios.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { openIndex } from '../src/index/open-index.ts';
import { createLogger } from '../src/logger.ts';
import { runPipeline, type RunPipelineOptions, type RunSummary } from '../src/run/run-pipeline.ts';
import type { Pipeline } from '../schemas/pipeline.ts';
import type { BenchFigure } from './figure.ts';
import { BENCH_RUN_DATE, personPipeline, writePersons } from './persons.ts';
import { median, round, secondsSince } from './stats.ts';

const logger = createLogger({ level: 'silent' });

/** Runs `pipeline` on the open index; its summary and seconds. @throws when the run fails. */
async function timed(o: Omit<RunPipelineOptions, 'logger' | 'runDate'>): Promise<{ summary: RunSummary; seconds: number }> {
  const t = performance.now();
  const summary = await runPipeline({ ...o, logger, runDate: BENCH_RUN_DATE });
  const seconds = secondsSince(t);
  if (summary.status !== 'succeeded') throw new Error(`a re-run benchmark run failed (${summary.errorCode}): ${summary.error}`);
  return { summary, seconds };
}

/** Writes to `to` the rows of `from` whose position is a multiple of 100, with their name and update time changed. */
export async function writeOnePercentChanged(from: string, to: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const q = (p: string) => `'${p.replaceAll("'", "''")}'`;
    await c.run(`COPY (
      SELECT * EXCLUDE (rn) REPLACE (姓名 || '改' AS 姓名, '2025-12-31 12:00:00' AS 更新时间)
      FROM (SELECT *, row_number() OVER () AS rn FROM read_csv(${q(from)}, header = true, all_varchar = true))
      WHERE rn % 100 = 0 ORDER BY rn) TO ${q(to)} (HEADER, DELIMITER ',')`);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** One round in a fresh index: the full first run, then `next` (which changes the source or not) and its run. */
async function round2(dir: string, tag: string, pipeline: Pipeline, next: () => Promise<void>, extra?: (o: { index: Awaited<ReturnType<typeof openIndex>> }) => Promise<void>) {
  const db = path.join(dir, `index-${tag}.duckdb`);
  const index = await openIndex(db);
  try {
    const full = await timed({ index, pipeline });
    await next();
    const second = await timed({ index, pipeline });
    await extra?.({ index });
    return { full, second };
  } finally {
    index.close();
    await rm(db, { force: true });
    await rm(`${db}.wal`, { force: true });
  }
}

/** The re-run figures (module doc). */
export async function benchReruns(): Promise<BenchFigure[]> {
  const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-bench-reruns-'));
  try {
    const csv = path.join(dir, 'persons.csv');
    await writePersons(csv, rows);
    const n = rows.toLocaleString('en');

    // unchanged
    const snapshot = await personPipeline(dir, 'bench-snapshot', 'persons.csv');
    const unchanged: number[] = [];
    let forced = '';
    for (let i = 0; i < repeat; i++) {
      let forcedSeconds = 0;
      const r = await round2(dir, `u${i}`, snapshot, async () => undefined, i > 0 ? undefined : async ({ index }) => {
        forcedSeconds = (await timed({ index, pipeline: snapshot, force: true })).seconds;
      });
      if (!r.second.summary.unchangedSince) throw new Error('the re-run of the unchanged file read it again');
      unchanged.push(r.second.seconds / r.full.seconds);
      if (i === 0) forced = `a forced re-run (--force) of round 1: ${forcedSeconds.toFixed(2)} s, ${((100 * forcedSeconds) / r.full.seconds).toFixed(0)}% of the full run`;
      console.log(`reruns: unchanged, round ${i + 1}: full first run ${r.full.seconds.toFixed(2)} s, re-run ${r.second.seconds.toFixed(3)} s (unchanged since ${r.second.summary.unchangedSince}), ${(100 * unchanged[i]!).toFixed(1)}%${i === 0 ? `; ${forced}` : ''}`);
    }

    // incremental, 1% changed
    const exports = path.join(dir, 'exports');
    const delta = path.join(dir, 'delta.csv');
    await writeOnePercentChanged(csv, delta);
    const incremental = await personPipeline(dir, 'bench-incremental', 'exports/persons_*.csv', { files: 'every_new', mode: 'incremental' });
    const changed: number[] = [];
    let counts = '';
    for (let i = 0; i < repeat; i++) {
      await rm(exports, { recursive: true, force: true });
      await mkdir(exports);
      await copyFile(csv, path.join(exports, 'persons_0001.csv'));
      const r = await round2(dir, `i${i}`, incremental, () => copyFile(delta, path.join(exports, 'persons_0002.csv')));
      const s = r.second.summary;
      counts = `the 1% run read ${s.rowsRead}: updated ${s.updated}, unchanged ${s.unchanged} (the records it did not hold), quarantined ${s.quarantined}, events ${s.events}`;
      changed.push(r.second.seconds / r.full.seconds);
      console.log(`reruns: incremental 1%, round ${i + 1}: full first run ${r.full.seconds.toFixed(2)} s, run of the changed 1% ${r.second.seconds.toFixed(2)} s, ${(100 * changed[i]!).toFixed(1)}%`);
    }
    console.log(`  ${counts}`);

    const pct = (xs: number[]) => xs.map((x) => `${(100 * x).toFixed(1)}%`).join(', ');
    return [
      {
        figure: `re-run with nothing changed, ${n} rows (snapshot CSV)`,
        ours: round(100 * median(unchanged), 2), reference: 100, referenceName: 'the full first run of the same round', unit: '%',
        ratio: round(median(unchanged), 4), target: '≤ 0.05', met: median(unchanged) <= 0.05,
        note: `median of ${repeat} rounds (${pct(unchanged)}); same SHA-256 and definition: nothing staged; ${forced}`,
      },
      {
        figure: `incremental run changing 1% of ${n} rows (files: every_new)`,
        ours: round(100 * median(changed), 2), reference: 100, referenceName: 'the full first run of the same round', unit: '%',
        ratio: round(median(changed), 4), target: '≤ 0.1', met: median(changed) <= 0.1,
        note: `median of ${repeat} rounds (${pct(changed)}); ${counts}`,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) console.log(JSON.stringify(await benchReruns(), null, 2));
