import { GuardError } from '../../errors.ts';

/**
 * What happened to every row a run read, and to the index. `rowsRead` always equals
 * `loaded + duplicates + quarantined` (checkCountsAddUp; a run whose counts do not add up fails).
 */
export interface RunCounts {
  /** Rows the connector delivered: staged rows plus unreadable rows (one per line). */
  rowsRead: number;
  loaded: number;
  duplicates: number;
  quarantined: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  events: number;
  /** Rows of this extract (counted in `loaded`) whose one code was found through a legacy code. */
  linked: number;
  /** Rows of this extract (counted in `loaded`) that wait, unlinked, for their legacy code to resolve. */
  unlinked: number;
  /**
   * Records of earlier runs, of any pipeline, whose linkage this run changed: linked (they were
   * waiting), moved to another code, or back to waiting (their code became ambiguous).
   */
  relinked: number;
}

/** Counts of a run that changed nothing (a failed run). */
export const NO_COUNTS: Readonly<RunCounts> = Object.freeze({
  rowsRead: 0, loaded: 0, duplicates: 0, quarantined: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, events: 0,
  linked: 0, unlinked: 0, relinked: 0,
});

/**
 * The promise "nothing is lost" as arithmetic (ARCHITECTURE.md): every row read is loaded, a
 * duplicate or quarantined, and every loaded row became exactly one created, updated or unchanged
 * record, or marked one deleted (each loaded row has a source key of its own).
 * @param markedDeletes loaded rows marking a delete (`deleted_when`), of a record held or not.
 * @param loadedUnchanged loaded rows whose record stays as it was (`unchanged` also counts, for an
 *   incremental pipeline, the records its extract did not hold).
 * @throws GuardError `counts_mismatch` naming the run and both sides, when either fails.
 */
export function checkCountsAddUp(runId: string, counts: RunCounts, loadedUnchanged: number, markedDeletes = 0): void {
  const placed = counts.loaded + counts.duplicates + counts.quarantined;
  if (placed !== counts.rowsRead) {
    throw new GuardError('counts_mismatch', `run ${runId}: counts do not add up: ${counts.rowsRead} rows read but ${placed} placed (loaded ${counts.loaded} + duplicates ${counts.duplicates} + quarantined ${counts.quarantined}); nothing was applied`);
  }
  const applied = counts.created + counts.updated + loadedUnchanged + markedDeletes;
  if (applied !== counts.loaded) {
    throw new GuardError('counts_mismatch', `run ${runId}: counts do not add up: ${counts.loaded} rows loaded but ${applied} records created, updated, unchanged or marked deleted; nothing was applied`);
  }
}
