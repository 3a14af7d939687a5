/**
 * The exchange tables on MySQL 5.7+ / MariaDB 10.5+ (InnoDB, utf8mb4), through `mysql2`. The
 * session is strict (STRICT_ALL_TABLES: a value that does not fit is an error, never cut), its zone
 * UTC+8, its lock wait LOCK_WAIT_SECONDS (`innodb_lock_wait_timeout`, 50 s by default). The
 * record is LONGTEXT, not JSON: MySQL's JSON type rewrites the text, and the row's SM3 digest is
 * over the text as written.
 */
import mysql from 'mysql2/promise';
import { LOCK_WAIT_SECONDS, type ExchangeDialect, type ExchangeSession, type ExchangeTables } from './exchange-table-sink.ts';
import type { SinkRow } from '../sink.ts';

const q = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/** The MySQL / MariaDB dialect of the exchange tables. */
export const mysqlExchange: ExchangeDialect = {
  kind: 'mysql',
  schemes: ['mysql', 'mariadb'],
  defaultPort: 3306,
  async connect(url: string, tables: ExchangeTables): Promise<ExchangeSession> {
    const c = await mysql.createConnection({
      uri: url.replace(/^mariadb:/, 'mysql:'),
      charset: 'UTF8MB4_BIN',
      connectTimeout: 15_000,
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    c.on('error', () => {});
    await c.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
    await c.query("SET time_zone = '+08:00'");
    await c.query(`SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_SECONDS}`);
    const t = (table: string): string => (tables.schema === undefined ? q(table) : `${q(tables.schema)}.${q(table)}`);
    const entityTable = (entity: string): string => t(tables.entity[entity]!);
    return {
      async prepare() {
        for (const table of Object.values(tables.entity)) {
          await c.query(`CREATE TABLE IF NOT EXISTS ${t(table)} (
            seq BIGINT NOT NULL PRIMARY KEY,
            event_id VARCHAR(64) NOT NULL,
            operation CHAR(1) NOT NULL,
            batch_id VARCHAR(64) NOT NULL,
            record_key TEXT NOT NULL,
            code TEXT NOT NULL,
            resource_code VARCHAR(100) NULL,
            provider_code VARCHAR(100) NULL,
            record LONGTEXT NOT NULL,
            digest CHAR(64) NOT NULL,
            delivered_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
            UNIQUE KEY uk_event_id (event_id)
          ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
        }
        await c.query(`CREATE TABLE IF NOT EXISTS ${t(tables.position)} (
          sink VARCHAR(64) NOT NULL PRIMARY KEY,
          last_seq BIGINT NOT NULL,
          batch_id VARCHAR(64) NULL,
          updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
      },
      begin: async () => void (await c.query('START TRANSACTION')),
      commit: async () => void (await c.query('COMMIT')),
      rollback: async () => void (await c.query('ROLLBACK')),
      async position(sink, lock) {
        const [rows] = await c.query(`SELECT CAST(last_seq AS CHAR) AS s FROM ${t(tables.position)} WHERE sink = ?${lock ? ' FOR UPDATE' : ''}`, [sink]);
        const list = rows as { s: string }[];
        return list.length === 0 ? undefined : BigInt(list[0]!.s);
      },
      async existing(entity, eventIds) {
        const [rows] = await c.query(`SELECT event_id FROM ${entityTable(entity)} WHERE event_id IN (?)`, [eventIds]);
        return new Set((rows as { event_id: string }[]).map((r) => r.event_id));
      },
      async insert(entity, batchId, rows: readonly SinkRow[]) {
        await c.query(
          `INSERT INTO ${entityTable(entity)} (seq, event_id, operation, batch_id, record_key, code, resource_code, provider_code, record, digest) VALUES ?`,
          [rows.map((r) => [r.seq.toString(), r.eventId, r.operation, batchId, r.recordKey, r.code, r.resourceCode, r.providerCode, r.record, r.digest])],
        );
      },
      async setPosition(sink, seq, batchId, existed) {
        await c.query(
          existed
            ? `UPDATE ${t(tables.position)} SET last_seq = ?, batch_id = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE sink = ?`
            : `INSERT INTO ${t(tables.position)} (last_seq, batch_id, sink) VALUES (?, ?, ?)`,
          [seq.toString(), batchId, sink],
        );
      },
      close: () => c.end(),
    };
  },
};
