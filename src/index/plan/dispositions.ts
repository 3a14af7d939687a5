import type { PlanContext } from './plan-context.ts';

/** How the rows of one extract are disposed of, as buildCandidates (candidates.ts) decided. */
export interface Dispositions {
  /** Rows staged (readable rows, each with a disposition). */
  staged: number;
  /** Rows loaded, and rows marking a delete (disposition `delete`). */
  loaded: number;
  duplicates: number;
  /** Staged rows quarantined: with reasons, or superseded by a later row of the same source key. */
  quarantinedRows: number;
  /** Unreadable rows: distinct lines of the reject table. */
  unreadable: number;
}

/** Counts the candidates by disposition, and the unreadable rows (one per line, whatever its reasons). */
export async function countDispositions(ctx: PlanContext): Promise<Dispositions> {
  const [loaded, duplicates, quarantinedRows, staged, unreadable] = (await ctx.connection.runAndReadAll(`
    SELECT count(*) FILTER (WHERE disposition IN ('loaded', 'delete')),
           count(*) FILTER (WHERE disposition = 'duplicate'),
           count(*) FILTER (WHERE disposition IN ('quarantined', 'superseded')),
           count(*),
           (SELECT count(DISTINCT line) FROM ${ctx.rejectTable})
    FROM ${ctx.candidates}`)).getRows()[0]!.map(Number) as [number, number, number, number, number];
  return { staged, loaded, duplicates, quarantinedRows, unreadable };
}
