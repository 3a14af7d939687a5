import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { CONNECTORS } from '../../connectors/index.ts';
import type { Connector, SourceColumn, SourceRead } from '../../connectors/types.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { planRun, type RunCounts, type RunPlan } from '../index/plan/plan-run.ts';
import { recordEventClassesSql } from '../outbox/event-classes.ts';
import type { ReadPolicy } from '../index/plan/plan-context.ts';
import { NO_COUNTS } from '../index/plan/run-counts.ts';
import { buildCandidates, stagingLayout } from '../index/candidates.ts';
import type { OpenIndex } from '../index/open-index.ts';
import { quoteLiteral, sqlInstant } from '../index/sql-text.ts';
import { stageRows, type StageProgress } from '../index/stage-rows.ts';
import { dropTempTablesExcept, tempTableNames } from '../index/temp-tables.ts';
import type { Logger } from '../logger.ts';
import { stackFrames } from '../error-text.ts';
import { recordedError } from './error-record.ts';
import { quarantinedReasonSummary, stagedReasonSummary } from './reason-summary.ts';
import { withholdRejectedRaw } from './withhold-raw.ts';
import { readPolicy } from './read-policy.ts';
import { todayInChina } from './today-in-china.ts';
import { checkSchemaDrift, markLikelyRenames, schemaChangeInsertSql, usedColumns, type Drift } from './schema-drift.ts';
import { loadSourceState, saveSourceStateSql, type SourceFingerprint, type StoredSourceState } from './source-state.ts';
import { definitionSha256, fileSha256 } from './source-fingerprint.ts';
import { quarantineRetentionSql } from '../index/plan/quarantine.ts';

/** What `run` reports for one pipeline. */
export interface RunSummary extends RunCounts {
  runId: string;
  pipeline: string;
  system: string;
  status: 'succeeded' | 'failed';
  /** Failed runs: the error's stable code and message. */
  errorCode?: string;
  error?: string;
  durationMs: number;
  /** The source read (a file path or a URI without secrets). */
  source?: string;
  /** The source as the pipeline declares it (a glob, before a file of it is taken). */
  declaredSource?: string;
  /** Files of a glob still waiting after this run (`files: every_new`): run again to load the next. */
  moreWaiting?: number;
  /** The read had nothing new (every file of a glob already loaded). */
  nothingNew?: boolean;
  /**
   * The file read has the bytes, and the pipeline the definition, of the last successful run,
   * this run id's (src/run/source-fingerprint.ts): nothing was staged or written but the run row
   * (outcome `unchanged_source`), whose counts are those of that run's rows with nothing changed
   * (read, loaded, duplicates, quarantined as it counted them; created, updated, deleted, events 0).
   * Snapshot pipelines only (an incremental pipeline's records are more than its file's rows).
   */
  unchangedSince?: string;
  /** Columns that changed since the last successful run (recorded in schema_changes). */
  schemaChanges?: number;
  /** A dry run (`onecode check`): what the run would have done, nothing written. */
  check?: CheckReport;
}

/** What a dry run saw: the source's columns, why rows would be quarantined, what drifted. */
export interface CheckReport {
  /** The rows read were a sample (the first `sampleRows`): deletes of a snapshot are not predicted. */
  sampled: boolean;
  columns: SourceColumn[];
  /** Reason code → rows and first positions (ReasonSummary of reason-summary.ts). */
  reasons: Record<string, { rows: number; first_lines: number[] }>;
  /** `used`: the pipeline maps the column (or keys, cursors or flags deletes by it). */
  schemaChanges: { column: string; change: string; renamedFrom: string | null; action: string; used: boolean }[];
}

export interface RunPipelineOptions {
  index: OpenIndex;
  pipeline: Pipeline;
  logger: Logger;
  /** What started the run: `manual` (CLI) or `schedule` (serve). */
  trigger?: string;
  /** Let a snapshot delete more than the pipeline's max_delete_share. */
  allowDeletes?: boolean;
  /** The date birth dates are checked against (YYYY-MM-DD); default today in Asia/Shanghai. */
  runDate?: string;
  /** Streaming connectors report progress every 10,000 rows. */
  onProgress?: (progress: StageProgress) => void;
  /** Environment for the connector's secrets (`url_env`, `headers_from_env`). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * A dry run: everything a run does, in one transaction rolled back at the end, so nothing is
   * written (no run row, no state, no schema change); the summary carries a CheckReport.
   * `sampleRows` reads only the first rows (a snapshot then deletes nothing).
   */
  dryRun?: { sampleRows?: number };
  /** Read and apply a file source even when it is unchanged since the last successful run (`run --force`). */
  force?: boolean;
}

/** Today's date in China (src/run/today-in-china.ts), kept exported here for the callers that import it from the runner. */
export { todayInChina };

/** Temporary tables of a run's staging: unreadable rows and judged rows (candidates). */
const STAGING = { rejects: 'stg_rejects', candidates: 'cand' };

/**
 * Runs one pipeline: extract, stage, classify, apply to the index, all in one transaction,
 * and records the run in `run_log` whatever happens. A failed run changes nothing but its own
 * `run_log` row and returns status `failed` with the error (it does not throw for run errors;
 * it throws only if the index itself cannot be written).
 */
export async function runPipeline(o: RunPipelineOptions): Promise<RunSummary> {
  const { index, pipeline } = o;
  const c = index.connection;
  const logger = o.logger.child({ component: 'run', pipeline: pipeline.name });
  // A dry run takes no number from the sequence (which no rollback gives back): the next free one.
  const runNo = Number((await c.runAndReadAll(o.dryRun
    ? `SELECT greatest(coalesce(max(run_no), 0), (SELECT coalesce(max(run_no), 0) FROM run_log)) + 1 FROM run_log`
    : `SELECT nextval('run_seq')`)).getRows()[0]![0]);
  const runId = `r${String(runNo).padStart(6, '0')}`;
  const connector = CONNECTORS[pipeline.connector.kind] as Connector<typeof pipeline.connector>;
  const declared = connector.describe(pipeline, pipeline.connector);
  const started = Date.now();
  const dry = o.dryRun !== undefined;
  if (dry) await c.run('BEGIN TRANSACTION');
  await c.run(`
    INSERT INTO run_log (run_id, run_no, pipeline, system, trigger, connector, source, position_kind, started_at, status)
    VALUES (${quoteLiteral(runId)}, ${runNo}, ${quoteLiteral(pipeline.name)}, ${quoteLiteral(pipeline.system)},
            ${quoteLiteral(o.trigger ?? 'manual')}, ${quoteLiteral(connector.kind)}, ${quoteLiteral(declared.uri)},
            ${quoteLiteral(declared.positionKind)}, ${sqlInstant(started)}, 'running')`);
  logger.info({ runId, source: declared.uri }, 'run started');
  // Staging tables of an earlier run on this connection must not be summarised as this run's.
  await c.run(`DROP TABLE IF EXISTS ${STAGING.rejects}; DROP TABLE IF EXISTS ${STAGING.candidates}`);
  const tempTablesBefore = await tempTableNames(c);
  const phase = { now: 'opening the source' };
  let read: SourceRead | undefined;
  try {
    const policy = readPolicy(pipeline, connector.capabilities(pipeline.connector));
    // A sample cannot tell which records are gone.
    if (o.dryRun?.sampleRows !== undefined) policy.absentDeletes = false;
    const stored = await loadSourceState(c, pipeline.name, connector.kind);
    read = await connector.open({
      pipeline, logger: o.logger.child({ component: 'connector', connector: connector.kind }), state: stored.state, env: o.env ?? process.env,
      ...(pipeline.mode === 'cursor' && pipeline.cursor ? { cursor: { column: pipeline.cursor.column, lagSeconds: pipeline.cursor.lag_seconds } } : {}),
    }, pipeline.connector);
    const source = read.source.uri;
    if (source !== declared.uri) await c.run(`UPDATE run_log SET source = ${quoteLiteral(source)} WHERE run_id = ${quoteLiteral(runId)}`);
    // A file: its digests, kept with the state; the same as the last successful run's, nothing to do.
    const fingerprint = dry || read.nothingNew || read.contentFile === undefined ? undefined : fingerprintOf(read.contentFile, pipeline, o.runDate ?? todayInChina());
    // A snapshot only: its records are the file's rows, so the counts of a re-run are known without it.
    if (fingerprint && !o.force && pipeline.mode === 'snapshot' && stored.runId !== null && stored.fingerprint?.definition === fingerprint.definition) {
      phase.now = 'reading the source\'s digest';
      if ((await fingerprint.source) === stored.fingerprint.source) {
        phase.now = 'recording the run';
        const counts = await recordUnchanged(c, pipeline, runId, stored.runId);
        logger.info({ runId, sameAs: stored.runId, durationMs: Date.now() - started }, 'run succeeded: unchanged source, nothing to do');
        return {
          runId, pipeline: pipeline.name, system: pipeline.system, status: 'succeeded', ...counts, durationMs: Date.now() - started, source, declaredSource: declared.uri,
          unchangedSince: stored.runId,
        };
      }
    }
    const drift: ReadRun['drift'] = { changes: [], action: 'evolve' };
    // Drift before the rows are read where the source declares its columns up front.
    const opened = read;
    if (read.columns) Object.assign(drift, await checkSchemaDrift({ connection: c, pipeline, runId, source, logger, before: stored.columns, now: read.columns, sample: () => opened.extract() }));
    let plan: RunPlan | undefined;
    let columns: SourceColumn[] | null = read.columns ?? stored.columns;
    if (!read.nothingNew) {
      phase.now = 'staging the extract';
      // Staging and planning write only temporary tables; the index changes in one transaction.
      plan = await extractAndPlan(o, { runId, runNo, read, policy, stored, drift, phase });
      columns = read.columns ?? drift.seen ?? stored.columns;
    }
    const end = await read.end();
    // A read of no rows shows no keys: the columns of the last run stand.
    if (!read.columns && end.columnsSeen && end.columnsSeen.length > 0 && plan) columns = end.columnsSeen;
    const counts = plan?.counts ?? { ...NO_COUNTS };
    phase.now = 'writing the index';
    if (!dry) await c.run('BEGIN TRANSACTION');
    if (plan) await plan.write();
    // Drift a run goes on with lands with it (a run failing on its drift recorded it already).
    if (drift.changes.length > 0) await c.run(schemaChangeInsertSql(pipeline, runId, drift));
    await c.run(saveSourceStateSql({ pipeline: pipeline.name, runId, runNo, connector: connector.kind, state: end.state, columns, fingerprint: fingerprint ? await fingerprint.kept() : null }));
    // The classes the push protects this pipeline's events by (also its pending ones): every run, events or not.
    await c.run(recordEventClassesSql(pipeline, runId, 'now()'));
    await c.run(`
      UPDATE run_log SET status = 'succeeded', ended_at = now(),
        rows_read = ${counts.rowsRead}, loaded = ${counts.loaded}, duplicates = ${counts.duplicates},
        quarantined = ${counts.quarantined}, created = ${counts.created}, updated = ${counts.updated},
        deleted = ${counts.deleted}, unchanged = ${counts.unchanged}, events = ${counts.events},
        linked = ${counts.linked}, unlinked = ${counts.unlinked}, relinked = ${counts.relinked},
        reason_summary = ${quoteLiteral(plan ? await quarantinedReasonSummary(c, runId) : '{}')}
      WHERE run_id = ${quoteLiteral(runId)}`);
    const check = dry ? await checkReport(c, pipeline, runId, o.dryRun?.sampleRows !== undefined, columns ?? []) : undefined;
    await c.run(dry ? 'ROLLBACK' : 'COMMIT');
    const summary: RunSummary = {
      ...(check ? { check } : {}),
      runId, pipeline: pipeline.name, system: pipeline.system, status: 'succeeded', ...counts, durationMs: Date.now() - started, source, declaredSource: declared.uri,
      ...(read.moreWaiting ? { moreWaiting: read.moreWaiting } : {}),
      ...(read.nothingNew ? { nothingNew: true } : {}),
      ...(drift.changes.length > 0 ? { schemaChanges: drift.changes.length } : {}),
    };
    logger.info({ runId, ...counts, durationMs: summary.durationMs }, 'run succeeded');
    return summary;
  } catch (error) {
    await c.run('ROLLBACK').catch(() => undefined);
    const { code, message } = recordedError(error, phase.now);
    if (dry) {
      return { runId, pipeline: pipeline.name, system: pipeline.system, status: 'failed', errorCode: code, error: message, ...NO_COUNTS, durationMs: Date.now() - started };
    }
    // What the run read before it failed: why its rows were (or would have been) quarantined.
    const reasons = await stagedReasonSummary(c, STAGING).catch(() => '{}');
    await c.run(`
      UPDATE run_log SET status = 'failed', ended_at = now(), error_code = ${quoteLiteral(code)}, error = ${quoteLiteral(message)},
        reason_summary = ${quoteLiteral(reasons)}
      WHERE run_id = ${quoteLiteral(runId)}`);
    logger.error({ runId, errorCode: code }, 'run failed');
    if (code === 'internal_error') logger.debug({ runId, phase: phase.now, frames: stackFrames(error) }, 'internal error');
    return {
      runId, pipeline: pipeline.name, system: pipeline.system, status: 'failed', errorCode: code, error: message,
      ...NO_COUNTS,
      durationMs: Date.now() - started,
    };
  } finally {
    await read?.close().catch((error: unknown) => logger.warn({ runId, errorKind: (error as Error)?.name }, 'closing the source failed'));
    await dropTempTablesExcept(c, tempTablesBefore).catch((error: unknown) => logger.warn({ runId, errorKind: (error as Error)?.name }, 'dropping the run\'s temporary tables failed'));
  }
}

/** The digests of a run of a file, the file's still being computed (fingerprintOf). */
interface PendingFingerprint {
  definition: string;
  /** SHA-256 of the file's bytes. */
  source: Promise<string>;
  /**
   * The digest to keep once the run has read the file: null when the file changed (size,
   * modification time or inode) since its digest was begun, so that the digest may not be of
   * the bytes staged.
   */
  kept(): Promise<SourceFingerprint | null>;
}

/**
 * The digests of a run of `file` (src/run/source-fingerprint.ts): the definition's at once, the
 * file's as a promise, so that a run that reads the file anyway hashes it while it stages.
 */
function fingerprintOf(file: string, pipeline: Pipeline, runDate: string): PendingFingerprint {
  const identity = (s: Stats) => `${s.size}:${s.mtimeMs}:${s.ino}`;
  const before = stat(file).then(identity);
  const source = before.then(() => fileSha256(file));
  // Awaited only where it is used: a run that fails first must not leave them rejected unobserved.
  before.catch(() => undefined);
  source.catch(() => undefined);
  const definition = definitionSha256(pipeline, runDate);
  return {
    definition,
    source,
    async kept() {
      // A file gone or replaced since it was staged: the run stands, its digest is not kept.
      try {
        const digest = await source;
        return (await before) === identity(await stat(file)) ? { source: digest, definition } : null;
      } catch {
        return null;
      }
    },
  };
}

/**
 * Records run `runId` of a snapshot pipeline as succeeded with nothing to do (outcome
 * `unchanged_source`), in one transaction, with the counts a full re-run reports: the rows as run
 * `sameAs` counted them (read, loaded, duplicates, quarantined), every loaded row's record
 * unchanged, nothing created, updated, deleted or relinked (every run resolves the links of every
 * pipeline's waiting records), and of the pipeline's records (the snapshot's rows) those linked
 * through a legacy code and those waiting unlinked as they stand now; and its quarantined rows
 * again under this run (the quarantine shown is the latest successful run's, and the same bytes
 * hold the same bad rows; copied from the latest successful run, `sameAs` or a skip after it, since
 * retention may have removed `sameAs`'s own), with the pipeline's quarantine history bounded as a
 * full run bounds it.
 * @returns the counts recorded.
 */
async function recordUnchanged(c: OpenIndex['connection'], pipeline: Pipeline, runId: string, sameAs: string): Promise<RunCounts> {
  const R = quoteLiteral(runId);
  const S = quoteLiteral(sameAs);
  const [row] = (await c.runAndReadAll(`
    SELECT coalesce(rows_read, 0), coalesce(loaded, 0), coalesce(duplicates, 0), coalesce(quarantined, 0),
           (SELECT count(*) FILTER (WHERE code_status = 'linked') FROM source_record WHERE pipeline = ${quoteLiteral(pipeline.name)}),
           (SELECT count(*) FILTER (WHERE code_status = 'unlinked') FROM source_record WHERE pipeline = ${quoteLiteral(pipeline.name)})
    FROM run_log WHERE run_id = ${S}`)).getRows() as (bigint | number)[][];
  const [rowsRead, loaded, duplicates, quarantined, linked, unlinked] = (row ?? [0, 0, 0, 0, 0, 0]).map(Number) as [number, number, number, number, number, number];
  const counts: RunCounts = { ...NO_COUNTS, rowsRead, loaded, duplicates, quarantined, unchanged: loaded, linked, unlinked };
  await c.run('BEGIN TRANSACTION');
  await c.run(`
    INSERT INTO quarantined_row (run_id, pipeline, system, source, line, raw, raw_sm3, raw_bytes, reason_codes, reasons, quarantined_at)
    SELECT ${R}, pipeline, system, source, line, raw, raw_sm3, raw_bytes, reason_codes, reasons, quarantined_at FROM quarantined_row
    WHERE run_id = (SELECT run_id FROM run_log WHERE pipeline = ${quoteLiteral(pipeline.name)} AND status = 'succeeded' AND run_id <> ${R} ORDER BY run_no DESC LIMIT 1)`);
  await c.run(`
    UPDATE run_log SET status = 'succeeded', outcome = 'unchanged_source', ended_at = now(),
      rows_read = ${rowsRead}, loaded = ${loaded}, duplicates = ${duplicates}, quarantined = ${quarantined},
      created = 0, updated = 0, deleted = 0, unchanged = ${loaded}, events = 0, linked = ${linked}, unlinked = ${unlinked}, relinked = 0,
      reason_summary = coalesce((SELECT reason_summary FROM run_log WHERE run_id = ${S}), '{}')
    WHERE run_id = ${R}`);
  await c.run(quarantineRetentionSql({ P: quoteLiteral(pipeline.name), R, pipeline }));
  await c.run('COMMIT');
  return counts;
}

/** What extractAndPlan needs from the run. */
interface ReadRun {
  runId: string;
  runNo: number;
  read: SourceRead;
  policy: ReadPolicy;
  stored: StoredSourceState;
  /** Drift found so far; `seen` is filled with the columns of a source that declares none up front. */
  drift: Drift & { seen?: SourceColumn[] };
  phase: { now: string };
}

async function extractAndPlan(o: RunPipelineOptions, r: ReadRun): Promise<RunPlan> {
  const { index, pipeline } = o;
  const { read, phase } = r;
  const c = index.connection;
  const runDate = o.runDate ?? todayInChina();
  const { projectColumns, layout } = stagingLayout(pipeline);
  const dropColumns = Object.entries(pipeline.classification).filter(([, cls]) => cls === 'secret').map(([col]) => col);
  const stg = 'stg';
  const rej = STAGING.rejects;
  const sample = o.dryRun?.sampleRows;
  if (sample !== undefined) {
    await stageRows({ connection: c, rows: firstRows(read.extract(), sample), table: stg, rejectTable: rej, dropColumns, projectColumns });
  } else if (read.stage) {
    await read.stage({ connection: c, table: stg, rejectTable: rej, dropColumns, projectColumns });
  } else {
    await stageRows({ connection: c, rows: read.extract(), table: stg, rejectTable: rej, dropColumns, projectColumns, onProgress: o.onProgress });
  }
  if (!read.columns) {
    // Columns known only from the rows (NDJSON, APIs): drift once they are read, still before anything is written.
    const end = await read.end();
    // (a read of no rows shows no keys, which is no sign that columns went)
    if (end.columnsSeen && end.columnsSeen.length > 0) {
      r.drift.seen = end.columnsSeen;
      Object.assign(r.drift, await checkSchemaDrift({ connection: c, pipeline, runId: r.runId, source: read.source.uri, logger: o.logger, before: r.stored.columns, now: end.columnsSeen }));
    }
  }
  await withholdRejectedRaw({ connection: c, pipeline, rejectTable: rej });
  phase.now = 'classifying the rows';
  await buildCandidates({ connection: c, pipeline, layout, stagingTable: stg, target: STAGING.candidates, runDate });
  // The candidates hold all the run needs of the staged rows: their memory goes back now.
  await c.run(`DROP TABLE ${stg}`);
  if (r.drift.changes.length > 0) await markLikelyRenames(c, pipeline, r.drift.changes, STAGING.candidates);
  phase.now = 'planning the changes';
  return planRun({
    connection: c, pipeline, runId: r.runId, runNo: r.runNo, source: read.source.uri, policy: r.policy, candidates: STAGING.candidates, rejectTable: rej,
    allowDeletes: o.allowDeletes ?? false, tsMs: Date.now(),
  });
}

/** The first `n` items of a read (a dry run's sample); the rest are not read. */
async function* firstRows<T>(items: AsyncGenerator<T>, n: number): AsyncGenerator<T> {
  let taken = 0;
  if (n <= 0) return;
  for await (const item of items) {
    yield item;
    if (++taken >= n) break;
  }
}

/** A dry run's report, read inside its transaction before the rollback. */
async function checkReport(c: OpenIndex['connection'], pipeline: Pipeline, runId: string, sampled: boolean, columns: SourceColumn[]): Promise<CheckReport> {
  const used = usedColumns(pipeline);
  const reasons = JSON.parse(await quarantinedReasonSummary(c, runId)) as CheckReport['reasons'];
  const changes = (await c.runAndReadAll(`
    SELECT column_name, change, renamed_from, action FROM schema_change WHERE run_id = ${quoteLiteral(runId)} ORDER BY column_name`)).getRows() as [string, string, string | null, string][];
  return { sampled, columns, reasons, schemaChanges: changes.map(([column, change, renamedFrom, action]) => ({ column, change, renamedFrom, action, used: used.has(column) })) };
}

/**
 * Runs a pipeline until its source has nothing waiting: once, and again while the run succeeded
 * and files of its glob are still waiting (`files: every_new` loads one file per run, oldest name
 * first). Yields each run's summary as it ends.
 */
export async function* runUntilCaughtUp(o: RunPipelineOptions): AsyncGenerator<RunSummary> {
  for (;;) {
    const summary = await runPipeline(o);
    yield summary;
    if (summary.status !== 'succeeded' || (summary.moreWaiting ?? 0) === 0) return;
  }
}
