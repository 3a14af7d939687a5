/**
 * A lookup of one code by someone with a role (the HTTP API, the web console, the CLI): the right
 * is checked first, the document is looked up (src/index/lookup.ts), the access is recorded in
 * access_log, and the document leaves with the personal values of the role's policy protected
 * (protect-document.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { lookupCode, type LookupDocument } from '../index/lookup.ts';
import { readEventClasses } from '../outbox/event-classes.ts';
import { recordAccess, type AccessChannel } from './access-log.ts';
import { requireKeyFor } from './policy-key.ts';
import { codesInDocument, protectLookupDocument } from './protect-document.ts';
import { requireRight } from './require-right.ts';
import { personalPolicyOf, type Role } from './roles.ts';
import type { ExitPolicy } from '../protect/policy.ts';

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
 *    pseudonymise), its values classed by the analysts' table and the pipelines' recorded classes,
 *    the stricter winning, as in the analyst's query (protect-document.ts protectLookupDocument).
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
  return answerGuarded(connection, who, 'lookup', options, async () => {
    const doc = await lookupCode(connection, input, options.runDate);
    // the pipelines' classes, once per lookup, from the same index (protect-document.ts)
    return doc === null ? null : { doc, classes: await readEventClasses(connection) };
  }, ({ doc, classes }, policy) => ({
    code: doc.code, rowCount: doc.records.length, codes: codesInDocument(doc), found: !foundNothing(doc), shown: protectLookupDocument(doc, policy, classes, options.key),
  }));
}

/** What an answer that {@link answerGuarded} records and shows says of itself. */
export interface GuardedAnswer<S> {
  /** The one code (normalised) the answer is about. */
  code: string;
  rowCount: number;
  /** The codes the answer is about, taken before protection. */
  codes: string[];
  /** False for a valid code nothing carries: outcome `not_found`. */
  found: boolean;
  /** The answer as it leaves, under the policy. */
  shown: S;
}

/**
 * The frame of every answer about one code that shows personal values (a lookup, a materials
 * check: protected-materials.ts): the right `lookup` checked and the pseudonymisation key required
 * before anything is read; `answer` computed; the access recorded (`action`, outcome `failed` with
 * no code when `answer` throws, rethrown, or yields null for an input that is no valid identifier;
 * else `ok` or `not_found` with what `guard` says); the guarded answer returned.
 * @throws OnecodeError `forbidden`; ConfigError `pseudonym_key_unset`, `analyst_policy_invalid`;
 *   what `answer` throws.
 */
export async function answerGuarded<A, S>(
  connection: DuckDBConnection,
  who: Requester,
  action: 'lookup' | 'materials',
  options: { key?: Buffer; env?: NodeJS.ProcessEnv },
  answer: () => Promise<A | null>,
  guard: (answer: A, policy: ExitPolicy) => GuardedAnswer<S>,
): Promise<S | null> {
  requireRight(who.role, 'lookup');
  const policy = personalPolicyOf(who.role, options.env);
  requireKeyFor(policy, options.key);
  const entry = { who: who.name, role: who.role, channel: who.channel, action, policy } as const;
  let result: A | null;
  try {
    result = await answer();
  } catch (error) {
    await recordAccess(connection, { ...entry, rowCount: 0, outcome: 'failed' });
    throw error;
  }
  if (result === null) {
    await recordAccess(connection, { ...entry, rowCount: 0, outcome: 'failed' });
    return null;
  }
  const g = guard(result, policy);
  await recordAccess(connection, { ...entry, code: g.code, rowCount: g.rowCount, codes: g.codes, outcome: g.found ? 'ok' : 'not_found' });
  return g.shown;
}
