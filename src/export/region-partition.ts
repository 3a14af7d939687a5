/**
 * `onecode export --partition-by region`: the region each row of a view is filed under, read from
 * the one code the row is about, as the folder `region=NNNN` of the view (Hive-style partitions,
 * which DuckDB, Spark and Trino all read as a column `region`).
 *
 * The level is the prefecture-level city: the first 4 digits of the GB/T 2260 administrative
 * division code inside the one code (2 digits of province, 2 of prefecture-level city; the last 2,
 * the county, are left out):
 * - a resident identity number carries the code of the place its holder was registered at issue
 *   (GB 11643-1999 §5: address code, positions 1-6); a 2023 foreigner's permanent residence number
 *   (leading 9) only its issuing province (positions 2-3), so it is filed under the province,
 *   `NN00` (src/index/golden.ts DERIVED.person.region_code);
 * - a USCC carries the code of its registering office (GB 32100-2015 §4: positions 3-8), `1000`
 *   for one registered by a national authority (code 100000).
 * Why the city: in a provincial index the province alone is one partition (every code of the
 * province's own people and organisations starts with the same 2 digits), while the county gives
 * about a hundred small partitions per province and changes more often (districts are created,
 * merged and renamed every year; a number keeps the county code of its issue, so one county of today
 * is found under several codes). Cities (市, 地区, 州, 盟) are the level at which the provincial
 * platform hands data on, a few dozen per province, each a partition a machine can read on its own;
 * people born in other provinces fall into the partitions of their own cities. A row whose code has
 * no six-digit region (NULL: an `unlinked` record) is written to DuckDB's default partition,
 * `region=__HIVE_DEFAULT_PARTITION__` (read back as NULL by DuckDB, Spark and Trino).
 *
 * Only the views about one code each are partitioned; the others are written whole: `runs`,
 * `quarantine`, `quarantine_history`, `schema_changes`, `source_states` hold no one code, and
 * `changes` is the outbox's history, read in `seq` order.
 */
import { LICENCE_LEGAL_HOLDER_SQL } from '../access/analyst-view-columns.ts';
import { LEGAL_PERSON_RECORD_SQL } from '../access/personal-values.ts';
import { DERIVED } from '../index/golden.ts';
import { quoteIdent } from '../index/sql-text.ts';

/** The partition column's name. */
export const REGION_COLUMN = 'region';

/** Digits of the GB/T 2260 code kept: province and prefecture-level city. */
export const REGION_DIGITS = 4;

/** The rule, as the manifest states it. */
export const REGION_RULE = 'GB/T 2260 province and prefecture-level city: the first 4 digits of the region code in the one code (GB 11643-1999 §5 positions 1-4 of a resident identity number, its province padded with 00 for a foreigner\'s permanent residence number; GB 32100-2015 §4 positions 3-6 of a USCC); NULL (__HIVE_DEFAULT_PARTITION__) when the row has no such code';

/** For each partitioned view: the column holding its one code, and the SQL condition of a row about a legal person. */
export const PARTITIONED_VIEWS: Readonly<Record<string, { code: string; legalWhen: string }>> = {
  persons: { code: 'id_number', legalWhen: 'false' },
  legal_persons: { code: 'uscc', legalWhen: 'true' },
  records: { code: 'one_code', legalWhen: LEGAL_PERSON_RECORD_SQL },
  aliases: { code: 'code', legalWhen: `alias_kind IN ('org_code', 'business_reg_no')` },
  conflicts: { code: 'code', legalWhen: `entity = 'legal_person'` },
  lineage: { code: 'code', legalWhen: `entity = 'legal_person'` },
  relations: { code: 'from_code', legalWhen: `from_entity = 'legal_person'` },
  licences: { code: 'holder_code', legalWhen: LICENCE_LEGAL_HOLDER_SQL },
};

/**
 * SQL of the region (4 digits as text, or NULL) of a row of `view`, read from its one code in
 * clear (before any policy protects it); undefined for a view written whole.
 */
export function regionSql(view: string): string | undefined {
  const p = PARTITIONED_VIEWS[view];
  if (p === undefined) return undefined;
  const code = quoteIdent(p.code);
  const digits = (region: string) => `CASE WHEN regexp_full_match(${region}, '[0-9]{6}') THEN substr(${region}, 1, ${REGION_DIGITS}) END`;
  return `CASE WHEN coalesce(${p.legalWhen}, false) THEN ${digits(DERIVED.legal_person.region_code!(code))} ELSE ${digits(DERIVED.person.region_code!(code))} END`;
}
