/**
 * The states of an outbox event, as SQL conditions over an outbox row (outbox-ddl.ts). Every
 * event is in exactly one:
 *
 * | state       | meaning                                                                      |
 * |-------------|------------------------------------------------------------------------------|
 * | `published` | the broker acknowledged it                                                   |
 * | `pending`   | waiting for the next push                                                    |
 * | `parked`    | not publishable as it is (e.g. larger than the topic accepts); waits for an operator to re-queue or skip it |
 * | `held`      | waits behind a parked event of the same topic and message key, so that a consumer never sees a key's events out of order |
 * | `skipped`   | a parked event an operator chose never to publish, with who, when and why     |
 *
 * The relay publishes pending events only; per key, nothing passes a parked event.
 */

/** Alias prefix for a column (`o.` or nothing). */
const col = (a: string) => (name: string) => (a === '' ? name : `${a}.${name}`);

/** The broker acknowledged it. */
export function publishedSql(a = ''): string {
  const c = col(a);
  return `(${c('published_at')} IS NOT NULL)`;
}

/** An operator skipped it (it was parked); it is never published. */
export function skippedSql(a = ''): string {
  const c = col(a);
  return `(${c('skipped_at')} IS NOT NULL AND ${c('published_at')} IS NULL)`;
}

/** Parked with a reason, neither published nor skipped. */
export function parkedSql(a = ''): string {
  const c = col(a);
  return `(${c('parked_reason')} IS NOT NULL AND ${c('published_at')} IS NULL AND ${c('skipped_at')} IS NULL)`;
}

/** Waiting behind the parked event `held_by`. */
export function heldSql(a = ''): string {
  const c = col(a);
  return `(${c('held_by')} IS NOT NULL AND ${c('parked_reason')} IS NULL AND ${c('published_at')} IS NULL AND ${c('skipped_at')} IS NULL)`;
}

/** Waiting for the next push. */
export function pendingSql(a = ''): string {
  const c = col(a);
  return `(${c('published_at')} IS NULL AND ${c('parked_reason')} IS NULL AND ${c('held_by')} IS NULL AND ${c('skipped_at')} IS NULL)`;
}

/** Not published and not skipped: pending, parked or held (the events a consumer has yet to get). */
export function unpublishedSql(a = ''): string {
  const c = col(a);
  return `(${c('published_at')} IS NULL AND ${c('skipped_at')} IS NULL)`;
}

/** The state of the row as text (`published`, `skipped`, `parked`, `held`, `pending`). */
export function stateSql(a = ''): string {
  return `(CASE WHEN ${publishedSql(a)} THEN 'published' WHEN ${skippedSql(a)} THEN 'skipped' WHEN ${parkedSql(a)} THEN 'parked' WHEN ${heldSql(a)} THEN 'held' ELSE 'pending' END)`;
}
