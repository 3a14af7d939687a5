/**
 * `onecode audit --code CODE [--json]`: who looked at one person or legal person: every access
 * in access_log that looked the code up or showed it (src/access/access-log.ts accessesOf), the
 * code given in any form or alias and resolved as `onecode lookup` resolves it. A record of
 * processing (GB/T 35273-2020 §11.3) read by the steward, and recorded itself (action `audit`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { accessesOf, recordAccess, type AccessRow } from '../access/access-log.ts';
import { requireRight } from '../access/require-right.ts';
import { ConfigError } from '../errors.ts';
import { classify } from '../identifiers/classify.ts';
import { resolveLookupCode, type ResolvedCode } from '../index/lookup.ts';
import { todayInChina } from '../run/run-pipeline.ts';
import { cliRequester } from './cli-requester.ts';
import { openIndexForRecording } from './open-index-for-cli.ts';
import { formatRows, jsonSafe } from './output.ts';

/** Options of {@link auditCommand}, from the command line. */
export interface AuditCommandOptions {
  code: string;
  json: boolean;
  dbPath: string;
}

/** What `--json` prints: the shape of the API's `GET /api/v1/audit`. */
export interface AuditAnswer {
  /** The one code audited. */
  code: string;
  /** Every code the accesses were searched for: the one code, the codes it is known by, the input's own form. */
  codes: string[];
  accesses: AccessRow[];
}

/**
 * The codes one input stands for in access_log: its one code (or the USCCs an ambiguous legacy
 * code resolves to), the input's normalised form, and every alias the index keeps for them
 * (code_alias: 15-digit resident identity numbers, organisation codes, registration numbers).
 */
export async function auditCodes(connection: DuckDBConnection, resolved: ResolvedCode): Promise<string[]> {
  const ones = [...new Set([resolved.oneCode, ...resolved.ambiguous])];
  const statement = await connection.prepare(`SELECT alias FROM code_alias WHERE list_contains(CAST($1 AS VARCHAR[]), one_code) ORDER BY alias`);
  statement.bindVarchar(1, JSON.stringify(ones));
  const aliases = (await statement.runAndReadAll()).getRows().map((r) => String(r[0]));
  return [...new Set([...ones, ...(resolved.id.normalized === null ? [] : [resolved.id.normalized]), ...aliases])];
}

/**
 * Reads the accesses of a code and prints them (a table, or JSON); records the audit.
 * @returns the answer printed.
 * @throws ConfigError `code_invalid` for an input that is no valid identifier (recorded `failed`,
 *   without the input); what openIndexForRecording throws.
 */
export async function auditCommand(options: AuditCommandOptions): Promise<AuditAnswer> {
  const who = cliRequester('steward');
  requireRight(who.role, 'audit');
  const runDate = todayInChina();
  const index = await openIndexForRecording(options.dbPath);
  try {
    const c = index.connection;
    const entry = { who: who.name, role: who.role, channel: who.channel, action: 'audit', policy: 'clear' } as const;
    const resolved = await resolveLookupCode(c, options.code, runDate);
    if (resolved === null) {
      await recordAccess(c, { ...entry, rowCount: 0, outcome: 'failed' });
      const id = classify(options.code, { runDate });
      throw new ConfigError('code_invalid', `not a valid code: ${id.reasons.map((r) => r.message).join('; ')}`);
    }
    const codes = await auditCodes(c, resolved);
    const accesses = await accessesOf(c, codes);
    await recordAccess(c, { ...entry, code: resolved.oneCode, rowCount: accesses.length, outcome: 'ok' });
    const answer: AuditAnswer = { code: resolved.oneCode, codes, accesses };
    if (options.json) {
      process.stdout.write(JSON.stringify(answer, jsonSafe, 2) + '\n');
    } else {
      const columns = ['access_no', 'accessed_at', 'who', 'role', 'channel', 'action', 'matched', 'row_count', 'policy', 'outcome', 'query'];
      process.stdout.write(`${accesses.length} access(es) to ${resolved.oneCode} (searched for ${codes.join(', ')})\n`);
      if (accesses.length > 0) process.stdout.write(formatRows(columns, accesses as unknown as Record<string, unknown>[], 'table'));
    }
    return answer;
  } finally {
    index.close();
  }
}
