/**
 * `onecode audit --code CODE [--json]`: who looked at one person or legal person: every access
 * in access_log that looked the code up or showed it (src/access/audit-as.ts auditAs, which the
 * API's `GET /api/v1/audit` runs too), the code given in any form or alias and resolved as
 * `onecode lookup` resolves it. A record of processing (GB/T 35273-2020 §11.3) read by the
 * steward, and recorded itself (action `audit`).
 */
import { auditAs, type AuditAnswer } from '../access/audit-as.ts';
import { requireRight } from '../access/require-right.ts';
import { todayInChina } from '../run/run-pipeline.ts';
import { cliRequester } from './cli-requester.ts';
import { openIndexForRecording } from './open-index-for-cli.ts';
import { formatRows, jsonSafe } from './output.ts';

export type { AuditAnswer } from '../access/audit-as.ts';

/** Options of {@link auditCommand}, from the command line. */
export interface AuditCommandOptions {
  code: string;
  json: boolean;
  dbPath: string;
}

/**
 * Prints an audit's answer on stdout: JSON, or a line, a table (with `codes_capped`) and, when
 * some accesses kept only part of their codes, a note saying that those marked `maybe_shown` may
 * have shown the code among the codes not kept.
 */
export function printAudit(answer: AuditAnswer, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(answer, jsonSafe, 2) + '\n');
    return;
  }
  const columns = ['access_no', 'accessed_at', 'who', 'role', 'channel', 'action', 'matched', 'row_count', 'codes_capped', 'policy', 'outcome', 'query'];
  process.stdout.write(`${answer.accesses.length} access(es) to ${answer.code} (searched for ${answer.codes.join(', ')})\n`);
  if (answer.accesses.length > 0) process.stdout.write(formatRows(columns, answer.accesses as unknown as Record<string, unknown>[], 'table'));
  if (answer.codes_capped > 0) {
    process.stdout.write(`note: ${answer.codes_capped} access(es) kept only part of the codes they showed (codes_capped: codes not kept); those marked maybe_shown may have shown this code among them\n`);
  }
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
  const index = await openIndexForRecording(options.dbPath);
  try {
    const answer = await auditAs(index.connection, options.code, who, { runDate: todayInChina() });
    printAudit(answer, options.json);
    return answer;
  } finally {
    index.close();
  }
}
