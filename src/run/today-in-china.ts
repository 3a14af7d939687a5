/**
 * The date runs check birth dates against by default: today in China. Its own file so that
 * `onecode validate` gets it without loading the runner (and DuckDB) that run-pipeline.ts brings.
 */

/** Today's date in China Standard Time (UTC+8, no daylight saving), YYYY-MM-DD. */
export function todayInChina(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
