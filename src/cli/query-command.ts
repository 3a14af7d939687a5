/**
 * `onecode query SQL`: one read-only statement on the index (or serve's snapshot of it), printed as
 * a table, CSV or JSON on stdout. What is allowed and why: read-only-query.ts.
 */
import { ConfigError } from '../errors.ts';
import { formatRows, resultRows, type OutputFormat } from './output.ts';
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
 * Runs the query and writes its rows to stdout.
 * @throws ConfigError (exit 2) `query_invalid` when DuckDB rejects the query (its message, or only
 *   the error's kind when the message could quote a value), `query_refused` when it is not one
 *   allowed read-only statement; what openIndexForReading throws.
 */
export async function queryCommand(options: QueryCommandOptions): Promise<void> {
  const index = await openIndexForReading(options.dbPath);
  try {
    await lockDownConnection(index.connection);
    await checkReadOnlyQuery(index.connection, options.sql);
    let reader;
    try {
      reader = await index.connection.runAndReadAll(options.sql);
    } catch (error) {
      throw new ConfigError('query_invalid', `query failed: ${errorTextWithoutValues(error)}`);
    }
    process.stdout.write(formatRows(reader.columnNames(), resultRows(reader), options.format, reader.columnTypes()));
  } finally {
    index.close();
  }
}
