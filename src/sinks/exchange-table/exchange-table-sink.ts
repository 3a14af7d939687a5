/**
 * The exchange-table sink (前置机交换表): changes written into tables on the front-end database
 * that the provincial platform collects from (docs/sinks.md, "Exchange tables"). One table per
 * entity, `<prefix>person`, `<prefix>legal_person`, `<prefix>record`, one row per change: seq,
 * event id, operation (I/U/D), batch id, record key, code, resource code, provider code, the record
 * (JSON text) and its SM3 digest; and `<prefix>position`, the sink's position, one row per sink.
 *
 * Exactly once, at any crash: each batch is one target transaction that locks the sink's position
 * row, checks that it holds the position the batch starts from (else another writer was there:
 * `TARGET_POSITION_CONFLICT`), inserts the rows and moves the position. The index records the
 * batch afterwards, and takes the target's position as the truth when they differ (deliver.ts).
 * A row whose event id is already in its table (an event Kafka's parking gave a new seq,
 * src/outbox/resequence.ts) is not inserted again.
 *
 * The dialects (postgres.ts, mysql.ts) give the statements; this file owns the transaction.
 */
import { ConfigError } from '../../errors.ts';
import { EVENT_ENTITIES } from '../../outbox/event-format.ts';
import type { Sink, SinkBatch, SinkRow } from '../sink.ts';
import { SinkError } from '../sink.ts';

/** One connection of a dialect. Statements run one at a time. */
export interface ExchangeSession {
  /** Creates what is missing: the entity tables and the position table. */
  prepare(): Promise<void>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** The sink's position row, locked for the transaction when `lock`; undefined when there is none. */
  position(sink: string, lock: boolean): Promise<bigint | undefined>;
  /** Which of `eventIds` the entity's table holds already. */
  existing(entity: string, eventIds: readonly string[]): Promise<Set<string>>;
  insert(entity: string, batchId: string, rows: readonly SinkRow[]): Promise<void>;
  setPosition(sink: string, seq: bigint, batchId: string, existed: boolean): Promise<void>;
  close(): Promise<void>;
}

/** A dialect: how to connect, given the URL and the sink's tables. */
export interface ExchangeDialect {
  kind: 'postgres' | 'mysql';
  schemes: readonly string[];
  defaultPort: number;
  connect(url: string, tables: ExchangeTables): Promise<ExchangeSession>;
}

/** The sink's table names, unquoted: schema (or MySQL database) when given, and each table. */
export interface ExchangeTables {
  schema: string | undefined;
  entity: Readonly<Record<string, string>>;
  position: string;
}

/** The table names for `prefix`. */
export function exchangeTables(prefix: string, schema: string | undefined): ExchangeTables {
  return { schema, entity: Object.fromEntries(EVENT_ENTITIES.map((e) => [e, `${prefix}${e}`])), position: `${prefix}position` };
}

/**
 * Reads the connection URL from the variable `urlEnv` names.
 * @throws ConfigError `url_env_missing` / `url_env_invalid`, naming the sink file and the variable, never its value.
 */
export function readTargetUrl(where: string, urlEnv: string, dialect: Pick<ExchangeDialect, 'schemes' | 'defaultPort'>, env: NodeJS.ProcessEnv): string {
  const value = Object.hasOwn(env, urlEnv) ? env[urlEnv]?.trim() : undefined;
  const example = `${dialect.schemes[0]}://user:password@host:${dialect.defaultPort}/database`;
  if (value === undefined || value === '') throw new ConfigError('url_env_missing', `${where}: environment variable ${urlEnv} is not set (or empty); export the front-end database's URL (${example}) in it`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('url_env_invalid', `${where}: environment variable ${urlEnv} holds no URL; expected ${example}`);
  }
  if (!dialect.schemes.includes(url.protocol.replace(/:$/, '')) || url.hostname === '') {
    throw new ConfigError('url_env_invalid', `${where}: environment variable ${urlEnv} holds no ${dialect.schemes.map((s) => `${s}://`).join(' or ')} URL with a host; expected ${example}`);
  }
  return value;
}

/**
 * How long a statement waits for a lock on the front-end database (the position row another
 * writer holds, a table a recipient locked) before it fails, in seconds: a target that hangs
 * must not hold serve's index, runs and the other sinks (they wait their turn behind it).
 */
export const LOCK_WAIT_SECONDS = 10;

/**
 * A driver's error without values: the database's messages quote what they met (MySQL:
 * `Duplicate entry '<the record key>' for key …`, `Incorrect string value: '\xF0…'`; PostgreSQL:
 * `invalid input syntax for type bigint: "<value>"`), so every quoted part is withheld. What says
 * where and why stays: the error's code (PostgreSQL SQLSTATE, MySQL's error name) and the names
 * PostgreSQL gives apart from the message (table, column, constraint). A connection error (Node's
 * `connect ECONNREFUSED host:port`) quotes nothing and is kept whole.
 */
export function driverErrorText(error: unknown): string {
  const e = (error ?? {}) as { code?: unknown; table?: unknown; column?: unknown; constraint?: unknown };
  const message = ((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '').trim()
    .replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"/g, '(withheld)');
  const names = (['table', 'column', 'constraint'] as const).filter((k) => typeof e[k] === 'string' && e[k] !== '').map((k) => `${k} ${String(e[k])}`);
  return `${typeof e.code === 'string' ? `${e.code}: ` : ''}${message}${names.length > 0 ? ` (${names.join(', ')})` : ''}`;
}

/** Options of {@link createExchangeTableSink}. */
export interface ExchangeTableSinkOptions {
  name: string;
  dialect: ExchangeDialect;
  /** The connection URL, password included: for the driver only. */
  url: string;
  tables: ExchangeTables;
}

/** An exchange-table {@link Sink}; connects on first use, and again after a failure. */
export function createExchangeTableSink(options: ExchangeTableSinkOptions): Sink {
  const { name, dialect, tables } = options;
  let session: ExchangeSession | undefined;

  const failed = (code: string, doing: string, error: unknown, retriable = true): SinkError =>
    error instanceof SinkError ? error : new SinkError(code, `exchange-table sink ${name}: ${doing} failed on the ${dialect.kind} front-end database: ${driverErrorText(error)}`, { retriable, cause: error });

  const open = async (): Promise<ExchangeSession> => {
    if (session !== undefined) return session;
    let s: ExchangeSession;
    try {
      s = await dialect.connect(options.url, tables);
    } catch (error) {
      throw failed('TARGET_UNAVAILABLE', 'connecting', error);
    }
    try {
      await s.prepare();
    } catch (error) {
      await s.close().catch(() => {});
      throw failed('TARGET_PREPARE_FAILED', 'creating the exchange tables', error, false);
    }
    session = s;
    return s;
  };
  const drop = async (): Promise<void> => {
    const s = session;
    session = undefined;
    await s?.close().catch(() => {});
  };

  return {
    name,
    kind: 'exchange-table',
    takesEventIdOnce: true,
    async confirmedSeq() {
      const s = await open();
      try {
        return (await s.position(name, false)) ?? 0n;
      } catch (error) {
        await drop();
        throw failed('TARGET_UNAVAILABLE', 'reading the position', error);
      }
    },
    async write(batch: SinkBatch) {
      const s = await open();
      try {
        await s.begin();
        const held = await s.position(name, true);
        if ((held ?? 0n) !== batch.afterSeq) {
          throw new SinkError('TARGET_POSITION_CONFLICT', `exchange-table sink ${name}: the front-end database holds position ${held ?? 0n}, not ${batch.afterSeq} where this batch starts: another onecode delivers to these tables (one index per sink), or they were changed by hand; nothing was written`, { retriable: false });
        }
        let written = 0;
        for (const entity of Object.keys(tables.entity)) {
          const rows = batch.rows.filter((r) => r.entity === entity);
          if (rows.length === 0) continue;
          const there = await s.existing(entity, rows.map((r) => r.eventId));
          const fresh = there.size === 0 ? rows : rows.filter((r) => !there.has(r.eventId));
          if (fresh.length > 0) await s.insert(entity, batch.batchId, fresh);
          written += fresh.length;
        }
        if (batch.rows.some((r) => tables.entity[r.entity] === undefined)) {
          throw new SinkError('TARGET_WRITE_FAILED', `exchange-table sink ${name}: an event of an entity without a table`, { retriable: false });
        }
        await s.setPosition(name, batch.toSeq, batch.batchId, held !== undefined);
        await s.commit();
        return { written };
      } catch (error) {
        await s.rollback().catch(() => {});
        if (!(error instanceof SinkError)) await drop();
        throw failed('TARGET_WRITE_FAILED', `writing batch ${batch.batchId}`, error);
      }
    },
    close: drop,
  };
}
