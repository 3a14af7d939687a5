/**
 * A lookup of one code by someone with a role (the HTTP API, the web console, the CLI): the right
 * is checked first, the document is looked up (src/index/lookup.ts), the access is recorded in
 * access_log, and the document leaves with the personal values of the role's policy protected
 * (protect-document.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { OnecodeError } from '../errors.ts';
import { lookupCode, type LookupDocument } from '../index/lookup.ts';
import { recordAccess, type AccessChannel } from './access-log.ts';
import { requireKeyFor } from './policy-key.ts';
import { codesInDocument, protectLookupDocument } from './protect-document.ts';
import { hasRight, personalPolicyOf, type Role } from './roles.ts';

/** Who asks: a token's name (or `cli:<OS user>`), its role and the channel it came through. */
export interface Requester {
  name: string;
  role: Role;
  channel: AccessChannel;
}

/**
 * Whether a document found nothing: a valid code that no record, golden record or alias carries
 * (the CLI says so and exits 1; the API answers 200 with empty `systems`).
 */
export function foundNothing(doc: LookupDocument): boolean {
  return doc.systems.length === 0 && doc.person === null && doc.legal_person === null;
}

/**
 * Looks up `input` (any form or alias of a code, as lookupCode takes it) for `who`.
 *
 * 1. The role must hold the right `lookup` (roles.ts): otherwise OnecodeError `forbidden` (exit 2),
 *    before the index is touched and without a record, so the refusal says nothing about the code.
 * 2. lookupCode runs on `connection` (which must not carry an analyst's temporary views: run
 *    queries and lookups on the connection of one request each, or after queryAs returned).
 * 3. The access is recorded (access_log, GB/T 35273-2020 §11.3): action `lookup`, `code` the one
 *    code (normalised, an alias resolved), row_count the document's records, the role's policy,
 *    `codes` every code the document is about (codesInDocument, taken before protection: an
 *    analyst who saw a person masked still looked at that person), outcome `ok`, or `not_found`
 *    for a valid code nothing carries. An input that is no valid identifier is recorded with
 *    code NULL, no codes and outcome `failed` (the input itself is not kept: it may be a mistyped
 *    ID number); a lookup that throws is recorded `failed` with the code unknown, and rethrown.
 * 4. The document leaves under the role's policy (personalPolicyOf: steward clear, analyst mask or
 *    pseudonymise).
 * @param options.runDate the date birth dates are checked against (YYYY-MM-DD, China Standard Time).
 * @param options.key the pseudonymisation key, needed when the role's policy is `pseudonymise`.
 * @param options.env where ONECODE_ANALYST_POLICY is read (default process.env).
 * @returns the protected document, or null when the input is no valid identifier.
 * @throws OnecodeError `forbidden`; ConfigError `pseudonym_key_unset` (before the index is touched),
 *   `analyst_policy_invalid`; what lookupCode throws.
 */
export async function lookupAs(
  connection: DuckDBConnection,
  input: string,
  who: Requester,
  options: { runDate: string; key?: Buffer; env?: NodeJS.ProcessEnv },
): Promise<LookupDocument | null> {
  if (!hasRight(who.role, 'lookup')) throw new OnecodeError('forbidden', `the ${who.role} role may not look up codes`, { exitCode: 2 });
  const policy = personalPolicyOf(who.role, options.env);
  requireKeyFor(policy, options.key);
  const entry = { who: who.name, role: who.role, channel: who.channel, action: 'lookup', policy } as const;
  let doc: LookupDocument | null;
  try {
    doc = await lookupCode(connection, input, options.runDate);
  } catch (error) {
    await recordAccess(connection, { ...entry, rowCount: 0, outcome: 'failed' });
    throw error;
  }
  if (doc === null) {
    await recordAccess(connection, { ...entry, rowCount: 0, outcome: 'failed' });
    return null;
  }
  await recordAccess(connection, {
    ...entry, code: doc.code, rowCount: doc.records.length, codes: codesInDocument(doc), outcome: foundNothing(doc) ? 'not_found' : 'ok',
  });
  return protectLookupDocument(doc, policy, options.key);
}
