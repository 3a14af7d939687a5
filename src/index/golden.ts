/**
 * Golden records: one row per one code, built from every system's source records by
 * survivorship, field by field: the highest pipeline `priority` with a value wins, then the most
 * recent `updated_at`, then the most recently changed record. Derived facts (birth date, sex,
 * region of issue; organisation code and registering office) come from the code itself
 * (GB 11643-1999 §6: address code positions 1-6, birth date 7-14, sequence code 15-17 odd for
 * men; GB 32100-2015 §4: registering office 3-8, organisation code 9-17).
 */

const RANK = `struct_pack(p := priority, u := coalesce(updated_at, ''), r := changed_run_no, k := source_key)`;
const pick = (field: string): string => `arg_max(${field}, ${RANK}) FILTER (WHERE ${field} IS NOT NULL) AS ${field}`;

/** SQL selecting golden persons for the codes in `codesTable (code)`. Columns as golden_person. */
export function goldenPersonSql(codesTable: string, runId: string): string {
  return `
    WITH g AS (
      SELECT one_code AS id_number, ${pick('name')}, ${pick('employer_name')}, ${pick('employer_uscc')}
      FROM source_record
      WHERE entity = 'person' AND one_code IN (SELECT code FROM ${codesTable})
      GROUP BY one_code
    ), d AS (
      SELECT *,
        CASE WHEN CAST(substr(id_number, 17, 1) AS INTEGER) % 2 = 1 THEN 'male' ELSE 'female' END AS sex,
        strftime(strptime(substr(id_number, 7, 8), '%Y%m%d'), '%Y-%m-%d') AS birth_date,
        substr(id_number, 1, 6) AS region_code
      FROM g
    )
    SELECT id_number, name, sex, birth_date, region_code, employer_name, employer_uscc,
           json_object('id_number', id_number, 'name', name, 'sex', sex, 'birth_date', birth_date,
                       'region_code', region_code, 'employer_name', employer_name, 'employer_uscc', employer_uscc) AS golden,
           '${runId}' AS changed_run_id
    FROM d`;
}

/** SQL selecting golden legal persons for the codes in `codesTable (code)`. Columns as golden_legal_person. */
export function goldenLegalPersonSql(codesTable: string, runId: string): string {
  return `
    WITH g AS (
      SELECT one_code AS uscc, ${pick('name')}, ${pick('legal_representative')}, ${pick('legal_representative_id_number')}, ${pick('address')}
      FROM source_record
      WHERE entity = 'legal_person' AND one_code IN (SELECT code FROM ${codesTable})
      GROUP BY one_code
    )
    SELECT uscc, name, substr(uscc, 9, 9) AS org_code, substr(uscc, 3, 6) AS region_code,
           legal_representative, legal_representative_id_number, address,
           json_object('uscc', uscc, 'name', name, 'org_code', substr(uscc, 9, 9), 'region_code', substr(uscc, 3, 6),
                       'legal_representative', legal_representative,
                       'legal_representative_id_number', legal_representative_id_number, 'address', address) AS golden,
           '${runId}' AS changed_run_id
    FROM g`;
}
