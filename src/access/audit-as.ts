/**
 * An audit of one code by someone with a role (the CLI's `onecode audit`, the API's
 * `GET /api/v1/audit`): who looked at one person or legal person, from access_log, as records of
 * processing (GB/T 35273-2020 §11.3). Beside {@link lookupAs} and queryAs: the right is checked,
 * the code resolved as lookup resolves it, the accesses read, and the audit itself recorded.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ConfigError } from '../errors.ts';
import { classify } from '../identifiers/classify.ts';
import { resolveLookupCode, type ResolvedCode } from '../index/lookup.ts';
import { accessesOf, recordAccess, type AccessRow } from './access-log.ts';
import type { Requester } from './protected-lookup.ts';
import { requireRight } from './require-right.ts';
import { personalPolicyOf } from './roles.ts';

/** An audit's answer: what `onecode audit --json` prints and `GET /api/v1/audit` answers. */
export interface AuditAnswer {
  /** The one code audited. */
  code: string;
  /** Every code the accesses were searched for: the one code, the codes it is known by, the input's own form. */
  codes: string[];
  /**
   * The accesses, oldest first; the last is the audit before this one, if any. Those with
   * `codes_capped` > 0 kept only part of their codes: marked `maybe_shown` when none of the kept
   * ones matched (they may have shown the code among those not kept).
   */
  accesses: AccessRow[];
  /** How many of `accesses` kept only part of their codes (`codes_capped` > 0). */
  codes_capped: number;
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
 * Audits `input` (any form or alias of a code) for `who`.
 *
 * 1. The role must hold the right `audit` (stewards): otherwise OnecodeError `forbidden`, before
 *    the index is touched and without a record.
 * 2. The input is resolved as lookup resolves it; one that is no valid code is recorded (action
 *    `audit`, code NULL, outcome `failed`: the input is not kept) and refused with ConfigError
 *    `code_invalid`, whose message names the reasons' codes, never the input.
 * 3. The accesses that looked up or showed one of {@link auditCodes} are read (accessesOf), then
 *    the audit is recorded (action `audit`, `code` the one code, row_count the accesses listed).
 * @param options.runDate the date birth dates are checked against (YYYY-MM-DD, China Standard Time).
 * @param options.env where the role's policy is read (default process.env).
 * @throws OnecodeError `forbidden`; ConfigError `code_invalid`.
 */
export async function auditAs(
  connection: DuckDBConnection,
  input: string,
  who: Requester,
  options: { runDate: string; env?: NodeJS.ProcessEnv },
): Promise<AuditAnswer> {
  requireRight(who.role, 'audit');
  const entry = { who: who.name, role: who.role, channel: who.channel, action: 'audit', policy: personalPolicyOf(who.role, options.env) } as const;
  const resolved = await resolveLookupCode(connection, input, options.runDate);
  if (resolved === null) {
    await recordAccess(connection, { ...entry, rowCount: 0, outcome: 'failed' });
    const reasons = classify(input, { runDate: options.runDate }).reasons.map((r) => r.code);
    throw new ConfigError('code_invalid', `not a valid code (${[...new Set(reasons)].join(', ') || 'no identifier of a known kind'})`);
  }
  const codes = await auditCodes(connection, resolved);
  const accesses = await accessesOf(connection, codes);
  await recordAccess(connection, { ...entry, code: resolved.oneCode, rowCount: accesses.length, outcome: 'ok' });
  return { code: resolved.oneCode, codes, accesses, codes_capped: accesses.filter((a) => a.codes_capped > 0).length };
}
