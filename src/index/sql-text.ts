/** Quotes an SQL identifier for DuckDB (double quotes, doubled inside). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an SQL string literal for DuckDB (single quotes, doubled inside). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * SQL of an instant as a TIMESTAMPTZ, from milliseconds since the Unix epoch (UTC): the form every
 * stored timestamp takes, so that analysts see it with its offset (shown in the session's zone,
 * Asia/Shanghai; open-index.ts).
 */
export function sqlInstant(epochMs: number): string {
  return `timezone('UTC', make_timestamp(${Math.trunc(epochMs)}::BIGINT * 1000))`;
}
