import { IDENTIFIER_FIELDS } from '../../../schemas/canonical.ts';
import { scalar, type PlanContext } from './plan-context.ts';

/**
 * Finds the aliases (linkage.ts) this run shows for the first time, with the record that showed
 * them, into the temp table `alias_new` shaped as `code_alias`: the 15-digit form of an upgraded
 * resident identity number, an organisation code its USCC embeds (or linked by), a registration
 * number shown with its USCC, and the aliases of records relink.ts links. When two records show
 * one alias first, the earliest run wins, then pipeline and source key, for a stable choice.
 * @returns how many aliases are new.
 */
export async function planNewAliases(ctx: PlanContext, relinked: number): Promise<number> {
  const { connection: c, pipeline: p, P, R, S, candidates: cand, codeColumn } = ctx;
  const codeKind = IDENTIFIER_FIELDS[codeColumn];
  const parts: string[] = [];
  const seen = (alias: string, kind: string, where: string) => `
    SELECT i.${alias} AS alias, '${kind}' AS alias_kind, i.${codeColumn} AS one_code, ${P} AS pipeline, ${S} AS system, i.source_key,
           ${R} AS first_run_id, ${R} AS linked_run_id
    FROM ${cand} i WHERE i.disposition = 'loaded' AND i.${codeColumn} IS NOT NULL AND ${where}`;
  if (codeKind === 'resident_id') parts.push(seen('code_alias', 'resident_id_15', 'i.code_alias IS NOT NULL'));
  if (codeKind === 'uscc' && p.mapping.org_code) {
    parts.push(seen('org_code', 'org_code', `i.org_code IS NOT NULL AND (i.linked_via = 'org_code' OR (i.linked_via IS NULL AND substr(i.uscc, 9, 9) = i.org_code))`));
  }
  if (codeKind === 'uscc' && p.mapping.business_reg_no) {
    parts.push(seen('business_reg_no', 'business_reg_no', `i.business_reg_no IS NOT NULL AND coalesce(i.linked_via, 'business_reg_no') = 'business_reg_no'`));
  }
  if (relinked > 0) {
    // (records going back to waiting have no new alias: the join below needs a code)
    parts.push(`
      SELECT CASE r.linked_via WHEN 'org_code' THEN s.org_code ELSE s.business_reg_no END AS alias, r.linked_via AS alias_kind, r.one_code,
             s.pipeline, s.system, s.source_key, s.first_run_id, ${R} AS linked_run_id
      FROM relink r JOIN source_record s ON s.pipeline = r.pipeline AND s.source_key = r.source_key WHERE r.one_code IS NOT NULL`);
  }
  if (parts.length === 0) return 0;
  await c.run(`
    CREATE OR REPLACE TEMP TABLE alias_new AS
    SELECT DISTINCT ON (alias, alias_kind, one_code) * FROM (${parts.join(' UNION ALL ')}) a
    WHERE NOT EXISTS (SELECT 1 FROM code_alias x WHERE x.alias = a.alias AND x.alias_kind = a.alias_kind AND x.one_code = a.one_code)
    ORDER BY alias, alias_kind, one_code, first_run_id, pipeline, source_key`);
  return scalar(c, `SELECT count(*) FROM alias_new`);
}
