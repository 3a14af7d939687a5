import { errorKind } from '../error-text.ts';
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
