/**
 * The index figure: BENCH_ROWS (default 1,000,000) generated person rows as CSV to validated,
 * indexed persons (staging, classification, quarantine, source records, golden records, outbox)
 * by `runPipeline` into a fresh index, next to DuckDB's own `read_csv` loading the same file into a
 * table of a fresh DuckDB file, and next to dlt's fastest path on the same job (bench/peers/dlt.ts:
 * pyarrow batches, merge on the identity number, the MOD 11-2 check per row; optional, skipped
 * where Python is missing). BENCH_REPEAT (default 3) paired rounds, each running the three one
 * after the other, so that a change in the machine's load falls on all; the figure is the median
 * of the rounds' ratios.
 *
 * Targets (issue 11): onecode ≤ 3 × read_csv; onecode ahead of dlt (ratio < 1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { openIndex } from '../src/index/open-index.ts';
import { createLogger } from '../src/logger.ts';
import { runPipeline } from '../src/run/run-pipeline.ts';
import type { BenchFigure } from './figure.ts';
import { dltPeer, type DltLoad } from './peers/dlt.ts';
import { BENCH_RUN_DATE, personPipeline, writePersons } from './persons.ts';
import { skipFigure } from './skipped.ts';
import { median, round, secondsSince, timeFigure } from './stats.ts';

/** Seconds DuckDB's read_csv takes to load `csv` (every column as text) into a table of a new DuckDB file in `dir`. */
export async function readCsvSeconds(csv: string, dir: string, tag: string): Promise<number> {
  const file = path.join(dir, `read-csv-${tag}.duckdb`);
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    const t = performance.now();
    await connection.run(`CREATE TABLE persons AS SELECT * FROM read_csv('${csv.replaceAll("'", "''")}', header = true, all_varchar = true)`);
    return secondsSince(t);
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(file, { force: true });
  }
}

/** The index figures (module doc). */
export async function benchIndex(): Promise<BenchFigure[]> {
  const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-bench-index-'));
  try {
    const csv = path.join(dir, 'persons.csv');
    const bytes = await writePersons(csv, rows);
    console.log(`index: ${rows.toLocaleString('en')} person rows (${(bytes / 1e6).toFixed(1)} MB CSV), ${repeat} paired rounds`);
    const pipeline = await personPipeline(dir, 'bench-persons', 'persons.csv');
    const logger = createLogger({ level: 'silent' });
    const peer = await dltPeer((line) => console.log(`  ${line}`));
    if (!peer.ready) skipFigure(`index: onecode ÷ dlt, ${rows.toLocaleString('en')} rows`, peer.reason);
    else console.log(`  peer: ${peer.version} (${path.relative(process.cwd(), fileURLToPath(new URL('./peers/dlt_persons.py', import.meta.url)))})`);

    const readCsv: number[] = [];
    const ours: number[] = [];
    const dlt: number[] = [];
    let counts = '';
    let dltRows: DltLoad | undefined;
    for (let i = 0; i < repeat; i++) {
      readCsv.push(await readCsvSeconds(csv, dir, String(i)));

      const db = path.join(dir, `onecode-${i}.duckdb`);
      const index = await openIndex(db);
      try {
        const t = performance.now();
        const summary = await runPipeline({ index, pipeline, logger, runDate: BENCH_RUN_DATE });
        ours.push(secondsSince(t));
        if (summary.status !== 'succeeded') throw new Error(`the benchmark run failed (${summary.errorCode}): ${summary.error}`);
        counts = `read ${summary.rowsRead} = loaded ${summary.loaded} + duplicates ${summary.duplicates} + quarantined ${summary.quarantined}; ${summary.events} events`;
      } finally {
        index.close();
        await rm(db, { force: true });
        await rm(`${db}.wal`, { force: true });
      }

      if (peer.ready) {
        const work = path.join(dir, `dlt-${i}`);
        dltRows = await peer.load(csv, work);
        dlt.push(dltRows.seconds);
        await rm(work, { recursive: true, force: true });
      }
      console.log(`  round ${i + 1}: read_csv ${readCsv[i]!.toFixed(2)} s, onecode ${ours[i]!.toFixed(2)} s${peer.ready ? `, dlt ${dlt[i]!.toFixed(2)} s` : ''}; onecode ÷ read_csv ${(ours[i]! / readCsv[i]!).toFixed(2)}${peer.ready ? `, onecode ÷ dlt ${(ours[i]! / dlt[i]!).toFixed(2)}` : ''}`);
    }
    console.log(`  onecode: ${counts}`);
    if (dltRows) console.log(`  dlt: read ${dltRows.rows_read}, ${dltRows.rows_valid} passed the check, ${dltRows.rows_loaded} rows in its table after the merge`);

    const ratios = (xs: number[]) => ours.map((o, i) => o / xs[i]!);
    const rounds = (xs: number[]) => ratios(xs).map((r) => r.toFixed(2)).join(', ');
    const figures: BenchFigure[] = [];
    const vsReadCsv = timeFigure({
      figure: `index: CSV → indexed persons, ${rows.toLocaleString('en')} rows`, oursSeconds: median(ours), referenceSeconds: median(readCsv),
      referenceName: 'DuckDB read_csv', max: 3, note: `median of ${repeat} paired rounds (ratios ${rounds(readCsv)}); ${Math.round(rows / median(ours)).toLocaleString('en')} rows/s; read_csv loads the same file into a table of a DuckDB file, every column as text`,
    });
    figures.push({ ...vsReadCsv, ratio: round(median(ratios(readCsv)), 3), met: median(ratios(readCsv)) <= 3 });
    if (peer.ready) {
      const vsDlt = timeFigure({
        figure: `index: onecode ÷ dlt, ${rows.toLocaleString('en')} rows`, oursSeconds: median(ours), referenceSeconds: median(dlt),
        referenceName: 'dlt, fastest path', max: 1, strict: true,
        note: `median of ${repeat} paired rounds (ratios ${rounds(dlt)}); ${peer.version}: pyarrow batches, merge on the ID number, MOD 11-2 per row in Python; dlt's time is its pipeline.run (Python's start and imports excluded)`,
      });
      figures.push({ ...vsDlt, ratio: round(median(ratios(dlt)), 3), met: median(ratios(dlt)) < 1 });
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) console.log(JSON.stringify(await benchIndex(), null, 2));
