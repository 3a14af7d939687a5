/**
 * The outbox table: change events written by the ETL in the same transaction as the data they
 * describe (event-format.ts), and pushed to Kafka by the relay (src/push/relay.ts). One row per
 * change event; the state of a row is one of those in outbox-states.ts.
 *
 * - `seq`: increasing (`nextval('outbox_seq')`), the publishing order and the `onecode-seq`
 *   header. An event that waited behind a parked one gets a new seq when it is released
 *   (parked-events.ts); `first_seq` then keeps the one it was written with.
 * - `event`: the full change-event envelope as JSON text (see docs/feed-contract.md); its `seq`
 *   is the row's.
 * - `published_at`: NULL until the broker acknowledged the event.
 * - `created_at`, `published_at` and the other times: instants (TIMESTAMPTZ), shown in the
 *   session's zone, Asia/Shanghai.
 * - `parked_reason`, `parked_at`: set when the event cannot be published (e.g. larger than the
 *   topic accepts). Later events of the same topic and message key then wait behind it:
 * - `held_by`: the seq of the parked event this one waits behind (NULL when it does not wait).
 * - `skipped_at`, `skipped_by`, `skip_reason`: an operator skipped this parked event
 *   (`onecode push --skip-parked`): it is never published, and what waited behind it goes on.
 * - `requeued_at`, `requeued_by`: the last time an operator put this parked event back in the
 *   queue (`onecode push --requeue-parked`).
 * - `resource_code`, `provider_code`: the catalogue entry's resource code and provider code
 *   (schemas/catalogue-entry.ts) of the pipeline whose run wrote the event, as they were when it
 *   was written; for a record of another pipeline that the run linked anew (relink), that
 *   pipeline's codes as its latest run recorded them in `event_classes`. NULL when the pipeline
 *   had no entry, or for events written before them (index version 10). Delivered beside the
 *   envelope, never in it (docs/feed-contract.md).
 *
 * `event_classes`, one row per pipeline: the protection classes of the values in the events that
 * pipeline writes (src/protect/field-classes.ts), as its latest run recorded them in the same
 * transaction as its events (event-classes.ts). The push applies a feed's policy by them, from
 * the index alone. With them, the pipeline's catalogue codes (`resource_code`, `provider_code`;
 * NULL without an entry, index version 13), which a later run of another pipeline gives the
 * events of this pipeline's records it links.
 *
 * `seq` and `event_id` are unique by construction (seq from the outbox_seq sequence, ids are
 * random UUIDs): no ART index, which made a 1M-event run three times slower.
 */
export const OUTBOX_DDL = `
CREATE SEQUENCE IF NOT EXISTS outbox_seq START 1;
CREATE TABLE IF NOT EXISTS outbox (
  seq BIGINT NOT NULL,
  event_id VARCHAR NOT NULL USING COMPRESSION uncompressed,
  entity VARCHAR NOT NULL,
  op VARCHAR NOT NULL,
  code VARCHAR NOT NULL USING COMPRESSION uncompressed,
  run_id VARCHAR NOT NULL,
  event VARCHAR NOT NULL USING COMPRESSION uncompressed,
  created_at TIMESTAMPTZ NOT NULL,
  published_at TIMESTAMPTZ,
  parked_reason VARCHAR,
  parked_at TIMESTAMPTZ,
  held_by BIGINT,
  skipped_at TIMESTAMPTZ,
  skipped_by VARCHAR,
  skip_reason VARCHAR,
  requeued_at TIMESTAMPTZ,
  requeued_by VARCHAR,
  first_seq BIGINT,
  resource_code VARCHAR,
  provider_code VARCHAR
);
CREATE TABLE IF NOT EXISTS event_classes (
  pipeline VARCHAR NOT NULL,
  entity VARCHAR NOT NULL,
  classes JSON NOT NULL,
  run_id VARCHAR NOT NULL,
  recorded_at TIMESTAMPTZ NOT NULL,
  resource_code VARCHAR,
  provider_code VARCHAR
);
`;

/**
 * Brings an outbox created before parked events held back their key (and could be re-queued or
 * skipped) up to {@link OUTBOX_DDL}: the columns from `parked_at` on. Idempotent. Events an older
 * version parked keep their reason; later events of their key that it published stay published.
 */
export const OUTBOX_MIGRATION_PARKING = `
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS parked_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS held_by BIGINT;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS skipped_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS skipped_by VARCHAR;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS skip_reason VARCHAR;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS requeued_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS requeued_by VARCHAR;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS first_seq BIGINT;
`;

/**
 * Brings an outbox created before the catalogue (index version 10) up to {@link OUTBOX_DDL}: the
 * `resource_code` and `provider_code` columns, NULL for the events already written (their
 * pipelines' entries did not exist, or may have changed since: nothing is guessed). Idempotent.
 */
export const OUTBOX_MIGRATION_CATALOGUE = `
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS resource_code VARCHAR;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS provider_code VARCHAR;
`;

/**
 * Brings `event_classes` written before it kept each pipeline's catalogue codes (index version 13)
 * up to {@link OUTBOX_DDL}: NULL until the pipeline's next run records them. Idempotent.
 */
export const OUTBOX_MIGRATION_PIPELINE_CODES = `
ALTER TABLE event_classes ADD COLUMN IF NOT EXISTS resource_code VARCHAR;
ALTER TABLE event_classes ADD COLUMN IF NOT EXISTS provider_code VARCHAR;
`;
