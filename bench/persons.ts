/**
 * The benchmarks' person source: `rows` generated accountants as CSV (src/sample/bench-persons.ts:
 * 身份证号,姓名,性别,出生日期,手机号,工作单位,单位统一社会信用代码,从业资格,更新时间; about 2% dirty
 * identity numbers) and a snapshot pipeline reading it, keyed by the identity number.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadPipeline } from '../src/config/load-pipelines.ts';
import { writePersonBenchmarkCsv } from '../src/sample/bench-persons.ts';
import type { Pipeline } from '../schemas/pipeline.ts';

/** The benchmark pipeline's mapping: canonical field → CSV column. */
export const PERSON_MAPPING = { id_number: '身份证号', name: '姓名', sex: '性别', birth_date: '出生日期', phone: '手机号', employer_name: '工作单位', employer_uscc: '单位统一社会信用代码', updated_at: '更新时间' };

/** Writes `rows` persons to `csv` (seed 1, so every benchmark of a size reads the same rows). Returns the file's size in bytes. */
export async function writePersons(csv: string, rows: number): Promise<number> {
  return (await writePersonBenchmarkCsv(csv, rows, 1)).bytes;
}

/**
 * Writes the pipeline `name` into `dir` reading `connectorPath` (relative to `dir`; a glob
 * with `files: every_new` makes it incremental) and loads it.
 */
export async function personPipeline(dir: string, name: string, connectorPath: string, extra: Record<string, unknown> = {}): Promise<Pipeline> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, stringify({ name, system: 'benchmark', entity: 'person', connector: { kind: 'csv', path: connectorPath, ...(extra.files ? { files: extra.files } : {}) }, mapping: PERSON_MAPPING, source_key: ['身份证号'], ...(extra.mode ? { mode: extra.mode } : {}) }));
  return loadPipeline(file);
}

/** The date the benchmarks' runs judge birth dates against (the generated data's dates are before it). */
export const BENCH_RUN_DATE = '2026-01-01';
