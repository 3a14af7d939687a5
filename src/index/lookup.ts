import type { DuckDBConnection } from '@duckdb/node-api';
import { resultRows } from './result-rows.ts';
import { classify } from '../identifiers/classify.ts';
import type { Classification } from '../identifiers/types.ts';
import { quoteLiteral } from './sql-text.ts';

/** Everything the index holds about one code, as printed by `onecode lookup`. */
export interface LookupDocument {
  /** The code looked up, normalised (an upgraded 15-digit number gives its 18-character form). */
  code: string;
  identifier: Pick<Classification, 'kind' | 'status' | 'reasons' | 'subtype' | 'alias'>;
  /** Golden person, when the code is a resident identity number the index knows as a person. */
  person: Record<string, unknown> | null;
  /** Golden legal person, when the code is a USCC the index knows as a legal person. */
  legal_person: Record<string, unknown> | null;
  /** Source records whose one code is this code, from every system. */
  records: Record<string, unknown>[];
  /** Source records that refer to this code in another role (employer, legal representative). */
  referenced_by: Record<string, unknown>[];
  /** Systems holding anything about the code. */
  systems: string[];
}

const rowsOf = async (c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> =>
  resultRows(await c.runAndReadAll(sql));

const parsePayload = (r: Record<string, unknown>): Record<string, unknown> => ({
  ...r,
  payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
  flags: typeof r.flags === 'string' ? JSON.parse(r.flags) : r.flags,
});

/**
 * Looks up one code (resident identity number, 15-digit legacy number or USCC, in any of the
 * dirty forms `validate` accepts) across every system.
 * @returns the document, or `null` when the input is not a valid code.
 */
export async function lookupCode(connection: DuckDBConnection, input: string, runDate: string): Promise<LookupDocument | null> {
  const id = classify(input, { runDate });
  if (id.status === 'invalid' || id.normalized === null) return null;
  const code = quoteLiteral(id.normalized);
  const [person] = await rowsOf(connection, `SELECT * FROM persons WHERE id_number = ${code}`);
  const [legalPerson] = await rowsOf(connection, `SELECT * FROM legal_persons WHERE uscc = ${code}`).catch(() => []);
  const columns = `pipeline, system, entity, source_key, one_code, code_status, payload, flags, line, first_run_id, changed_run_id`;
  const records = await rowsOf(connection, `SELECT ${columns} FROM records WHERE one_code = ${code} ORDER BY system, source_key`);
  const referencedBy = await rowsOf(connection, `
    SELECT ${columns}, CASE WHEN employer_uscc = ${code} THEN 'employer' ELSE 'legal_representative' END AS role
    FROM records WHERE (employer_uscc = ${code} OR legal_representative_id_number = ${code}) AND one_code <> ${code}
    ORDER BY system, source_key`);
  return {
    code: id.normalized,
    identifier: { kind: id.kind, status: id.status, reasons: id.reasons, ...(id.subtype ? { subtype: id.subtype } : {}), ...(id.alias ? { alias: id.alias } : {}) },
    person: person ?? null,
    legal_person: legalPerson ?? null,
    records: records.map(parsePayload),
    referenced_by: referencedBy.map(parsePayload),
    systems: [...new Set([...records, ...referencedBy].map((r) => String(r.system)))].sort(),
  };
}
