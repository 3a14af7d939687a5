/**
 * Errors of a database read: each driver sorts its errors into these codes (connectors/postgres.ts,
 * connectors/mysql.ts), and the message names the pipeline and the source's label and says what
 * to do. A message carries only what cannot hold data or secrets: an SQLSTATE or error number and
 * its condition name, a network error code; a server's own text only where it names the
 * configured SQL and the catalogue (syntax errors, unknown tables and columns), never for data
 * errors, which quote values (`invalid input syntax for type integer: "…"`). Never the URL.
 */
import { ExtractError, OnecodeError } from '../../src/errors.ts';

/** Why a read failed. */
export type SourceFailureCode =
  | 'source_unreachable'
  | 'source_auth_failed'
  | 'source_database_missing'
  | 'source_table_missing'
  | 'source_query_invalid'
  | 'source_read_failed';

/** A driver's error, sorted: the code and what may be said of it (`SQLSTATE 28P01 invalid_password`, `ECONNREFUSED`). */
export interface SourceFailure {
  code: SourceFailureCode;
  detail: string;
}

/** Where a read failed, for messages. */
export interface FailureContext {
  pipeline: string;
  /** The source's label (`public.staff on host:5432/db`), never the URL. */
  label: string;
  /** The `url_env` variable, named where the fix is in the URL. */
  urlEnv: string;
}

const ADVICE: Record<SourceFailureCode, (c: FailureContext) => string> = {
  source_unreachable: (c) => `cannot reach the server; check that it runs and that the host and port in $${c.urlEnv} are right`,
  source_auth_failed: (c) => `the server refused the login; check the user and password in $${c.urlEnv} and that the user may connect from this host`,
  source_database_missing: (c) => `the database does not exist; check the database name in $${c.urlEnv}`,
  source_table_missing: () => 'the table does not exist or the user may not read it; check connector.table (names are exact: quoted, no case folding) and the grants',
  source_query_invalid: () => 'the query cannot run; check connector.query',
  source_read_failed: () => 'the server ended the read; nothing was applied, run again once the cause is fixed',
};

/** The ExtractError for a sorted failure: `pipeline staff, public.staff on host:5432/db: <advice> (<detail>)`. */
export function sourceError(failure: SourceFailure, context: FailureContext): ExtractError {
  return new ExtractError(failure.code, `pipeline ${context.pipeline}, ${context.label}: ${ADVICE[failure.code](context)} (${failure.detail})`);
}

/** onecode's own errors pass unchanged; any other is sorted by the driver and made an ExtractError. */
export function asSourceError(error: unknown, sort: (error: unknown) => SourceFailure, context: FailureContext): OnecodeError {
  if (error instanceof OnecodeError) return error;
  return sourceError(sort(error), context);
}
