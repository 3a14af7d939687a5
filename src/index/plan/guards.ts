import { GuardError } from '../../errors.ts';
import type { Dispositions } from './dispositions.ts';

/**
 * A fault upstream never deletes downstream (ARCHITECTURE.md): an extract with no loadable row
 * is an upstream fault, not an empty registry.
 * @throws GuardError `extract_empty` naming the source and how many rows were read and quarantined.
 */
export function assertExtractLoadable(source: string, d: Dispositions): void {
  if (d.loaded > 0) return;
  throw new GuardError(
    'extract_empty',
    `${source}: the extract holds no loadable rows (${d.staged + d.unreadable} read, ${d.quarantinedRows + d.unreadable} quarantined): an empty export is treated as an upstream fault, nothing was changed or deleted`,
  );
}

/**
 * The delete guard of snapshot pipelines: a run may delete at most `maxDeleteShare` of the
 * records the pipeline held before it (exactly that share is allowed), unless `allowDeletes`.
 * @param deleted records the snapshot would delete.
 * @param existing records of the pipeline before the run.
 * @throws GuardError `delete_guard` with the figures and the way out (`--allow-deletes`).
 */
export function assertDeletesWithinShare(o: {
  source: string;
  pipeline: string;
  deleted: number;
  existing: number;
  maxDeleteShare: number;
  allowDeletes: boolean;
}): void {
  // (the tolerance keeps a share such as 0.57 of 100 at 57, not 56.99999999999999)
  if (o.deleted === 0 || o.allowDeletes || o.deleted <= o.maxDeleteShare * o.existing + 1e-9) return;
  throw new GuardError(
    'delete_guard',
    `${o.source}: this snapshot would delete ${o.deleted} of ${o.existing} records of pipeline '${o.pipeline}' (${((100 * o.deleted) / o.existing).toFixed(1)}% > max_delete_share ${Number((o.maxDeleteShare * 100).toFixed(6))}%): refusing; if the deletions are real, re-run with --allow-deletes`,
  );
}
