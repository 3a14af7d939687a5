/**
 * `onecode report PIPELINE [--run RUN_ID] [--policy SPEC] [--out DIR] [--pipelines DIR]`: the
 * correction report of the pipeline's run (src/report/correction-report.ts) as a workbook and as
 * JSON, `<out>/<pipeline>-<run_id>.xlsx` and `.json`, values under the recipient's policy (default
 * `public=clear,internal=clear,personal=mask`; the key of `pseudonymise` from
 * ONECODE_PSEUDONYM_KEY_FILE). Recorded in access_log (action `report`) as `cli:<OS user>`, before
 * the files are in place, as an export is. Prints one JSON line: the files, the policy, the counts.
 */
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { recordAccess, type AccessEntry } from '../access/access-log.ts';
import { keyForPolicy } from '../access/policy-key.ts';
import { ConfigError } from '../errors.ts';
import { resolveExitPolicy } from '../export/export-policy.ts';
import { FEED_CLASSES } from '../protect/field-classes.ts';
import { readCorrectionReport } from '../report/correction-report.ts';
import { writeReportWorkbook } from '../report/report-workbook.ts';
import { choosePipelines } from './choose-pipelines.ts';
import { cliRequester } from './cli-requester.ts';
import { openIndexForRecording } from './open-index-for-cli.ts';

/** Options of {@link reportCommand}, from the command line. */
export interface ReportCommandOptions {
  pipeline: string;
  pipelines: string;
  dbPath: string;
  /** Default: the pipeline's latest successful run. */
  runId?: string;
  /** `--policy` text; classes not named keep `public=clear,internal=clear,personal=mask`. */
  policy?: string;
  /** Default: `reports/` beside the index file. */
  out?: string;
  env?: NodeJS.ProcessEnv;
}

/** The folder reports go to without `--out`: `reports/` beside the index file. */
export function defaultReportFolder(dbPath: string): string {
  return path.join(path.dirname(dbPath), 'reports');
}

/**
 * Writes the report and prints its summary line.
 * @throws ConfigError (exit 2) `report_policy_invalid`, `pseudonym_key_unset`, `pipeline_unknown`,
 *   `run_unknown`, `output_unwritable` (naming --out); what openIndexForRecording throws.
 */
export async function reportCommand(o: ReportCommandOptions): Promise<void> {
  const env = o.env ?? process.env;
  const policy = resolveExitPolicy({ flag: o.policy, errorCode: 'report_policy_invalid' });
  const key = FEED_CLASSES.some((c) => policy[c] === 'pseudonymise') ? await keyForPolicy('pseudonymise', env) : undefined;
  const { chosen, invalid } = await choosePipelines(o.pipelines, { all: false, names: [o.pipeline] });
  if (chosen.length === 0) throw new ConfigError('config_invalid', invalid.flatMap((f) => f.problems).join('\n'));
  const pipeline = chosen[0]!;
  const out = o.out ?? defaultReportFolder(o.dbPath);
  const index = await openIndexForRecording(o.dbPath);
  try {
    const requester = cliRequester('steward');
    const entry: Omit<AccessEntry, 'rowCount'> = { who: requester.name, role: requester.role, channel: requester.channel, action: 'report', query: `report ${pipeline.name}${o.runId === undefined ? '' : ` --run ${o.runId}`}`, policy: policy.personal };
    const { report, codesShown } = await readCorrectionReport(index.connection, { pipeline, runId: o.runId, policy, key });
    const base = path.join(out, `${pipeline.name}-${report.run.run_id}`);
    const staged = { xlsx: `${base}.xlsx.${process.pid}.tmp`, json: `${base}.json.${process.pid}.tmp` };
    try {
      await mkdir(out, { recursive: true });
      await writeReportWorkbook(staged.xlsx, report);
      await writeFile(staged.json, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
      await chmod(staged.xlsx, 0o600);
    } catch (error) {
      await Promise.all(Object.values(staged).map((f) => rm(f, { force: true })));
      throw new ConfigError('output_unwritable', `${out}: cannot write the report there (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
    }
    const items = report.groups.reduce((n, g) => n + g.items.length, 0);
    // recorded before the files are in place: no report is readable at --out that access_log does not hold
    await recordAccess(index.connection, { ...entry, rowCount: items, codes: codesShown });
    await rename(staged.xlsx, `${base}.xlsx`);
    await rename(staged.json, `${base}.json`);
    process.stdout.write(`${JSON.stringify({
      pipeline: pipeline.name, run_id: report.run.run_id, policy: report.policy, ...report.counts,
      reasons: report.groups.length, xlsx: `${base}.xlsx`, json: `${base}.json`,
    })}\n`);
  } finally {
    index.close();
  }
}
