/**
 * Linkage of legacy identifiers to one codes, set-based in DuckDB.
 *
 * Rules:
 * - A 15-digit resident identity number (GB 11643-1989 form) is upgraded to its 18-character form
 *   when it is classified (resident-id.ts); the pair is kept as an alias `resident_id_15`.
 * - An organisation code (GB 11714-1997, 9 characters, hyphen removed) links to the USCC that
 *   embeds it at positions 9-17 (GB 32100-2015 §4), once any system has shown that USCC: as a
 *   legal person's or record's one code, as an employer's USCC, or in an alias kept earlier.
 * - A 15-digit business registration number links to a USCC only through a record that carries
 *   both (nothing in the number derives the USCC).
 * - A code links only when it is unambiguous: exactly one USCC embeds the organisation code,
 *   exactly one USCC was shown with the registration number, and when a row carries both legacy
 *   identifiers they do not point at different USCCs. Otherwise the row keeps waiting.
 * - Links are not sticky: every run resolves again every record linked or waiting (of any
 *   pipeline), so the outcome does not depend on the order runs came in. A record whose code
 *   becomes ambiguous (a second USCC embedding its organisation code appears) goes back to
 *   waiting; one whose resolution changes moves to the new code.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** Kinds of alias kept in `code_alias`. */
export const ALIAS_KINDS = ['resident_id_15', 'org_code', 'business_reg_no'] as const;
export type AliasKind = (typeof ALIAS_KINDS)[number];

/** Temp tables the resolution reads: `link_uscc (uscc)` and `link_reg (reg_no, uscc)`. */
const LINK_USCC = 'link_uscc';
const LINK_REG = 'link_reg';

/**
 * Builds the link targets as they will be after this run: every USCC shown by the source records
 * that stay (all but those of `pipeline` that this run replaces: all of them for a snapshot, the
 * keys it loads or deletes for an incremental or cursor pipeline) or by this run's loaded candidates (`candidates`,
 * as built by buildCandidates), as a one code or an employer's USCC, and every USCC kept in an
 * alias (a USCC once shown stays shown); every (registration number, USCC) pair shown together
 * on one such record or kept as an alias. Reads committed tables only (call before the run's
 * transaction).
 */
export async function buildLinkTargets(c: DuckDBConnection, candidates: string, pipeline: { name: string; absentDeletes: boolean }): Promise<void> {
  const P = `'${pipeline.name.replaceAll("'", "''")}'`;
  const staying = `(SELECT * FROM source_record WHERE NOT (pipeline = ${P} AND ${pipeline.absentDeletes
    ? 'true'
    : `source_key IN (SELECT source_key FROM ${candidates} WHERE disposition IN ('loaded', 'delete'))`}))`;
  await c.run(`
    CREATE OR REPLACE TEMP TABLE ${LINK_USCC} AS
    SELECT DISTINCT uscc FROM (
      SELECT one_code AS uscc FROM ${staying} WHERE code_kind = 'uscc' AND one_code IS NOT NULL AND linked_via IS NULL
      UNION ALL SELECT employer_uscc FROM ${staying} WHERE employer_uscc IS NOT NULL
      UNION ALL SELECT one_code FROM code_alias WHERE alias_kind <> 'resident_id_15'
      UNION ALL SELECT uscc FROM ${candidates} WHERE disposition = 'loaded' AND uscc IS NOT NULL AND linked_via IS NULL
      UNION ALL SELECT employer_uscc FROM ${candidates} WHERE disposition = 'loaded' AND employer_uscc IS NOT NULL
    )`);
  await c.run(`
    CREATE OR REPLACE TEMP TABLE ${LINK_REG} AS
    SELECT DISTINCT reg_no, uscc FROM (
      SELECT business_reg_no AS reg_no, one_code AS uscc FROM ${staying}
        WHERE code_kind = 'uscc' AND one_code IS NOT NULL AND linked_via IS NULL AND business_reg_no IS NOT NULL
      UNION ALL SELECT alias, one_code FROM code_alias WHERE alias_kind = 'business_reg_no'
      UNION ALL SELECT business_reg_no, uscc FROM ${candidates}
        WHERE disposition = 'loaded' AND uscc IS NOT NULL AND linked_via IS NULL AND business_reg_no IS NOT NULL
    )`);
}

/**
 * SQL resolving waiting rows against the link targets (buildLinkTargets first).
 * @param waiting a query yielding `id` (any unique key), `org_code`, `business_reg_no`.
 * @returns a query yielding `id, one_code, linked_via` for the rows that link, where
 *   `linked_via` is the alias kind used (`org_code` preferred when both agree).
 */
export function resolveWaitingSql(waiting: string): string {
  // Per row and kind: how many USCCs match, and one of them (the one when it is the only one).
  return `
    WITH w AS (${waiting}),
    org AS (
      SELECT w.id, count(DISTINCT k.uscc) AS n, any_value(k.uscc) AS uscc
      FROM w JOIN ${LINK_USCC} k ON substr(k.uscc, 9, 9) = w.org_code GROUP BY w.id
    ),
    reg AS (
      SELECT w.id, count(DISTINCT r.uscc) AS n, any_value(r.uscc) AS uscc
      FROM w JOIN ${LINK_REG} r ON r.reg_no = w.business_reg_no GROUP BY w.id
    )
    SELECT w.id, coalesce(org.uscc, reg.uscc) AS one_code,
           CASE WHEN org.uscc IS NOT NULL THEN 'org_code' ELSE 'business_reg_no' END AS linked_via
    FROM w LEFT JOIN org ON org.id = w.id LEFT JOIN reg ON reg.id = w.id
    WHERE coalesce(org.uscc, reg.uscc) IS NOT NULL
      AND coalesce(org.n, 1) = 1 AND coalesce(reg.n, 1) = 1
      AND (org.uscc IS NULL OR reg.uscc IS NULL OR org.uscc = reg.uscc)`;
}

/** Drops the link targets. */
export async function dropLinkTargets(c: DuckDBConnection): Promise<void> {
  await c.run(`DROP TABLE IF EXISTS ${LINK_USCC}; DROP TABLE IF EXISTS ${LINK_REG}`);
}
