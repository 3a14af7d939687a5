/**
 * One run of a pipeline into a fresh index, alone in its process, for the peak-memory figure
 * (bench/memory.ts): `node --import tsx bench/memory-child.ts PIPELINE.yaml INDEX.duckdb`.
 * Prints one JSON line: the peak resident set size of the whole process (`process.resourceUsage().maxRSS`,
 * DuckDB's native memory included), the RSS before the run, seconds, rows read.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadPipeline } from '../src/config/load-pipelines.ts';
import { openIndex } from '../src/index/open-index.ts';
import { createLogger } from '../src/logger.ts';
import { runPipeline } from '../src/run/run-pipeline.ts';
import { BENCH_RUN_DATE } from './persons.ts';

/** What the child reports; bytes. */
export interface MemoryRun {
  maxRssBytes: number;
  rssBeforeBytes: number;
  seconds: number;
  rowsRead: number;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [pipelineFile, db] = process.argv.slice(2) as [string, string];
  const pipeline = await loadPipeline(pipelineFile);
  const index = await openIndex(db);
  const rssBeforeBytes = process.memoryUsage().rss;
  const t = performance.now();
  const summary = await runPipeline({ index, pipeline, logger: createLogger({ level: 'silent' }), runDate: BENCH_RUN_DATE });
  const seconds = (performance.now() - t) / 1000;
  index.close();
  if (summary.status !== 'succeeded') throw new Error(`the run failed (${summary.errorCode})`);
  // maxRSS is in kilobytes (getrusage)
  const result: MemoryRun = { maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBeforeBytes, seconds, rowsRead: summary.rowsRead };
  console.log(JSON.stringify(result));
}
