import { dropLinkTargets } from '../linkage.ts';
import { countDispositions } from './dispositions.ts';
import { planGoldenChanges } from './golden-changes.ts';
import { assertExtractLoadable } from './guards.ts';
import { linkWaitingRows } from './link-waiting.ts';
import { planNewAliases } from './new-aliases.ts';
import { NO_EVENTS, outboxInsertSql } from './outbox-events.ts';
import { planContext, scalar, type PlanRunOptions } from './plan-context.ts';
import { planQuarantine, quarantineRetentionSql } from './quarantine.ts';
import { planRecordChanges } from './record-changes.ts';
import { ownRecordEventsSql, relinkedRecordEventsSql } from './record-events.ts';
import { planRelink, relinkWriteSql } from './relink.ts';
import { checkCountsAddUp, type RunCounts } from './run-counts.ts';
import { verifyWritten } from './verify-written.ts';

export type { PlanRunOptions } from './plan-context.ts';
export type { RunCounts } from './run-counts.ts';

/** A planned run: its counts, and the write that applies it inside the caller's transaction. */
export interface RunPlan {
  counts: RunCounts;
  /**
   * Writes source records, links, aliases, golden records, outbox events and quarantine, then
   * checks what was written against the counts (verify-written.ts).
   * @throws GuardError `counts_mismatch`: the caller must roll back.
   */
  write(): Promise<void>;
}

/**
 * Plans one staged, classified extract against the index, set-based, reading only committed
 * data (DuckDB scans committed tables in parallel; tables written inside a transaction are
 * scanned far more slowly), and returns the counts and a `write` for the caller's transaction.
 * The steps, one file each:
 * 1. dispositions.ts: rows loaded, duplicate, quarantined, unreadable; guards.ts: an extract
 *    with nothing loadable fails;
 * 2. link-waiting.ts: rows waiting for a legacy code are linked where an alias resolves them;
 * 3. record-changes.ts: source records created, updated, deleted (snapshots, bounded by the
 *    delete guard), unchanged;
 * 4. relink.ts: records of earlier runs linked or waiting are resolved again;
 * 5. golden-changes.ts, record-events.ts: golden records rebuilt by survivorship, one change
 *    event per changed golden record (person and legal-person pipelines) or per changed record
 *    (record pipelines); outbox-events.ts numbers them after the outbox's highest `seq`;
 * 6. new-aliases.ts: aliases shown for the first time;
 * 7. quarantine.ts: quarantined rows with their reasons; older runs' rows beyond the
 *    pipeline's `quarantine_keep_runs` go;
 * 8. run-counts.ts: the counts must add up; verify-written.ts checks the write against them.
 * @throws GuardError `extract_empty`, `delete_guard` or `counts_mismatch`; nothing has been
 *   written then.
 */
export async function planRun(o: PlanRunOptions): Promise<RunPlan> {
  const ctx = planContext(o);
  const c = ctx.connection;
  const dispositions = await countDispositions(ctx);
  const waiting = await linkWaitingRows(ctx);
  if (ctx.policy.emptyRead === 'fault') assertExtractLoadable(ctx.source, dispositions);
  const changes = await planRecordChanges(ctx);
  const relinked = await planRelink(ctx, waiting.legacyInIndex, changes.rewrittenSql);
  const golden = await planGoldenChanges(ctx, changes, relinked);
  // `origin` NULL: the events of this pipeline's own records and of the golden records it changes
  const own = (sql: string) => `SELECT entity, op, code, before, after, NULL::VARCHAR AS origin FROM (${sql})`;
  const eventParts = [
    ...(ctx.pipeline.entity === 'record' ? [own(ownRecordEventsSql(ctx))] : []),
    ...(relinked > 0 ? [relinkedRecordEventsSql()] : []),
    ...golden.events.map(own),
  ];
  const events = eventParts.length > 0 ? eventParts.join(' UNION ALL ') : NO_EVENTS;
  const eventCount = await scalar(c, `SELECT count(*) FROM (${events})`);
  const newAliases = await planNewAliases(ctx, relinked);
  await dropLinkTargets(c);
  const alreadyQuarantined = await planQuarantine(ctx);

  const counts: RunCounts = {
    rowsRead: dispositions.staged + dispositions.unreadable,
    loaded: dispositions.loaded,
    duplicates: dispositions.duplicates,
    quarantined: dispositions.quarantinedRows + dispositions.unreadable,
    created: changes.created,
    updated: changes.updated,
    deleted: changes.deleted,
    unchanged: changes.unchanged,
    events: eventCount,
    linked: waiting.linked,
    unlinked: waiting.unlinked,
    relinked,
  };
  checkCountsAddUp(o.runId, counts, changes.loadedUnchanged, changes.markedDeletes);
  return {
    counts,
    async write() {
      if (changes.updated + changes.deleted > 0) {
        await c.run(`DELETE FROM source_record WHERE pipeline = ${ctx.P} AND source_key IN (${changes.rewrittenSql})`);
      }
      if (changes.created + changes.updated > 0) await c.run(`INSERT INTO source_record BY NAME (${changes.newRecordsSql})`);
      if (relinked > 0) await c.run(relinkWriteSql(ctx));
      if (newAliases > 0) await c.run(`INSERT INTO code_alias BY NAME (SELECT * FROM alias_new)`);
      for (const sql of golden.writes) await c.run(sql);
      if (eventCount > 0) await c.run(outboxInsertSql(ctx, events));
      await c.run(`INSERT INTO quarantined_row BY NAME (SELECT * FROM quarantine_new)`);
      await c.run(quarantineRetentionSql(ctx));
      await verifyWritten(ctx, counts, changes.existing, alreadyQuarantined);
    },
  };
}
