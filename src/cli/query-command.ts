/**
 * `onecode query SQL [--role steward|analyst]`: one read-only statement on the index, printed as
 * a table, CSV or JSON on stdout, as the role may see it, the query recorded in access_log
 * (src/access/protected-query.ts). What is allowed and why: src/access/read-only-query.ts. The owner's
 * tool: it runs as `cli:<OS user>` with the role `steward` unless told otherwise.
 */
import { keyForPolicy } from '../access/policy-key.ts';
import { chunksOf, runQueryAs } from '../access/protected-query.ts';
import { requireRight } from '../access/require-right.ts';
import { personalPolicyOf, type Role } from '../access/roles.ts';
import { cliRequester } from './cli-requester.ts';
import { openIndexForRecording } from './open-index-for-cli.ts';
import { jsonRowReader, writeRows, type OutputFormat } from './output.ts';
import { lockDownConnection } from '../access/read-only-query.ts';

/** Options of {@link queryCommand}, from the command line. */
export interface QueryCommandOptions {
  sql: string;
  format: OutputFormat;
  dbPath: string;
  /** Default `steward`. */
  role?: Role;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the query and writes its rows to stdout chunk by chunk. DuckDB computes the whole result
 * first, in its own compact form (a streaming result would be lighter, but @duckdb/node-api ends
 * a stream that fails part-way like one that is done: the output would be cut with exit 0); the
 * access is recorded before anything is printed; the rows then become text one chunk at a time,
 * so JavaScript holds one chunk in `json` and `csv` (`table` needs every row to align the columns).
 *
 * The index is opened for writing (the access log), on an instance of its own whose
 * configuration is locked down first (read-only-query.ts lockDownConnection: no file, no
 * extension, no setting changed); every statement is checked against the allow-list before it
 * runs, so the query itself writes nothing.
 * @throws OnecodeError `forbidden` (exit 2, before the index is opened); ConfigError (exit 2)
 *   `query_invalid` when DuckDB rejects the query (its message, or only the error's kind when
 *   the message could quote a value), `query_refused` when it is not one allowed read-only
 *   statement; what openIndexForRecording throws.
 */
export async function queryCommand(options: QueryCommandOptions): Promise<void> {
  const env = options.env ?? process.env;
  const role = options.role ?? 'steward';
  requireRight(role, 'query');
  const key = await keyForPolicy(personalPolicyOf(role, env), env);
  const index = await openIndexForRecording(options.dbPath);
  try {
    await lockDownConnection(index.connection);
    const { result, rowCount } = await runQueryAs(index.connection, options.sql, cliRequester(role), { key, env });
    const names = result.deduplicatedColumnNames();
    const types = result.columnTypes();
    const shape = jsonRowReader(names, types);
    async function* batches(): AsyncGenerator<Record<string, unknown>[]> {
      for (const rows of chunksOf(result, rowCount)) yield shape(rows.map((row) => Object.fromEntries(names.map((name, c) => [name, row[c]]))));
    }
    await writeRows(process.stdout, names, batches(), options.format, types);
  } finally {
    index.close();
  }
}
