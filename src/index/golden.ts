/**
 * Golden records: one row per one code, built from every system's source records by
 * survivorship, field by field: the highest pipeline `priority` with a value wins, then the most
 * recent `updated_at`, then the most recently changed record, then the greatest source key.
 * Facts derived from the code itself are not stored but computed (views, change events): birth
 * date, sex and region of issue of a resident identity number (GB 11643-1999 §5: address code
 * positions 1-6, birth date 7-14, sequence code 15-17, odd for men); registering office and
 * organisation code of a USCC (GB 32100-2015 §4: positions 3-8 and 9-17).
 */
import { GOLDEN_FIELDS } from '../../schemas/canonical.ts';

export type GoldenEntity = keyof typeof GOLDEN_FIELDS;

/**
 * Fields chosen by survivorship and stored in the golden tables, after the key, in table order.
 * The one list used by the golden tables (goldenSql) and the `lineage` view.
 */
export const SURVIVING: Record<GoldenEntity, readonly string[]> = {
  person: ['name', 'employer_name', 'employer_uscc', 'phone'],
  legal_person: ['name', 'legal_representative', 'legal_representative_id_number', 'address'],
};

/** Table, key column and stored fields of each golden entity. */
export const GOLDEN_TABLES: Record<GoldenEntity, { table: string; key: string; stored: readonly string[] }> = {
  person: { table: 'golden_person', key: 'id_number', stored: SURVIVING.person },
  legal_person: { table: 'golden_legal_person', key: 'uscc', stored: SURVIVING.legal_person },
};

/**
 * Survivorship order of two source records that both hold a value for a field, as an SQL value
 * over source-record columns that sorts higher for the record that wins: the higher pipeline
 * `priority`, then the later `updated_at` (text, ISO 8601; a record without one loses), then the
 * record changed in the later run (`changed_run_no`), then the greater `source_key`. The order is
 * total among the records of one code: two pipelines never share a run, one pipeline never two
 * records under one source key. Used by goldenSql and the `lineage` view alike (README "Analyst
 * views": survivorship).
 */
export const SURVIVORSHIP_RANK = `struct_pack(p := priority, u := coalesce(updated_at, ''), r := changed_run_no, k := source_key)`;

/**
 * SQL aggregate choosing, among the grouped source records holding a non-null `field`, the
 * `value` (an SQL expression over the same records; the field itself by default) of the record
 * that wins by {@link SURVIVORSHIP_RANK}; NULL when no record holds the field.
 */
export function survivorSql(field: string, value: string = field): string {
  return `arg_max(${value}, ${SURVIVORSHIP_RANK}) FILTER (WHERE ${field} IS NOT NULL)`;
}

/** SQL for each derived field, given the SQL expression of the code. */
export const DERIVED: Record<GoldenEntity, Record<string, (code: string) => string>> = {
  person: {
    sex: (code) => `CASE WHEN CAST(substr(${code}, 17, 1) AS INTEGER) % 2 = 1 THEN 'male' ELSE 'female' END`,
    birth_date: (code) => `substr(${code}, 7, 4) || '-' || substr(${code}, 11, 2) || '-' || substr(${code}, 13, 2)`,
    // A 2023 foreigner's permanent residence number (leading 9) carries the issuing province at
    // positions 2-3 and a nationality code at 4-6, not an address code: its region is the province.
    region_code: (code) => `CASE WHEN substr(${code}, 1, 1) = '9' THEN substr(${code}, 2, 2) || '0000' ELSE substr(${code}, 1, 6) END`,
  },
  legal_person: {
    org_code: (code) => `substr(${code}, 9, 9)`,
    region_code: (code) => `substr(${code}, 3, 6)`,
  },
};

/**
 * The standard clause each derived field comes from, as the `lineage` view and `onecode lookup`
 * state it (same fields as {@link DERIVED}).
 */
export const DERIVED_RULES: Record<GoldenEntity, Record<string, string>> = {
  person: {
    sex: 'GB 11643-1999 §5: sequence code, position 17 of the resident identity number; odd for men, even for women',
    birth_date: 'GB 11643-1999 §5: birth date code, positions 7-14 of the resident identity number',
    region_code: 'GB 11643-1999 §5: address code, positions 1-6 of the resident identity number; for a 2023 foreigner\'s permanent residence number (leading 9) the issuing province, positions 2-3, padded to 6 digits',
  },
  legal_person: {
    org_code: 'GB 32100-2015 §4: organisation code, positions 9-17 of the USCC',
    region_code: 'GB 32100-2015 §4: registering office administrative division code, positions 3-8 of the USCC',
  },
};

/** SQL of one golden field (stored or derived) of a golden row under `alias`. */
export function goldenFieldSql(entity: GoldenEntity, alias: string, field: string): string {
  const { key } = GOLDEN_TABLES[entity];
  const derive = DERIVED[entity][field];
  return derive ? derive(`${alias}.${key}`) : `${alias}.${field}`;
}

/** A JSON object of a golden row's fields in GOLDEN_FIELDS order (for change events). */
export function goldenJsonSql(entity: GoldenEntity, alias: string): string {
  return `json_object(${GOLDEN_FIELDS[entity].map((f) => `'${f}', ${goldenFieldSql(entity, alias, f)}`).join(', ')})`;
}

/**
 * SQL selecting golden rows, with the columns of the golden table in its order, from `records`:
 * a query yielding source records (`one_code`, the stored fields, `updated_at`, `priority`,
 * `changed_run_no`, `source_key`). Codes held by one source record (most of them) skip the
 * survivorship aggregate.
 */
export function goldenSql(entity: GoldenEntity, records: string, runId: string): string {
  const { key } = GOLDEN_TABLES[entity];
  const surviving = SURVIVING[entity];
  return `
    WITH r AS (
      SELECT one_code AS code, ${surviving.join(', ')}, priority, updated_at, changed_run_no, source_key,
             count(*) OVER (PARTITION BY one_code) AS n
      FROM (${records})
    )
    SELECT code AS ${key}, ${surviving.join(', ')}, '${runId}' AS changed_run_id FROM r WHERE n = 1
    UNION ALL
    SELECT code, ${surviving.map((f) => survivorSql(f)).join(', ')}, '${runId}'
    FROM r WHERE n > 1 GROUP BY code`;
}
