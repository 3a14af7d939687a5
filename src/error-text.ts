/**
 * Error texts the CLI may print without carrying a value of the index or of a source file.
 *
 * DuckDB prefixes its messages with their kind. Parser, binder and catalogue errors describe the
 * statement (names, types, the query's own text); every other kind (conversion, invalid input, out
 * of range, constraint, …) can quote a value it met: `Conversion Error: Could not convert string
 * '<a name>' to INT32`. Of those, only the kind is shown.
 */

const DESCRIBES_STATEMENT_ONLY = /^(Parser|Binder|Catalog|Permission|Not implemented|Syntax) Error\b/;
const DUCKDB_KIND = /^([A-Z][A-Za-z ]*? Error):/;

/** The kind of an error without its text: DuckDB's `<Kind> Error` prefix, or the error's class name. */
export function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  return DUCKDB_KIND.exec(error.message)?.[1] ?? error.name;
}

/** The stack frames of an error, without its message (which may quote source data). */
export function stackFrames(error: unknown): string[] {
  if (!(error instanceof Error) || !error.stack) return [];
  return error.stack.split('\n').filter((line) => /^\s+at /.test(line)).map((line) => line.trim());
}

/**
 * One line for `error`: its first line when it cannot hold a value, else DuckDB's kind of error
 * followed by "(message withheld: it can quote values of the index)".
 */
export function errorTextWithoutValues(error: unknown): string {
  const message = firstLine(error instanceof Error ? error.message : String(error));
  const kind = DUCKDB_KIND.exec(message)?.[1];
  if (kind === undefined || DESCRIBES_STATEMENT_ONLY.test(message)) return message;
  return `${kind}: (message withheld: it can quote values of the index)`;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}
