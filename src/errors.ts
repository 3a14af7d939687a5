/**
 * Errors that stop a run or a command. A bad record is never one of these: it is data that goes
 * to quarantine. Each error has a stable `code`, says what to do in its message, and maps to a
 * process exit code (1 the run failed, 2 bad usage or configuration).
 */
export class OnecodeError extends Error {
  /** Stable machine-readable code, e.g. `config_invalid`. */
  readonly code: string;
  /** Process exit code the CLI uses for this error: 1 run failed, 2 usage or configuration. */
  readonly exitCode: 1 | 2;

  constructor(code: string, message: string, options: { exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OnecodeError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A pipeline file or a command line is wrong: exit code 2. */
export class ConfigError extends OnecodeError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, exitCode: 2 });
    this.name = 'ConfigError';
  }
}

/** The source could not be extracted (missing file, unreadable header, empty export): exit code 1. */
export class ExtractError extends OnecodeError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, exitCode: 1 });
    this.name = 'ExtractError';
  }
}

/** A guard refused to apply a run (for example a snapshot that would delete too much): exit code 1. */
export class GuardError extends OnecodeError {
  constructor(code: string, message: string) {
    super(code, message, { exitCode: 1 });
    this.name = 'GuardError';
  }
}
