import { OnecodeError } from '../errors.ts';

/** What a failed run records of its error: a stable code and a message fit for run rows and logs. */
export interface RecordedError {
  /** The error's stable code, or `internal_error`. */
  code: string;
  /** Names where and why; never a source value. */
  message: string;
}

/**
 * The error a failed run records (run_log.error, the summary, stderr). onecode's own errors
 * (OnecodeError) are written to name file, line, field and reason only, and are kept as they
 * are. Any other error (a DuckDB or Node error) may quote the data it failed on — DuckDB's
 * conversion errors print the offending input — so only its kind (e.g. `Conversion Error`) and
 * the run's phase are kept, and its stack frames (never its message) go to the debug log
 * (ARCHITECTURE.md: logs, errors and run rows never contain source values).
 * @param phase what the run was doing, e.g. `staging the extract`.
 */
export function recordedError(error: unknown, phase: string): RecordedError {
  if (error instanceof OnecodeError) return { code: error.code, message: error.message };
  return {
    code: 'internal_error',
    message: `internal error while ${phase} (${errorKind(error)}); nothing was applied. The error's text is withheld because it can quote source data: re-run with ONECODE_LOG_LEVEL=debug to see where it arose, and report it`,
  };
}

/** The kind of an error without its text: DuckDB's `<Kind> Error` prefix, or the error's class name. */
export function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const prefix = /^([A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)* Error):/.exec(error.message)?.[1];
  return prefix ?? error.name;
}

/** The stack frames of an error, without its message (which may quote source data). */
export function stackFrames(error: unknown): string[] {
  if (!(error instanceof Error) || !error.stack) return [];
  return error.stack.split('\n').filter((line) => /^\s+at /.test(line)).map((line) => line.trim());
}
