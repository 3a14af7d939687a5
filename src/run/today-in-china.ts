/**
 * The date runs check birth dates against by default: today in China. Its own file so that
 * `onecode validate` gets it without loading the runner (and DuckDB) that run-pipeline.ts brings.
 */

/** Today's date in China Standard Time (UTC+8, no daylight saving), YYYY-MM-DD. */
export function todayInChina(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * SQL (DuckDB) of today's date in China Standard Time, a DATE: the UTC wall clock plus 8 hours, as
 * {@link todayInChina} computes it, whatever the session's TimeZone (a DuckDB client other than
 * onecode may have another). For views that show a state on the day they are read (the
 * `licences` view, src/index/views.ts).
 */
export const TODAY_IN_CHINA_SQL = `CAST(timezone('UTC', now()) + INTERVAL 8 HOUR AS DATE)`;
