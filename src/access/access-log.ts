/**
 * `access_log`: every lookup, query, export and correction report of the index, through the API, the web console or
 * the CLI, recorded append-only as a record of processing (GB/T 35273-2020 §11.3): who (a token's
 * name, or the OS user at the CLI), with which role, through which channel, what (the code looked
 * up, or the SQL text), how many rows, under which policy for personal values, and when.
 *
 * Append-only: onecode writes rows with {@link recordAccess} and nothing else; no command updates
 * or deletes them, and the read-only SQL of analysts cannot reach the table (a steward's can read
 * it). The table lives in the index, so it is encrypted with it (ONECODE_INDEX_KEY_FILE).
 *
 * `codes` holds the one codes the response showed in clear (a lookup's code, its aliases and
 * related parties; the codes in a steward's query result), so that `onecode audit --code` finds
 * every access that showed a person or legal person, not only lookups of it. At most
 * {@link MAX_CODES_PER_ACCESS} are kept per access, `codes_total` counts all.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { resultRows } from '../index/result-rows.ts';
import type { ExitPolicy } from '../protect/policy.ts';
import type { Role } from './roles.ts';

/** DDL of the access log (part of INDEX_DDL). */
export const ACCESS_LOG_DDL = `
CREATE SEQUENCE IF NOT EXISTS access_seq START 1;
CREATE TABLE IF NOT EXISTS access_log (
  access_no BIGINT PRIMARY KEY DEFAULT nextval('access_seq'),
  accessed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  who VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  channel VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  code VARCHAR,
  query VARCHAR,
  row_count BIGINT NOT NULL,
  policy VARCHAR NOT NULL,
  codes VARCHAR[] NOT NULL,
  codes_total BIGINT NOT NULL,
  outcome VARCHAR NOT NULL
);`;

/** Most codes one access keeps in `codes`. */
export const MAX_CODES_PER_ACCESS = 1000;

/** Through what an access came. */
export type AccessChannel = 'api' | 'console' | 'cli';
/** What it did. */
export type AccessAction = 'lookup' | 'query' | 'export' | 'audit' | 'report' | 'materials';

/** One access, as {@link recordAccess} takes it. */
export interface AccessEntry {
  /** A token's name, or `cli:<OS user>`. */
  who: string;
  role: Role;
  channel: AccessChannel;
  action: AccessAction;
  /** The one code (normalised) looked up, audited or checked for materials; omitted for queries and exports. */
  code?: string;
  /** The SQL text of a query, or what was exported. */
  query?: string;
  /** Rows returned (a lookup: the records of the document). */
  rowCount: number;
  /** The policy applied to personal values in the response. */
  policy: ExitPolicy;
  /** One codes the response showed in clear; deduplicated, the first {@link MAX_CODES_PER_ACCESS} kept. */
  codes?: Iterable<string>;
  /** How many codes the response showed, when `codes` holds only some of them (an export); default: their number. */
  codesTotal?: number;
  /** `ok`, or why nothing was returned (`refused`, `failed`, `not_found`). */
  outcome?: 'ok' | 'refused' | 'failed' | 'not_found';
}

/**
 * Appends one access to `access_log`, in its own statement (autocommit), on a connection not
 * inside another transaction.
 * @returns the access number.
 */
export async function recordAccess(connection: DuckDBConnection, entry: AccessEntry): Promise<number> {
  const codes = [...new Set(entry.codes ?? [])];
  const kept = codes.slice(0, MAX_CODES_PER_ACCESS);
  const statement = await connection.prepare(`
    INSERT INTO access_log (who, role, channel, action, code, query, row_count, policy, codes, codes_total, outcome)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS VARCHAR[]), $10, $11) RETURNING access_no`);
  statement.bindVarchar(1, entry.who);
  statement.bindVarchar(2, entry.role);
  statement.bindVarchar(3, entry.channel);
  statement.bindVarchar(4, entry.action);
  if (entry.code === undefined) statement.bindNull(5);
  else statement.bindVarchar(5, entry.code);
  if (entry.query === undefined) statement.bindNull(6);
  else statement.bindVarchar(6, entry.query);
  statement.bindBigInt(7, BigInt(entry.rowCount));
  statement.bindVarchar(8, entry.policy);
  statement.bindVarchar(9, JSON.stringify(kept));
  statement.bindBigInt(10, BigInt(Math.max(codes.length, entry.codesTotal ?? 0)));
  statement.bindVarchar(11, entry.outcome ?? 'ok');
  const reader = await statement.runAndReadAll();
  return Number(reader.getRows()[0]![0]);
}

/** One row of {@link accessesOf}. */
export interface AccessRow {
  access_no: number;
  accessed_at: string;
  who: string;
  role: Role;
  channel: AccessChannel;
  action: AccessAction;
  code: string | null;
  query: string | null;
  row_count: number;
  policy: ExitPolicy;
  outcome: string;
  /**
   * Whether the code was what was looked up (`code`), or shown in the response (one of the kept
   * `codes`), or maybe shown: the access kept only part of its codes (`codes_capped` > 0) and none
   * of those kept matched, so the code may be among those not kept.
   */
  matched: 'looked_up' | 'shown' | 'maybe_shown';
  /** Codes the access showed but did not keep (`codes_total` − the codes kept); 0 when it kept all. */
  codes_capped: number;
}

/**
 * Every access that looked up `oneCodes` (a one code and the codes it is known by) or showed one
 * of them in clear, and every access that kept only part of its codes (it may have shown one of
 * them: `maybe_shown`), oldest first.
 */
export async function accessesOf(connection: DuckDBConnection, oneCodes: readonly string[]): Promise<AccessRow[]> {
  const statement = await connection.prepare(`
    SELECT access_no, accessed_at::VARCHAR AS accessed_at, who, role, channel, action, code, query, row_count, policy, outcome,
           CASE WHEN list_contains(CAST($1 AS VARCHAR[]), code) THEN 'looked_up'
                WHEN len(list_intersect(codes, CAST($1 AS VARCHAR[]))) > 0 THEN 'shown'
                ELSE 'maybe_shown' END AS matched,
           codes_total - len(codes) AS codes_capped
    FROM access_log
    WHERE list_contains(CAST($1 AS VARCHAR[]), code) OR len(list_intersect(codes, CAST($1 AS VARCHAR[]))) > 0 OR codes_total > len(codes)
    ORDER BY access_no`);
  statement.bindVarchar(1, JSON.stringify(oneCodes));
  return (resultRows(await statement.runAndReadAll()) as unknown as AccessRow[])
    .map((r) => ({ ...r, access_no: Number(r.access_no), row_count: Number(r.row_count), codes_capped: Number(r.codes_capped) }));
}
