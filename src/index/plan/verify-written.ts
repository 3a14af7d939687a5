import { GuardError } from '../../errors.ts';
import { type PlanContext } from './plan-context.ts';
import type { RunCounts } from './run-counts.ts';

/**
 * Counts, inside the run's transaction and after its write, what the index now holds of the run,
 * independently of the planned counts: the pipeline's source records (`existing + created -
 * deleted`), the run's quarantined rows (`quarantined`, one per row) and its outbox events
 * (`events`). A write that lost or doubled a row fails here, before the commit.
 * @param existing the pipeline's records before the run (record-changes.ts).
 * @param alreadyQuarantined rows of a cursor read quarantined by an earlier run, not written again (quarantine.ts).
 * @throws GuardError `counts_mismatch` naming what differs; the caller rolls back.
 */
export async function verifyWritten(ctx: PlanContext, counts: RunCounts, existing: number, alreadyQuarantined = 0): Promise<void> {
  const [records, quarantined, events] = (await ctx.connection.runAndReadAll(`
    SELECT (SELECT count(*) FROM source_record WHERE pipeline = ${ctx.P}),
           (SELECT count(*) FROM quarantined_row WHERE run_id = ${ctx.R}),
           (SELECT count(*) FROM outbox WHERE run_id = ${ctx.R})`)).getRows()[0]!.map(Number) as [number, number, number];
  const expected = { records: existing + counts.created - counts.deleted, quarantined: counts.quarantined - alreadyQuarantined, events: counts.events };
  const found = { records, quarantined, events };
  const wrong = (Object.keys(expected) as (keyof typeof expected)[]).filter((k) => expected[k] !== found[k]);
  if (wrong.length > 0) {
    throw new GuardError(
      'counts_mismatch',
      `run ${ctx.runId}: the written index does not match the run's counts (${wrong.map((k) => `${k}: expected ${expected[k]}, found ${found[k]}`).join('; ')}); rolled back, nothing was applied`,
    );
  }
}
