/**
 * Who may do what, through the HTTP API, the web console and the CLI (issue 10).
 *
 * Three roles, each a set of rights and one policy for personal values (src/protect/policy.ts):
 *
 * | role       | rights                                                                 | personal values |
 * |------------|------------------------------------------------------------------------|-----------------|
 * | `operator` | pipelines, runs, trigger a run, push, outbox, status, metrics           | none shown: `drop` (it gets no lookup and no SQL) |
 * | `analyst`  | lookup, SQL over the analyst views, pipelines, runs, status             | `mask`, or `pseudonymise` (ONECODE_ANALYST_POLICY) |
 * | `steward`  | what an analyst may, in clear, plus quarantined rows' text, the audit and exports | `clear`, every access recorded |
 *
 * Every lookup, query and export by any role is recorded in `access_log` (access-log.ts); the
 * steward sees values in clear, and that is why the record matters most for that role
 * (GB/T 35273-2020 §7.1, least privilege; §11.3, records of processing).
 */
import { ConfigError } from '../errors.ts';
import type { ExitPolicy } from '../protect/policy.ts';

export const ROLES = ['operator', 'analyst', 'steward'] as const;
export type Role = (typeof ROLES)[number];

/** The rights a role may hold. */
export const RIGHTS = [
  /** GET pipelines, their runs, quarantine reasons and flags; status; outbox counts */
  'read_operations',
  /** start a pipeline run now, push the outbox */
  'operate',
  /** Prometheus metrics */
  'metrics',
  /** lookup of one code (the document of `onecode lookup`) */
  'lookup',
  /** read-only SQL over the analyst views */
  'query',
  /** the text of quarantined rows */
  'read_quarantined_text',
  /** `access_log` and `onecode audit` */
  'audit',
  /** the analyst views written as files on serve's machine (POST /api/v1/exports, docs/export.md), under the export's own policy */
  'export',
] as const;
export type Right = (typeof RIGHTS)[number];

/** The rights of each role. */
export const ROLE_RIGHTS: Readonly<Record<Role, ReadonlySet<Right>>> = {
  operator: new Set<Right>(['read_operations', 'operate', 'metrics']),
  analyst: new Set<Right>(['read_operations', 'lookup', 'query']),
  steward: new Set<Right>(['read_operations', 'lookup', 'query', 'read_quarantined_text', 'audit', 'export']),
};

/** Whether `role` holds `right`. */
export function hasRight(role: Role, right: Right): boolean {
  return ROLE_RIGHTS[role].has(right);
}

/** The environment variable choosing the analyst's policy for personal values: `mask` (default) or `pseudonymise`. */
export const ANALYST_POLICY_VARIABLE = 'ONECODE_ANALYST_POLICY';

/**
 * The policy for personal values shown to `role`: steward `clear`, operator `drop`, analyst `mask`
 * unless ONECODE_ANALYST_POLICY says `pseudonymise` (which then needs ONECODE_PSEUDONYM_KEY_FILE).
 * @throws ConfigError `analyst_policy_invalid` for another value of the variable.
 */
export function personalPolicyOf(role: Role, env: NodeJS.ProcessEnv = process.env): ExitPolicy {
  if (role === 'steward') return 'clear';
  if (role === 'operator') return 'drop';
  const chosen = env[ANALYST_POLICY_VARIABLE]?.trim() || 'mask';
  if (chosen !== 'mask' && chosen !== 'pseudonymise') {
    throw new ConfigError('analyst_policy_invalid', `${ANALYST_POLICY_VARIABLE}: use mask or pseudonymise (an analyst never sees personal values in clear)`);
  }
  return chosen;
}

/**
 * Parses a role name (a token file's entry, `--role`).
 * @throws ConfigError `role_invalid` naming the roles.
 */
export function parseRole(value: string, where: string): Role {
  if ((ROLES as readonly string[]).includes(value)) return value as Role;
  throw new ConfigError('role_invalid', `${where}: role must be one of ${ROLES.join(', ')}`);
}
