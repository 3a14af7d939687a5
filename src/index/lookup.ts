import type { DuckDBConnection } from '@duckdb/node-api';
import { resultRows } from './result-rows.ts';
import { classify } from '../identifiers/classify.ts';
import type { Classification } from '../identifiers/types.ts';
import { quoteLiteral } from './sql-text.ts';

/** Everything the index holds about one code, as printed by `onecode lookup`. */
export interface LookupDocument {
  /** The one code, normalised (an upgraded 15-digit number gives its 18-character form). */
  code: string;
  /** The identifier looked up, when it is an alias of the one code (organisation code, registration number). */
  alias?: string;
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
 * The one code an identifier stands for: resident identity numbers (an upgraded 15-digit number
 * included) and USCCs are one codes; an organisation code (GB 11714) resolves to the USCC of a
 * known legal person that embeds it (USCC positions 9-17); a 15-digit business registration
 * number resolves only through a record that carries both it and a USCC.
 */
async function resolveOneCode(connection: DuckDBConnection, id: Classification): Promise<string | null> {
  if (id.normalized === null) return null;
  if (id.kind === 'resident_id' || id.kind === 'uscc') return id.normalized;
  const value = quoteLiteral(id.normalized);
  const sql = id.kind === 'org_code'
    ? `SELECT DISTINCT uscc FROM legal_persons WHERE substr(uscc, 9, 9) = ${value}`
    : id.kind === 'business_reg_no'
      ? `SELECT DISTINCT one_code FROM source_record WHERE code_kind = 'uscc' AND business_reg_no = ${value}`
      : undefined;
  if (sql === undefined) return null;
  const rows = (await connection.runAndReadAll(sql)).getRows();
  return rows.length === 1 ? String(rows[0]![0]) : null;
}

/**
 * Looks up one code across every system. The input may be a resident identity number (18 or 15
 * digits), a USCC, an organisation code (with or without its hyphen) or a 15-digit business
 * registration number, in any of the dirty forms `validate` accepts; where the shape is ambiguous
 * (15 digits) each plausible kind is tried, the most plausible first.
 * @returns the document, or `null` when the input is no valid identifier.
 */
export async function lookupCode(connection: DuckDBConnection, input: string, runDate: string): Promise<LookupDocument | null> {
  const first = classify(input, { runDate });
  const tries = [first, ...(first.alternatives ?? []).map((kind) => classify(input, { kind, runDate }))].filter((c) => c.status !== 'invalid');
  if (tries.length === 0) return null;
  let id = tries[0]!;
  let oneCode: string | null = null;
  for (const candidate of tries) {
    const resolved = await resolveOneCode(connection, candidate);
    if (resolved === null) continue;
    const known = (await connection.runAndReadAll(`SELECT count(*) FROM records WHERE one_code = ${quoteLiteral(resolved)}`)).getRows()[0]![0];
    if (oneCode === null || Number(known) > 0) {
      id = candidate;
      oneCode = resolved;
      if (Number(known) > 0) break;
    }
  }
  if (oneCode === null) oneCode = id.normalized;
  if (oneCode === null) return null;
  const code = quoteLiteral(oneCode);
  const [person] = await rowsOf(connection, `SELECT * FROM persons WHERE id_number = ${code}`);
  const [legalPerson] = await rowsOf(connection, `SELECT * FROM legal_persons WHERE uscc = ${code}`).catch(() => []);
  const columns = `pipeline, system, entity, source_key, one_code, code_status, payload, flags, line, first_run_id, changed_run_id`;
  const records = await rowsOf(connection, `SELECT ${columns} FROM records WHERE one_code = ${code} ORDER BY system, source_key`);
  const referencedBy = await rowsOf(connection, `
    SELECT ${columns}, CASE WHEN employer_uscc = ${code} THEN 'employer' ELSE 'legal_representative' END AS role
    FROM records WHERE (employer_uscc = ${code} OR legal_representative_id_number = ${code}) AND one_code <> ${code}
    ORDER BY system, source_key`);
  return {
    code: oneCode,
    ...(id.normalized !== null && oneCode !== id.normalized ? { alias: id.normalized } : {}),
    identifier: { kind: id.kind, status: id.status, reasons: id.reasons, ...(id.subtype ? { subtype: id.subtype } : {}), ...(id.alias ? { alias: id.alias } : {}) },
    person: person ?? null,
    legal_person: legalPerson ?? null,
    records: records.map(parsePayload),
    referenced_by: referencedBy.map(parsePayload),
    systems: [...new Set([...records, ...referencedBy].map((r) => String(r.system)))].sort(),
  };
}
