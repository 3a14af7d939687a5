/**
 * Golden records: one row per one code, built from every system's source records by
 * survivorship, field by field: the highest pipeline `priority` with a value wins, then the most
 * recent `updated_at`, then the most recently changed record, then the greatest source key.
 * Derived facts come from the code itself: birth date, sex and region of issue from a resident
 * identity number (GB 11643-1999 §6: address code positions 1-6, birth date 7-14, sequence code
 * 15-17, odd for men); registering office and organisation code from a USCC (GB 32100-2015 §4:
 * positions 3-8 and 9-17).
 */
import { GOLDEN_FIELDS } from '../../schemas/canonical.ts';

export type GoldenEntity = keyof typeof GOLDEN_FIELDS;

/** Table, key column and fields of each golden entity. */
export const GOLDEN_TABLES: Record<GoldenEntity, { table: string; key: string; fields: readonly string[] }> = {
  person: { table: 'golden_person', key: 'id_number', fields: GOLDEN_FIELDS.person },
  legal_person: { table: 'golden_legal_person', key: 'uscc', fields: GOLDEN_FIELDS.legal_person },
};

/** Fields chosen by survivorship (the rest are derived from the code). */
const SURVIVING: Record<GoldenEntity, readonly string[]> = {
  person: ['name', 'employer_name', 'employer_uscc'],
  legal_person: ['name', 'legal_representative', 'legal_representative_id_number', 'address'],
};

const DERIVED: Record<GoldenEntity, Record<string, string>> = {
  person: {
    sex: `CASE WHEN CAST(substr(code, 17, 1) AS INTEGER) % 2 = 1 THEN 'male' ELSE 'female' END`,
    birth_date: `substr(code, 7, 4) || '-' || substr(code, 11, 2) || '-' || substr(code, 13, 2)`,
    region_code: `substr(code, 1, 6)`,
  },
  legal_person: {
    org_code: `substr(code, 9, 9)`,
    region_code: `substr(code, 3, 6)`,
  },
};

/** A JSON object of a golden row's fields (for change events), from a table alias. */
export function goldenJsonSql(entity: GoldenEntity, alias: string): string {
  return `json_object(${GOLDEN_TABLES[entity].fields.map((f) => `'${f}', ${alias}.${f}`).join(', ')})`;
}

/**
 * SQL selecting the golden rows for the codes in `codesTable (code)`, with the columns of the
 * golden table in its order. Codes held by one source record (most of them) skip the
 * survivorship aggregate.
 */
export function goldenSql(entity: GoldenEntity, codesTable: string, runId: string): string {
  const { key, fields } = GOLDEN_TABLES[entity];
  const surviving = SURVIVING[entity];
  const rank = `struct_pack(p := priority, u := coalesce(updated_at, ''), r := changed_run_no, k := source_key)`;
  const column = (f: string): string => (f === key ? 'code' : DERIVED[entity][f] ?? f);
  return `
    WITH r AS (
      SELECT one_code AS code, ${surviving.join(', ')}, priority, updated_at, changed_run_no, source_key,
             count(*) OVER (PARTITION BY one_code) AS n
      FROM source_record
      WHERE entity = '${entity}' AND one_code IN (SELECT code FROM ${codesTable})
    ), g AS (
      SELECT code, ${surviving.join(', ')} FROM r WHERE n = 1
      UNION ALL
      SELECT code, ${surviving.map((f) => `arg_max(${f}, ${rank}) FILTER (WHERE ${f} IS NOT NULL)`).join(', ')}
      FROM r WHERE n > 1 GROUP BY code
    )
    SELECT ${fields.map((f) => `${column(f)} AS ${f}`).join(', ')}, '${runId}' AS changed_run_id
    FROM g`;
}
