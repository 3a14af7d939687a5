import path from 'node:path';
import Table from 'cli-table3';
import type { RunSummary } from '../run/run-pipeline.ts';
import { errorTextWithoutValues } from '../error-text.ts';

/**
 * The run summary printed by `onecode run`: one line per pipeline with what happened to every row
 * read (loaded + duplicates + quarantined = read) and to the index, and a closing line saying
 * whether the counts add up.
 */
export function formatRunSummary(summaries: RunSummary[], pendingEvents: number): string {
  const table = new Table({
    head: ['pipeline', 'status', 'read', 'loaded', 'duplicate', 'quarantined', 'created', 'updated', 'deleted', 'events', 'ms'],
    style: { head: [], border: [] },
  });
  for (const s of summaries) {
    // A run of a glob names the file it took; a run that found nothing new, or its file unchanged, says so.
    const taken = s.source && s.declaredSource && s.source !== s.declaredSource ? ` (${path.basename(s.source)})` : '';
    const file = s.nothingNew ? ' (no new file)' : s.unchangedSince ? `${taken} (unchanged since ${s.unchangedSince}, nothing to do)` : taken;
    table.push([`${s.pipeline}${file}`, s.status, s.rowsRead, s.loaded, s.duplicates, s.quarantined, s.created, s.updated, s.deleted, s.events, s.durationMs]);
  }
  const ok = summaries.filter((s) => s.status === 'succeeded');
  const sum = (k: keyof RunSummary): number => ok.reduce((n, s) => n + (s[k] as number), 0);
  const read = sum('rowsRead');
  const accounted = sum('loaded') + sum('duplicates') + sum('quarantined');
  const lines = [table.toString()];
  lines.push(`rows read ${read} = loaded ${sum('loaded')} + duplicates ${sum('duplicates')} + quarantined ${sum('quarantined')}: ${read === accounted ? 'counts add up' : 'COUNTS DO NOT ADD UP'}`);
  if (sum('linked') + sum('unlinked') + sum('relinked') > 0) {
    lines.push(`legacy codes: ${sum('linked')} row(s) linked to a one code, ${sum('unlinked')} waiting unlinked for it; ${sum('relinked')} record(s) of earlier runs whose link changed`);
  }
  const unchanged = summaries.filter((s) => s.unchangedSince);
  if (unchanged.length > 0) lines.push(`${unchanged.map((s) => s.pipeline).join(', ')}: unchanged source (same file bytes and pipeline as the last successful run), nothing to do; counts are that run's; run with --force to read it again`);
  for (const s of summaries.filter((x) => x.status === 'failed')) lines.push(`${s.pipeline}: failed (${s.errorCode}): ${errorTextWithoutValues(s.error ?? '')}`);
  lines.push(`${pendingEvents} change event(s) pending in the outbox for Kafka${process.env.KAFKA_BROKERS ? '' : ' (set KAFKA_BROKERS and run `onecode push` to publish them)'}`);
  return lines.join('\n') + '\n';
}
