import { CONNECTORS } from '../../connectors/index.ts';
import type { Connector, ConnectorContext, StageContext } from '../../connectors/types.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { declaredSourcePath, sourceFileToRead } from '../config/source-path.ts';
import { planRun, type RunCounts, type RunPlan } from '../index/plan/plan-run.ts';
import { NO_COUNTS } from '../index/plan/run-counts.ts';
import { buildCandidates, stagingLayout } from '../index/candidates.ts';
import type { OpenIndex } from '../index/open-index.ts';
import { quoteLiteral, sqlInstant } from '../index/sql-text.ts';
import { stageRows, type StageProgress } from '../index/stage-rows.ts';
import type { Logger } from '../logger.ts';
import { stackFrames } from '../error-text.ts';
import { recordedError } from './error-record.ts';
import { withholdRejectedRaw } from './withhold-raw.ts';

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
}

/** Today's date in China Standard Time (UTC+8, no daylight saving), YYYY-MM-DD. */
export function todayInChina(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

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
  const runNo = Number((await c.runAndReadAll(`SELECT nextval('run_seq')`)).getRows()[0]![0]);
  const runId = `r${String(runNo).padStart(6, '0')}`;
  const declaredPath = declaredSourcePath(pipeline);
  const started = Date.now();
  await c.run(`
    INSERT INTO run_log (run_id, run_no, pipeline, system, trigger, source_path, started_at, status)
    VALUES (${quoteLiteral(runId)}, ${runNo}, ${quoteLiteral(pipeline.name)}, ${quoteLiteral(pipeline.system)},
            ${quoteLiteral(o.trigger ?? 'manual')}, ${quoteLiteral(declaredPath)}, ${sqlInstant(started)}, 'running')`);
  logger.info({ runId, source: declaredPath }, 'run started');
  const phase = { now: 'checking the source path' };
  try {
    // Confined and a regular file (src/config/source-path.ts): the connector reads its real path.
    const sourcePath = await sourceFileToRead(pipeline);
    phase.now = 'staging the extract';
    // Staging and planning write only temporary tables; the index changes in one transaction.
    const plan = await extractAndPlan(o, runId, runNo, sourcePath, phase);
    const counts = plan.counts;
    phase.now = 'writing the index';
    await c.run('BEGIN TRANSACTION');
    await plan.write();
    await c.run(`
      UPDATE run_log SET status = 'succeeded', ended_at = now(),
        rows_read = ${counts.rowsRead}, loaded = ${counts.loaded}, duplicates = ${counts.duplicates},
        quarantined = ${counts.quarantined}, created = ${counts.created}, updated = ${counts.updated},
        deleted = ${counts.deleted}, unchanged = ${counts.unchanged}, events = ${counts.events},
        linked = ${counts.linked}, unlinked = ${counts.unlinked}, relinked = ${counts.relinked}
      WHERE run_id = ${quoteLiteral(runId)}`);
    await c.run('COMMIT');
    const summary: RunSummary = { runId, pipeline: pipeline.name, system: pipeline.system, status: 'succeeded', ...counts, durationMs: Date.now() - started };
    logger.info({ runId, ...counts, durationMs: summary.durationMs }, 'run succeeded');
    return summary;
  } catch (error) {
    await c.run('ROLLBACK').catch(() => undefined);
    const { code, message } = recordedError(error, phase.now);
    await c.run(`
      UPDATE run_log SET status = 'failed', ended_at = now(), error_code = ${quoteLiteral(code)}, error = ${quoteLiteral(message)}
      WHERE run_id = ${quoteLiteral(runId)}`);
    logger.error({ runId, errorCode: code }, 'run failed');
    if (code === 'internal_error') logger.debug({ runId, phase: phase.now, frames: stackFrames(error) }, 'internal error');
    return {
      runId, pipeline: pipeline.name, system: pipeline.system, status: 'failed', errorCode: code, error: message,
      ...NO_COUNTS,
      durationMs: Date.now() - started,
    };
  }
}

async function extractAndPlan(o: RunPipelineOptions, runId: string, runNo: number, sourcePath: string, phase: { now: string }): Promise<RunPlan> {
  const { index, pipeline } = o;
  const c = index.connection;
  const runDate = o.runDate ?? todayInChina();
  const connector = CONNECTORS[pipeline.connector.kind] as Connector<typeof pipeline.connector>;
  const { projectColumns, layout } = stagingLayout(pipeline);
  const dropColumns = Object.entries(pipeline.classification).filter(([, cls]) => cls === 'secret').map(([col]) => col);
  const ctx: ConnectorContext = { pipeline, logger: o.logger.child({ component: 'connector', connector: connector.kind }), sourcePath };
  const stg = 'stg';
  const rej = 'stg_rejects';
  if (connector.stage) {
    const stageCtx: StageContext = { ...ctx, connection: c, table: stg, rejectTable: rej, dropColumns, projectColumns };
    await connector.stage(stageCtx, pipeline.connector);
  } else {
    await stageRows({ connection: c, rows: connector.extract(ctx, pipeline.connector), table: stg, rejectTable: rej, dropColumns, projectColumns, onProgress: o.onProgress });
  }
  await withholdRejectedRaw({ connection: c, pipeline, rejectTable: rej });
  phase.now = 'classifying the rows';
  await buildCandidates({ connection: c, pipeline, layout, stagingTable: stg, target: 'cand', runDate });
  phase.now = 'planning the changes';
  return planRun({
    connection: c, pipeline, runId, runNo, sourcePath, candidates: 'cand', rejectTable: rej,
    allowDeletes: o.allowDeletes ?? false, tsMs: Date.now(),
  });
}
