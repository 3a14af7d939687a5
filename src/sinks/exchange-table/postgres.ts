/**
 * The exchange tables on PostgreSQL (10 or later; KingbaseES in PostgreSQL mode), through `pg`.
 * The record is `text`, not `jsonb`: jsonb reorders keys and rewrites numbers, and the row's SM3
 * digest is over the text as written. Rows of a batch go in as one INSERT over unnest() of arrays.
 * A lock held elsewhere is waited for LOCK_WAIT_SECONDS at most (`lock_timeout`).
 */
import pg from 'pg';
import { LOCK_WAIT_SECONDS, type ExchangeDialect, type ExchangeSession, type ExchangeTables } from './exchange-table-sink.ts';
import type { SinkRow } from '../sink.ts';

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The PostgreSQL dialect of the exchange tables. */
export const postgresExchange: ExchangeDialect = {
  kind: 'postgres',
  schemes: ['postgres', 'postgresql'],
  defaultPort: 5432,
  async connect(url: string, tables: ExchangeTables): Promise<ExchangeSession> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
    // An idle connection dropped by the server must not crash the process: the next statement fails instead.
    client.on('error', () => {});
    await client.connect();
    await client.query(`SET client_encoding = 'UTF8'; SET TIME ZONE INTERVAL '+08:00' HOUR TO MINUTE; SET lock_timeout = '${LOCK_WAIT_SECONDS}s'`);
    const t = (table: string): string => (tables.schema === undefined ? q(table) : `${q(tables.schema)}.${q(table)}`);
    const entityTable = (entity: string): string => t(tables.entity[entity]!);
    return {
      async prepare() {
        for (const table of Object.values(tables.entity)) {
          await client.query(`CREATE TABLE IF NOT EXISTS ${t(table)} (
            seq bigint PRIMARY KEY,
            event_id varchar(64) NOT NULL UNIQUE,
            operation char(1) NOT NULL CHECK (operation IN ('I', 'U', 'D')),
            batch_id varchar(64) NOT NULL,
            record_key text NOT NULL,
            code text NOT NULL,
            resource_code varchar(100),
            provider_code varchar(100),
            record text NOT NULL,
            digest char(64) NOT NULL,
            delivered_at timestamptz NOT NULL DEFAULT now()
          )`);
        }
        await client.query(`CREATE TABLE IF NOT EXISTS ${t(tables.position)} (
          sink varchar(64) PRIMARY KEY,
          last_seq bigint NOT NULL,
          batch_id varchar(64),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      },
      begin: async () => void (await client.query('BEGIN ISOLATION LEVEL READ COMMITTED')),
      commit: async () => void (await client.query('COMMIT')),
      rollback: async () => void (await client.query('ROLLBACK')),
      async position(sink, lock) {
        const r = await client.query({ text: `SELECT last_seq::text AS s FROM ${t(tables.position)} WHERE sink = $1${lock ? ' FOR UPDATE' : ''}`, values: [sink] });
        return r.rows.length === 0 ? undefined : BigInt((r.rows[0] as { s: string }).s);
      },
      async existing(entity, eventIds) {
        const r = await client.query({ text: `SELECT event_id FROM ${entityTable(entity)} WHERE event_id = ANY($1::varchar[])`, values: [eventIds] });
        return new Set(r.rows.map((row: { event_id: string }) => row.event_id));
      },
      async insert(entity, batchId, rows: readonly SinkRow[]) {
        await client.query({
          text: `INSERT INTO ${entityTable(entity)} (seq, event_id, operation, batch_id, record_key, code, resource_code, provider_code, record, digest)
                 SELECT s::bigint, e, o, $4, k, c, rc, pc, r, d
                   FROM unnest($1::text[], $2::text[], $3::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
                     AS u(s, e, o, k, c, rc, pc, r, d)`,
          values: [
            rows.map((r) => r.seq.toString()), rows.map((r) => r.eventId), rows.map((r) => r.operation), batchId,
            rows.map((r) => r.recordKey), rows.map((r) => r.code), rows.map((r) => r.resourceCode), rows.map((r) => r.providerCode),
            rows.map((r) => r.record), rows.map((r) => r.digest),
          ],
        });
      },
      async setPosition(sink, seq, batchId, existed) {
        await client.query({
          text: existed
            ? `UPDATE ${t(tables.position)} SET last_seq = $2::bigint, batch_id = $3, updated_at = now() WHERE sink = $1`
            : `INSERT INTO ${t(tables.position)} (sink, last_seq, batch_id) VALUES ($1, $2::bigint, $3)`,
          values: [sink, seq.toString(), batchId],
        });
      },
      close: () => client.end(),
    };
  },
};
