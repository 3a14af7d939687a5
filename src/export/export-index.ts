/**
 * `onecode export --format parquet`: the analyst views of the index (src/index/views.ts, as
 * src/access/analyst-views.ts lists them) written as Parquet files by DuckDB's own
 * `COPY (…) TO '…' (FORMAT parquet[, PARTITION_BY (region)])`, so that DuckDB, Spark or Trino on
 * other machines read the whole index: this is how onecode's data leaves one machine.
 *
 * The folder (`--out`, default `export/` beside the index):
 * ```
 * manifest.json                             what was written (ExportManifest): views, rows, files, SM3
 * persons/region=3501/data_0.parquet        a view about one code each, with --partition-by region
 * persons/data_0.parquet                    the same view without it
 * runs/data_0.parquet                       a view written whole (no one code, or changes)
 * ```
 * Read back: `SELECT * FROM read_parquet('export/persons/** /*.parquet', hive_partitioning = true,
 * hive_types = {'region': VARCHAR})` (DuckDB), `spark.read.parquet("export/persons")`, or a Trino
 * Hive table over the view's folder partitioned by `region`.
 *
 * Every view is written from one transaction of the index, so the views agree with each other
 * (a record's run is in `runs`). Values leave under the export's policy per class
 * (export-policy.ts, export-columns.ts); the partition column is read from the code in clear, so
 * partitioning needs the region's classes in clear (region-partition.ts). The manifest gives each
 * file's row count and SM3 digest (GB/T 32905-2016), and each view's row count, equal to the
 * view's in the index (checked: a difference fails the export). The files are written into a
 * partial folder and renamed into place only when whole (export-folder.ts). Every export is
 * recorded in access_log (action `export`), with the one codes the files hold in clear.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { MAX_CODES_PER_ACCESS, recordAccess } from '../access/access-log.ts';
import { ANALYST_VIEW_NAMES, ANALYST_VIEWS } from '../access/analyst-views.ts';
import { CODE_KINDS, type ValueKind } from '../access/personal-values.ts';
import { requireKeyFor } from '../access/policy-key.ts';
import { ensureProtectionFunctions } from '../access/protect-functions.ts';
import type { Requester } from '../access/protected-lookup.ts';
import { errorTextWithoutValues } from '../error-text.ts';
import { ConfigError, OnecodeError } from '../errors.ts';
import { DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_VARIABLE } from '../index/index-file.ts';
import { resultRows } from '../index/result-rows.ts';
import { quoteIdent, quoteLiteral } from '../index/sql-text.ts';
import { readEventClasses, type EventClasses } from '../outbox/event-classes.ts';
import { FEED_CLASSES } from '../protect/field-classes.ts';
import type { FeedPolicy } from '../push/feed-policy.ts';
import { exportColumnSql, type ExportColumn, type Protectors } from './export-columns.ts';
import { EXPORT_FORMAT, MANIFEST_FILE, startExportFolder } from './export-folder.ts';
import { formatExportPolicy } from './export-policy.ts';
import { REGION_COLUMN, REGION_RULE, regionSql } from './region-partition.ts';

/** Formats `onecode export` writes. */
export const EXPORT_FORMATS = ['parquet'] as const;
export type ExportFileFormat = (typeof EXPORT_FORMATS)[number];

/** What a view may be partitioned by. */
export const PARTITION_KEYS = ['region'] as const;
export type PartitionKey = (typeof PARTITION_KEYS)[number];

/** One file of a view, as the manifest lists it. */
export interface ExportFile {
  /** Path relative to the export folder, with `/`: `persons/region=3501/data_0.parquet`. */
  path: string;
  /** Rows in the file (its Parquet footer). */
  rows: number;
  bytes: number;
  /** SM3 digest (GB/T 32905-2016) of the file's bytes, hex: `openssl dgst -sm3 FILE`. */
  sm3: string;
}

/** One view, as the manifest lists it. */
export interface ExportedView {
  view: string;
  /** Rows written: the view's row count in the index at the export. */
  rows: number;
  /** `region`, or null for a view written whole. */
  partition_by: PartitionKey | null;
  /** The columns written, in order, with their classes and what the policy did to them. */
  columns: ExportColumn[];
  /** Columns of the view not written: dropped by the policy, withheld, or not listed for analysts. */
  left_out: string[];
  files: ExportFile[];
}

/** manifest.json of an export. */
export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  /** When the export was taken (ISO 8601, UTC). */
  exported_at: string;
  /** The index's schema version (onecode_meta). */
  index_schema_version: string | null;
  file_format: ExportFileFormat;
  /** The policy per class, every class named: `public=clear,internal=clear,personal=mask`. */
  policy: string;
  partition_by: PartitionKey | null;
  /** How the partition value is read from a row, when partitioned. */
  partition_rule: string | null;
  digest: 'SM3 (GB/T 32905-2016)';
  views: ExportedView[];
}

/** Options of {@link exportIndex}. */
export interface ExportOptions {
  /** The export folder to write (replaced only when it holds an earlier export and `overwrite` is set). */
  out: string;
  policy: FeedPolicy;
  /** The pseudonymisation key, needed when a class's policy is `pseudonymise`. */
  key?: Buffer;
  partitionBy?: PartitionKey;
  /** The views to write (default: every analyst view). */
  views?: readonly string[];
  overwrite?: boolean;
  format?: ExportFileFormat;
}

/** One code (18 characters: a resident identity number or a USCC) written in clear; masked values hold `*`, pseudonyms are `p_…`. */
const CLEAR_CODE = '[0-9A-Z]{17}[0-9A-Z]';

/** The kinds a column's rule gives its values. */
function kindsOf(rule: (typeof ANALYST_VIEWS)[string][string]): ValueKind[] {
  if (typeof rule === 'string') return [rule];
  if (!('field' in rule)) return Object.values(rule.kinds);
  return Object.values(rule.kinds).flatMap((byField) => Object.values(byField));
}

/** SM3 of a file, streamed. */
async function sm3Of(file: string): Promise<string> {
  const hash = createHash('sm3');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The checks that need no index: views known, partitioning allowed under the policy, a key for
 * `pseudonymise`.
 * @throws ConfigError `export_view_unknown`, `export_partition_refused`, `pseudonym_key_unset`.
 */
export function checkExportOptions(options: Pick<ExportOptions, 'views' | 'partitionBy' | 'policy' | 'key'>): void {
  for (const view of options.views ?? []) {
    if (!ANALYST_VIEW_NAMES.has(view)) throw new ConfigError('export_view_unknown', `--views: '${view}' is not an analyst view; use ${[...ANALYST_VIEW_NAMES].join(', ')}`);
  }
  if (options.partitionBy === 'region') {
    const shown = (['internal', 'public'] as const).filter((c) => options.policy[c] !== 'clear');
    if (shown.length > 0) {
      throw new ConfigError('export_partition_refused', `--partition-by region writes each row's region in folder names, in clear; the region is ${shown.join(' and ')} (a person's region is internal, a legal person's public) and the policy says ${shown.map((c) => `${c}=${options.policy[c]}`).join(',')}: export without --partition-by, or with ${shown.map((c) => `${c}=clear`).join(',')}`);
    }
  }
  for (const c of FEED_CLASSES) requireKeyFor(options.policy[c], options.key);
}

/**
 * Refuses `--partition-by region` when a pipeline classes the region (`region_code`) stricter than
 * the policy leaves in clear: the folder names would show what the files hide.
 * @throws ConfigError `export_partition_refused`.
 */
function checkRegionClasses(classes: EventClasses, policy: FeedPolicy): void {
  for (const subject of ['person', 'legal_person'] as const) {
    const c = classes.golden(subject).get('region_code')!.class;
    if (policy[c] !== 'clear') {
      throw new ConfigError('export_partition_refused', `--partition-by region writes each row's region in folder names, in clear; a pipeline classes the region of a ${subject === 'person' ? 'person' : 'legal person'} ${c} and the policy says ${c}=${policy[c]}: export without --partition-by, or with ${c}=clear`);
    }
  }
}

/**
 * Writes the views and the manifest, records the export in access_log for `who`, then puts the
 * folder in place. The connection must not be inside a transaction; its instance gains the
 * protection functions of the policies used (src/access/protect-functions.ts).
 * @returns the manifest written.
 * @throws ConfigError (exit 2) from {@link checkExportOptions} and export-folder.ts; OnecodeError
 *   `export_failed` (exit 1) when DuckDB fails to write, or when a view's files do not hold its
 *   rows; nothing is left at `out` then, and the failure is recorded in access_log.
 */
export async function exportIndex(connection: DuckDBConnection, who: Requester, options: ExportOptions): Promise<ExportManifest> {
  checkExportOptions(options);
  const policy = options.policy;
  const views = options.views ?? [...ANALYST_VIEW_NAMES];
  const partitionBy = options.partitionBy ?? null;
  const query = `export ${options.format ?? 'parquet'} to ${path.resolve(options.out)}; views ${views.join(',')}; partition_by ${partitionBy ?? 'none'}; policy ${formatExportPolicy(policy)}`;
  const entry = { who: who.name, role: who.role, channel: who.channel, action: 'export', query, policy: policy.personal } as const;
  const folder = await startExportFolder(options.out, options.overwrite === true);
  let manifest: ExportManifest;
  let codes: { total: number; kept: string[] };
  try {
    const protectors: Protectors = {};
    if (FEED_CLASSES.some((c) => policy[c] !== 'clear')) protectors.mask = await ensureProtectionFunctions(connection, 'mask');
    if (FEED_CLASSES.some((c) => policy[c] === 'pseudonymise')) protectors.pseudonymise = await ensureProtectionFunctions(connection, 'pseudonymise', options.key);
    const database = String((await connection.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
    const columnRows = (await connection.runAndReadAll(`
      SELECT table_name, column_name FROM duckdb_columns()
      WHERE database_name = ${quoteLiteral(database)} AND schema_name = 'main' AND table_name IN (${views.map(quoteLiteral).join(', ')})
      ORDER BY table_name, column_index`)).getRows() as [string, string][];
    const written: ExportedView[] = [];
    await connection.run('BEGIN TRANSACTION');
    try {
      // the pipelines' classes as the views' rows were written: one classification with the feeds
      const classes = await readEventClasses(connection);
      if (partitionBy === 'region') checkRegionClasses(classes, policy);
      for (const view of views) {
        written.push(await writeView(connection, { database, view, columns: columnRows.filter(([t]) => t === view).map(([, c]) => c), policy, protectors, classes, dir: folder.dir, partitionBy })
          .catch((error: unknown) => { throw exportFailed(`writing ${view}`, error); }));
      }
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    for (const v of written) await describeFiles(connection, folder.dir, v);
    codes = await clearCodes(connection, folder.dir, written);
    const version = (await connection.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).getRows()[0]?.[0];
    manifest = {
      format: EXPORT_FORMAT,
      exported_at: new Date().toISOString(),
      index_schema_version: version === undefined || version === null ? null : String(version),
      file_format: options.format ?? 'parquet',
      policy: formatExportPolicy(policy),
      partition_by: partitionBy,
      partition_rule: partitionBy === 'region' ? REGION_RULE : null,
      digest: 'SM3 (GB/T 32905-2016)',
      views: written,
    };
    await writeFile(path.join(folder.dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (error) {
    await folder.discard();
    // nothing left the machine; a record that cannot be written (DuckDB out of memory) does not hide why
    await recordAccess(connection, { ...entry, rowCount: 0, outcome: 'failed' }).catch(() => undefined);
    throw exportFailed(`(nothing written to ${options.out})`, error);
  }
  // recorded before the files are in place: no export is readable at --out that access_log does not hold
  await recordAccess(connection, { ...entry, rowCount: manifest.views.reduce((n, v) => n + v.rows, 0), codes: codes.kept, codesTotal: codes.total, outcome: 'ok' });
  await folder.publish();
  return manifest;
}

/**
 * The error of an export that failed (`where`: writing which view, or what was left), as an
 * OnecodeError; running out of memory says what to set.
 */
function exportFailed(where: string, error: unknown): OnecodeError {
  if (error instanceof OnecodeError) return error;
  const text = errorTextWithoutValues(error);
  if (/Out of Memory|could not allocate/i.test(text)) {
    return new OnecodeError('export_out_of_memory', `export failed ${where}: DuckDB ran out of memory under its limit (${MEMORY_LIMIT_VARIABLE}, default ${DEFAULT_MEMORY_LIMIT}); set ${MEMORY_LIMIT_VARIABLE}=1GB or more for the export, or leave the view out (--views)`, { cause: error });
  }
  return new OnecodeError('export_failed', `export failed ${where}: ${text}`, { cause: error });
}

/** What {@link writeView} needs. */
interface ViewJob {
  database: string;
  view: string;
  /** The view's columns in the index, in order. */
  columns: string[];
  policy: FeedPolicy;
  protectors: Protectors;
  classes: EventClasses;
  dir: string;
  partitionBy: PartitionKey | null;
}

/** Writes one view with COPY; returns it with its files' paths (rows, bytes and digests are added by {@link describeFiles}). */
async function writeView(connection: DuckDBConnection, job: ViewJob): Promise<ExportedView> {
  const select: string[] = [];
  const columns: ExportColumn[] = [];
  const leftOut: string[] = [];
  for (const column of job.columns) {
    const c = exportColumnSql(job.view, column, job.policy, job.protectors, job.classes);
    if (c === undefined) leftOut.push(column);
    else {
      select.push(c.sql);
      columns.push(c.column);
    }
  }
  if (select.length === 0) throw new OnecodeError('export_failed', `${job.view}: the policy leaves no column of the view`);
  const region = job.partitionBy === 'region' ? regionSql(job.view) : undefined;
  const source = `${quoteIdent(job.database)}.main.${quoteIdent(job.view)}`;
  const viewDir = path.join(job.dir, job.view);
  await mkdir(viewDir);
  const sql = (where = '') => `SELECT ${select.join(', ')}${region === undefined ? '' : `, ${region} AS ${REGION_COLUMN}`} FROM ${source}${where}`;
  const target = region === undefined ? path.join(viewDir, 'data_0.parquet') : viewDir;
  const copy = await connection.runAndReadAll(
    `COPY (${sql()}) TO ${quoteLiteral(target)} (FORMAT parquet${region === undefined ? '' : `, PARTITION_BY (${REGION_COLUMN})`}, RETURN_FILES)`);
  const [count, files] = copy.getRowsJson()[0] as [string, string[]];
  let paths = files;
  if (paths.length === 0) {
    // an empty view partitioned writes no file: one without rows keeps its columns for readers
    const empty = path.join(viewDir, `${REGION_COLUMN}=__HIVE_DEFAULT_PARTITION__`, 'data_0.parquet');
    await mkdir(path.dirname(empty));
    await connection.run(`COPY (SELECT ${select.join(', ')} FROM ${source} WHERE false) TO ${quoteLiteral(empty)} (FORMAT parquet)`);
    paths = [empty];
  }
  return {
    view: job.view,
    rows: Number(count),
    partition_by: region === undefined ? null : 'region',
    columns,
    left_out: leftOut,
    files: paths.sort().map((p) => ({ path: path.relative(job.dir, p).split(path.sep).join('/'), rows: 0, bytes: 0, sm3: '' })),
  };
}

/**
 * Fills in each file's rows (its Parquet footer), bytes and SM3.
 * @throws OnecodeError `export_failed` when the files' rows do not add up to the view's.
 */
async function describeFiles(connection: DuckDBConnection, dir: string, view: ExportedView): Promise<void> {
  const full = view.files.map((f) => path.join(dir, f.path));
  const footers = resultRows(await connection.runAndReadAll(`SELECT file_name, num_rows FROM parquet_file_metadata([${full.map(quoteLiteral).join(', ')}])`));
  const rowsOf = new Map(footers.map((r) => [String(r.file_name), Number(r.num_rows)]));
  for (const [i, f] of view.files.entries()) {
    f.rows = rowsOf.get(full[i]!) ?? 0;
    f.bytes = (await stat(full[i]!)).size;
    f.sm3 = await sm3Of(full[i]!);
  }
  const total = view.files.reduce((n, f) => n + f.rows, 0);
  if (total !== view.rows) throw new OnecodeError('export_failed', `${view.view}: ${view.rows} rows were copied but its files hold ${total}`);
}

/** The one codes the written files hold in clear (columns of code kinds only): how many, and the first {@link MAX_CODES_PER_ACCESS} in order. */
async function clearCodes(connection: DuckDBConnection, dir: string, written: readonly ExportedView[]): Promise<{ total: number; kept: string[] }> {
  const branches: string[] = [];
  for (const v of written) {
    const files = `[${v.files.map((f) => quoteLiteral(path.join(dir, f.path))).join(', ')}]`;
    for (const c of v.columns) {
      const rule = ANALYST_VIEWS[v.view]![c.name]!;
      if (!kindsOf(rule).some((k) => CODE_KINDS.has(k))) continue;
      branches.push(`SELECT CAST(${quoteIdent(c.name)} AS VARCHAR) AS code FROM read_parquet(${files}, hive_partitioning = false)`);
    }
  }
  if (branches.length === 0) return { total: 0, kept: [] };
  const [row] = resultRows(await connection.runAndReadAll(`
    WITH shown AS (SELECT DISTINCT code FROM (${branches.join('\n UNION ALL ')}) WHERE regexp_full_match(code, '${CLEAR_CODE}'))
    SELECT (SELECT count(*) FROM shown) AS total, (SELECT list(code ORDER BY code) FROM (SELECT code FROM shown ORDER BY code LIMIT ${MAX_CODES_PER_ACCESS})) AS kept`));
  return { total: Number(row!.total), kept: (row!.kept as string[] | null) ?? [] };
}

