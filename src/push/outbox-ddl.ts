/**
 * The outbox: every change event, written in the same transaction as the index change that
 * caused it, and marked published only after the broker acknowledged it.
 */
export const OUTBOX_DDL = `
CREATE SEQUENCE IF NOT EXISTS outbox_seq START 1;
CREATE TABLE IF NOT EXISTS outbox (
  seq BIGINT PRIMARY KEY,
  event_id VARCHAR NOT NULL UNIQUE,
  entity VARCHAR NOT NULL,
  op VARCHAR NOT NULL,
  code VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL,
  event JSON NOT NULL,
  created_at TIMESTAMP NOT NULL,
  published_at TIMESTAMP,
  parked_reason VARCHAR
);
`;
