/**
 * Which index file a command uses. Its own file so that the CLI can name it without loading
 * DuckDB (open-index.ts re-exports both).
 */

/** Default index file, relative to the working directory. */
export const DEFAULT_DB_PATH = 'data/onecode.duckdb';

/** The index file to use: `--db`, else ONECODE_DB, else data/onecode.duckdb. */
export function resolveDbPath(flag?: string): string {
  return flag ?? process.env.ONECODE_DB ?? DEFAULT_DB_PATH;
}
