/**
 * `npm run bench`: CSV → validated, indexed persons, next to DuckDB's own read_csv loading the
 * same file, in one process. Figures are ratios against that reference (these machines are
 * shared and noisy): the target for the bulk path is 4 or less.
 *
 * Then the push benchmark (bench/push.ts): outbox events to Kafka next to kcat; then lookups
 * through the HTTP API next to the same lookups in process (bench/lookup.ts).
 * With BENCH_ONLY=db only: the database connectors next to the servers' own exports
 * (bench/connectors-db.ts; needs PostgreSQL and MySQL/MariaDB, so not in the default set).
 *
 * Env: BENCH_ROWS (default 1,000,000), BENCH_REPEAT (default 3; the median is reported),
 * BENCH_ONLY (`index`, `push`, `lookup` or `db`), and those of bench/push.ts and bench/connectors-db.ts.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'yaml';
import { loadPipeline } from '../src/config/load-pipelines.ts';
import { openIndex } from '../src/index/open-index.ts';
import { createLogger } from '../src/logger.ts';
import { runPipeline } from '../src/run/run-pipeline.ts';
import { writePersonBenchmarkCsv } from '../src/sample/bench-persons.ts';
import { benchDatabases } from './connectors-db.ts';
import { benchLookup } from './lookup.ts';
import { benchPush } from './push.ts';

const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
const repeat = Number(process.env.BENCH_REPEAT ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function benchIndex(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-bench-'));
  try {
    const csv = path.join(dir, 'persons.csv');
    const t0 = performance.now();
    await writePersonBenchmarkCsv(csv, rows, 1);
    const size = (await stat(csv)).size;
    console.log(`generated ${rows} person rows (${(size / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(2)} s`);

    const pipelineFile = path.join(dir, 'bench-persons.yaml');
    await writeFile(pipelineFile, stringify({
      name: 'bench-persons',
      system: 'benchmark',
      entity: 'person',
      connector: { kind: 'csv', path: 'persons.csv' },
      mapping: { id_number: '身份证号', name: '姓名', sex: '性别', birth_date: '出生日期', phone: '手机号', employer_name: '工作单位', employer_uscc: '单位统一社会信用代码', updated_at: '更新时间' },
      source_key: ['身份证号'],
    }));
    const pipeline = await loadPipeline(pipelineFile);
    const logger = createLogger({ level: 'silent' });

    const reference: number[] = [];
    const ours: number[] = [];
    let last;
    for (let i = 0; i < repeat; i++) {
      // Reference: DuckDB's own reader loading the same file into a table of a DuckDB file.
      const refDb = path.join(dir, `ref-${i}.duckdb`);
      const instance = await DuckDBInstance.create(refDb);
      const connection = await instance.connect();
      let t = performance.now();
      await connection.run(`CREATE TABLE persons AS SELECT * FROM read_csv('${csv}', header = true, all_varchar = true)`);
      reference.push(performance.now() - t);
      connection.closeSync();
      instance.closeSync();
      await rm(refDb, { force: true });

      // onecode: extract, classify every ID number, quarantine, index, golden records, outbox.
      const db = path.join(dir, `onecode-${i}.duckdb`);
      const index = await openIndex(db);
      t = performance.now();
      last = await runPipeline({ index, pipeline, logger, runDate: '2026-01-01' });
      ours.push(performance.now() - t);
      index.close();
      await rm(db, { force: true });
      if (last.status !== 'succeeded') throw new Error(`benchmark run failed: ${last.error}`);
      console.log(`  round ${i + 1}: read_csv ${(reference[i]! / 1000).toFixed(2)} s, onecode ${(ours[i]! / 1000).toFixed(2)} s, ratio ${(ours[i]! / reference[i]!).toFixed(2)}`);
    }
    const ref = median(reference);
    const one = median(ours);
    console.log(`counts: read ${last!.rowsRead} = loaded ${last!.loaded} + duplicates ${last!.duplicates} + quarantined ${last!.quarantined}; events ${last!.events}`);
    console.log(`median of ${repeat}: DuckDB read_csv ${(ref / 1000).toFixed(2)} s; onecode CSV → indexed persons ${(one / 1000).toFixed(2)} s (${Math.round(rows / (one / 1000)).toLocaleString('en')} rows/s)`);
    console.log(`ratio onecode / read_csv: ${(one / ref).toFixed(2)} (target ≤ 4)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const only = process.env.BENCH_ONLY;
if (only === 'db') await benchDatabases();
else if (only === 'lookup') await benchLookup();
else {
  if (only !== 'push') await benchIndex();
  if (only !== 'index') await benchPush();
  if (only === undefined) await benchLookup();
}
