/**
 * What every database connector does the same way, whatever its driver: read the URL from the
 * environment, open one read-only consistent snapshot, describe the columns before any row, read
 * the rows through a server-side cursor (or stream) in bounded memory, number them (`ordinal`),
 * and keep the cursor's watermark. A driver (connectors/postgres.ts, connectors/mysql.ts; Oracle
 * and DM would be the same: docs/connectors.md) supplies the session, the dialect and the sorting
 * of its errors, and turns every value into the exact text the connector contract asks for.
 */
import type { ZodType } from 'zod';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { ConfigError } from '../../src/errors.ts';
import type { Logger } from '../../src/logger.ts';
import type { Connector, CursorRead, Extracted, OpenContext, SourceDescription, SourceRead, SourceState } from '../types.ts';
import { describeSqlSource, readDatabaseUrl, type UrlSpec } from './connection-url.ts';
import { sqlCursorKind } from './cursor-types.ts';
import { sqlSource, type SqlOptions } from './options.ts';
import { describeSql, readSql, type CursorRange, type SqlDialect } from './read-sql.ts';
import { asSourceError, type FailureContext, type SourceFailure } from './source-errors.ts';
import { cursorState, watermarkFrom } from './watermark.ts';

/** A column as a driver describes it. */
export interface SqlColumn {
  name: string;
  /** The database's type name (`character varying(18)`, `numeric(20,2)`, `DATETIME(6)`): schema drift compares it. */
  type: string;
  /** Its values are structured (JSON, arrays) and arrive as JSON text: listed in a row's `nonScalar`. */
  structured: boolean;
}

/** One connection inside one read-only consistent snapshot. */
export interface SqlSession {
  /** The columns of a statement that returns no row ({@link describeSql}); `rows` then reads with them. */
  describe(sql: string): Promise<SqlColumn[]>;
  /**
   * The rows of `sql` in batches of at most `fetchSize`, each row as its values in column order:
   * exact text or null, never a JS number or Date. The next batch is fetched (or the paused stream
   * resumed) only when the last one has been taken, so memory stays bounded whatever the table's size.
   */
  rows(sql: string, params: string[], fetchSize: number): AsyncIterable<(string | null)[][]>;
  /** Ends the snapshot and the connection; safe to call at any point, also after a failure. */
  close(): Promise<void>;
}

/** What a database connector supplies. */
export interface SqlDriver extends UrlSpec {
  dialect: SqlDialect;
  /**
   * Connects with the URL, fixes the session (time zone UTC+8, text formats) and begins one
   * read-only transaction on one consistent snapshot.
   */
  connect(url: string, logger: Logger): Promise<SqlSession>;
  /** Sorts a driver error (module doc of source-errors.ts). */
  sortError(error: unknown): SourceFailure;
}

/**
 * A database connector: snapshot and cursor reads of a `table` or a `query` (schemas/pipeline.ts).
 * @param options the zod schema of its options.
 */
export function sqlConnector<O extends SqlOptions>(driver: SqlDriver, options: ZodType<O>): Connector<O> {
  return {
    kind: driver.kind,
    options,
    capabilities: () => ({ snapshot: true, cursor: true, newOnly: false, cursorColumnType: (type) => type !== undefined && sqlCursorKind(type) !== undefined }),
    describe: (_pipeline, o) => describeSqlSource(driver.kind, o),
    open: (ctx, o) => openRead(driver, ctx, o),
  };
}

async function openRead(driver: SqlDriver, ctx: OpenContext, options: SqlOptions): Promise<SourceRead> {
  const url = readDatabaseUrl(ctx.pipeline, options, ctx.env, driver);
  const source = describeSqlSource(driver.kind, options, url);
  const context: FailureContext = { pipeline: ctx.pipeline.name, label: source.label, urlEnv: options.url_env };
  const fail = (error: unknown) => asSourceError(error, driver.sortError, context);
  let session: SqlSession;
  try {
    session = await driver.connect(url.secret, ctx.logger);
  } catch (error) {
    throw fail(error);
  }
  try {
    const what = sqlSource(options);
    const columns = await session.describe(describeSql(driver.dialect, what));
    refuseDuplicateNames(columns, context);
    const range = ctx.cursor ? cursorRange(ctx.pipeline, ctx.cursor, columns, source, ctx.state) : undefined;
    if (range) ctx.logger.info({ cursorColumn: range.column, fromWatermark: range.watermark !== undefined, lagSeconds: range.lagSeconds }, 'cursor read');
    const { sql, params } = readSql(driver.dialect, what, range);
    const reader = rowReader(columns, range);
    return {
      source,
      columns: columns.map(({ name, type }) => ({ name, type })),
      async *extract() {
        try {
          yield* reader.read(session.rows(sql, params, options.fetch_size));
        } catch (error) {
          throw fail(error);
        }
      },
      end: async () => ({ state: range ? cursorState(range.column, reader.watermark()) : null }),
      close: () => session.close(),
    };
  } catch (error) {
    await session.close().catch(() => undefined);
    throw fail(error);
  }
}

const NONE: string[] = [];

/** Rows of values → extracted rows: ordinals from 1, fields by column name, structured columns listed, the watermark tracked. */
function rowReader(columns: readonly SqlColumn[], range: CursorRange | undefined) {
  const names = columns.map((c) => c.name);
  const structured = columns.flatMap((c, i) => (c.structured ? [i] : []));
  const cursorAt = range ? names.indexOf(range.column) : -1;
  // A column named __proto__ would set the prototype by assignment: define it as an own property then.
  const assign = names.includes('__proto__')
    ? (o: Record<string, string | null>, k: string, v: string | null) => void Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
    : (o: Record<string, string | null>, k: string, v: string | null) => void (o[k] = v);
  let watermark = range?.watermark;
  return {
    watermark: () => watermark,
    async *read(batches: AsyncIterable<(string | null)[][]>): AsyncGenerator<Extracted> {
      let ordinal = 0;
      for await (const batch of batches) for (const values of batch) {
        ordinal++;
        const fields: Record<string, string | null> = {};
        for (let i = 0; i < names.length; i++) assign(fields, names[i]!, values[i] ?? null);
        // Rows come ordered by the cursor column: the last value seen is the greatest.
        if (cursorAt >= 0 && values[cursorAt] !== null) watermark = values[cursorAt]!;
        const nonScalar = structured.length === 0 ? NONE : structured.filter((i) => values[i] !== null).map((i) => names[i]!);
        yield nonScalar.length > 0 ? { kind: 'row', line: ordinal, fields, nonScalar } : { kind: 'row', line: ordinal, fields };
      }
    },
  };
}

/**
 * The range of a cursor read: the column must be one the source has, of a type that orders
 * changes (date, timestamp, integer, decimal: cursor-types.ts).
 * @throws ConfigError `cursor_column_missing`, `cursor_type_unsupported`, naming the pipeline file and line.
 */
function cursorRange(pipeline: Pipeline, cursor: CursorRead, columns: readonly SqlColumn[], source: SourceDescription, state: SourceState | null): CursorRange {
  const where = `${pipeline.file}:${pipeline.fieldLines?.['cursor.column'] ?? 1}: cursor.column`;
  const column = columns.find((c) => c.name === cursor.column);
  if (column === undefined) {
    throw new ConfigError('cursor_column_missing', `${where}: '${cursor.column}' is not a column of ${source.label} (it has ${columns.length}); name one of its columns, exactly as the database spells it`);
  }
  const kind = sqlCursorKind(column.type);
  if (kind === undefined) {
    throw new ConfigError('cursor_type_unsupported', `${where}: '${cursor.column}' is ${column.type}, which cannot order changes; use a date, timestamp, integer or decimal column (a time kept as text can be cast in connector.query: CAST(col AS timestamp) AS col_ts)`);
  }
  return { column: column.name, type: column.type, kind, lagSeconds: cursor.lagSeconds, watermark: watermarkFrom(state, column.name) };
}

/** @throws ConfigError `source_columns_duplicate` when two columns share a name (a query's join without aliases). */
function refuseDuplicateNames(columns: readonly SqlColumn[], context: FailureContext): void {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const c of columns) (seen.has(c.name) ? twice : seen).add(c.name);
  if (twice.size > 0) {
    throw new ConfigError('source_columns_duplicate', `pipeline ${context.pipeline}, ${context.label}: more than one column is named ${[...twice].map((n) => `'${n}'`).join(', ')}; give each column of connector.query its own name (AS …)`);
  }
}
