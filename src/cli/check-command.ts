import type { Logger } from '../logger.ts';
import { ConfigError } from '../errors.ts';
import { errorTextWithoutValues } from '../error-text.ts';
import { runPipeline, type RunSummary } from '../run/run-pipeline.ts';
import { choosePipelines } from './choose-pipelines.ts';
import { openIndexForWriting } from './open-index-for-cli.ts';
import { CHECK_SAMPLE_ROWS } from './check-sample.ts';
import { catalogueFindings, formatFinding, type CatalogueFinding } from '../catalogue/entry-findings.ts';

export { CHECK_SAMPLE_ROWS };

/**
 * `onecode check PIPELINE`: opens the source, reads its columns and a sample of rows (the first
 * `sampleRows`, or every row with `all`), and prints what a run would do — counts by disposition,
 * quarantine reasons with their first positions, schema drift — writing nothing (a dry run,
 * rolled back: run-pipeline.ts `dryRun`), and what is wrong with its catalogue entry
 * (src/catalogue/entry-findings.ts: a missing entry is a warning, an entry that disagrees with the
 * mapping an error). Exit 1 when the run would fail or the entry has an error. Prints file and
 * column names, reason codes, counts and positions, never a value.
 */
export async function checkCommand(o: { name: string; pipelines: string; dbPath: string; logger: Logger; sampleRows?: number; all: boolean; json: boolean; runDate?: string }): Promise<void> {
  const { chosen, invalid } = await choosePipelines(o.pipelines, { all: false, names: [o.name] });
  if (chosen.length === 0) throw new ConfigError('config_invalid', invalid.flatMap((f) => f.problems).join('\n') || `no pipeline '${o.name}' in ${o.pipelines}/`);
  const pipeline = chosen[0]!;
  const index = await openIndexForWriting(o.dbPath);
  let summary: RunSummary;
  try {
    summary = await runPipeline({
      index, pipeline, logger: o.logger, trigger: 'check', runDate: o.runDate,
      dryRun: o.all ? {} : { sampleRows: o.sampleRows ?? CHECK_SAMPLE_ROWS },
    });
  } finally {
    index.close();
  }
  const catalogue = catalogueFindings(pipeline);
  if (o.json) process.stdout.write(JSON.stringify({ ...summary, catalogue }, null, 2) + '\n');
  else process.stdout.write(formatCheck(summary) + formatCatalogueFindings(catalogue));
  if (summary.status === 'failed' || catalogue.some((f) => f.severity === 'error')) process.exitCode = 1;
}

/** The catalogue part of the text report: `catalogue entry: agrees with the mapping`, or one line per finding. */
export function formatCatalogueFindings(findings: readonly CatalogueFinding[]): string {
  if (findings.length === 0) return 'catalogue entry: agrees with the mapping\n';
  return ['catalogue entry:', ...findings.map((f) => `  ${formatFinding(f)}`)].join('\n') + '\n';
}

/** The report as text: one line per fact. */
export function formatCheck(s: RunSummary): string {
  const lines = [`check ${s.pipeline} (${s.system}): nothing was written`];
  if (s.source) lines.push(`source: ${s.source}`);
  if (s.status === 'failed') {
    lines.push(`a run would fail (${s.errorCode}): ${errorTextWithoutValues(s.error ?? '')}`);
    return lines.join('\n') + '\n';
  }
  const c = s.check!;
  lines.push(`columns (${c.columns.length}): ${c.columns.map((col) => (col.type ? `${col.name} ${col.type}` : col.name)).join(', ')}`);
  lines.push(`rows read ${s.rowsRead}${c.sampled ? ' (a sample: the first rows; deletes are not predicted)' : ''} = loaded ${s.loaded} + duplicates ${s.duplicates} + quarantined ${s.quarantined}`);
  lines.push(`a run would create ${s.created}, update ${s.updated}, delete ${s.deleted} and leave ${s.unchanged} record(s) unchanged, with ${s.events} change event(s)`);
  if (s.nothingNew) lines.push('nothing new to read: every file of the glob is loaded');
  const reasons = Object.entries(c.reasons);
  if (reasons.length > 0) {
    lines.push('quarantine reasons:');
    for (const [code, r] of reasons) lines.push(`  ${code}: ${r.rows} row(s), first at ${r.first_lines.join(', ')}`);
  }
  if (c.schemaChanges.length > 0) {
    lines.push('schema changes since the last successful run:');
    for (const ch of c.schemaChanges) {
      const rename = ch.renamedFrom ? ` (likely renamed from ${ch.renamedFrom}${ch.used ? ', and mapped' : ': confirm and map it'})` : '';
      lines.push(`  ${ch.change} ${ch.column}${rename} → ${ch.action}`);
    }
  }
  return lines.join('\n') + '\n';
}
