/**
 * `onecode query SQL`: one read-only statement on the index (or serve's snapshot of it), printed as
 * a table, CSV or JSON on stdout. What is allowed and why: read-only-query.ts.
 */
import { ConfigError } from '../errors.ts';
import { jsonRowReader, writeRows, type OutputFormat } from './output.ts';
import { openIndexForReading } from './open-index-for-cli.ts';
import { errorTextWithoutValues } from '../error-text.ts';
import { checkReadOnlyQuery, lockDownConnection } from './read-only-query.ts';

/** Options of {@link queryCommand}, from the command line. */
export interface QueryCommandOptions {
  sql: string;
  format: OutputFormat;
  dbPath: string;
}

/**
 * Runs the query and writes its rows to stdout chunk by chunk. DuckDB computes the whole result
 * first, in its own compact form (a streaming result would be lighter, but @duckdb/node-api ends
 * a stream that fails part-way like one that is done: the output would be cut with exit 0); the
 * rows then become text one chunk at a time, so JavaScript holds one chunk in `json` and `csv`
 * (`table` needs every row to align the columns).
 * @throws ConfigError (exit 2) `query_invalid` when DuckDB rejects the query (its message, or only
 *   the error's kind when the message could quote a value), `query_refused` when it is not one
 *   allowed read-only statement; what openIndexForReading throws.
 */
export async function queryCommand(options: QueryCommandOptions): Promise<void> {
  const index = await openIndexForReading(options.dbPath);
  try {
    await lockDownConnection(index.connection);
    await checkReadOnlyQuery(index.connection, options.sql);
    const failed = (error: unknown) => new ConfigError('query_invalid', `query failed: ${errorTextWithoutValues(error)}`);
    let result;
    try {
      result = await index.connection.run(options.sql);
    } catch (error) {
      throw failed(error);
    }
    const names = result.columnNames();
    const types = result.columnTypes();
    const shape = jsonRowReader(names, types);
    async function* batches(): AsyncGenerator<Record<string, unknown>[]> {
      try {
        for await (const rows of result!.yieldRowObjectJson()) yield shape(rows as Record<string, unknown>[]);
      } catch (error) {
        throw failed(error);
      }
    }
    await writeRows(process.stdout, names, batches(), options.format, types);
  } finally {
    index.close();
  }
}
