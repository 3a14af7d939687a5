/**
 * How each column of an analyst view is written by an export under its policy per class
 * (export-policy.ts). The analyst views' own table (src/access/analyst-views.ts ANALYST_VIEWS, from
 * src/access/personal-values.ts) says what kind of value each column holds, per subject (a
 * person's or a legal person's) and, for `lineage` and `conflicts`, per field; this module gives
 * each kind a class:
 *
 * - `personal`: the personal kinds (`id_number`, `person_name`, `phone`, `address`, `birth_date`;
 *   GB/T 35273-2020 Annex A, the ID number sensitive by Annex B), a one code whose subject is not
 *   known (`code`), a person's source key (`opaque`), the texts that may hold anything personal
 *   (`withheld`: `records.payload`, `quarantine.raw` and `raw_sm3`, `changes.event`,
 *   `source_states.state`) and the messages of flags and reasons (`reasons`);
 * - `public`: USCCs, organisation codes and registration numbers (GB 32100-2015: published by the
 *   registration authority), and the values analysts see in clear that field-classes.ts
 *   (defaultClass) calls public: a legal person's name, region and registered address;
 * - `internal`: values analysts see in clear that field-classes.ts calls internal: a person's sex
 *   and region (both read from the ID number), an employer's name, a record's `updated_at`;
 * - `metadata`: every other column (pipeline and system names, run ids and counts, timestamps,
 *   reason codes, entity and field names): not a value about a person or legal person, written as
 *   it is under every policy.
 *
 * A value whose subject the table leaves open is given one here: a change's `code` (kind `code`)
 * is a legal person's USCC, `public`, when the analysts' mask leaves it as it is (guard-value.ts
 * isLegalPersonCode), else a person's number, `personal`; a legal person's source key (often its
 * USCC or registration number) is `internal`, as field-classes.ts defaultClass gives a field it
 * does not list.
 *
 * Under the class's policy: `clear` writes the value; `mask` and `pseudonymise` write what the
 * lookup guard and the analysts' views would (src/access/guard-value.ts through the SQL functions
 * of src/access/protect-functions.ts: a masked ID number `350102***********X`, a pseudonym `p_` +
 * 32 hex characters, equal to an analyst's pseudonym under the same key), a public or internal
 * value masked whole (one `*` per character) or pseudonymised; `drop` writes nothing: a column
 * dropped for every row is left out of the files, one dropped for some rows only (a `records`
 * column about persons and legal persons) is NULL in those. The texts that may quote a value of
 * any class are written in clear only when every class is clear: otherwise a `withheld` text is
 * left out (it cannot be masked or pseudonymised in part), and a `reasons` list loses its
 * messages, keeping each item's code and field (they are not personal; the manifest says `mask`).
 * A column that the analyst views' table does not list is left out (fail closed), as for analysts.
 */
import { ANALYST_VIEWS } from '../access/analyst-views.ts';
import type { ProtectSql } from '../access/protect-functions.ts';
import type { Subject, ValueKind } from '../access/personal-values.ts';
import { defaultClass, FEED_CLASSES, type FeedClass } from '../protect/field-classes.ts';
import type { ExitPolicy } from '../protect/policy.ts';
import type { FeedPolicy } from '../push/feed-policy.ts';
import { CANONICAL_FIELDS, GOLDEN_FIELDS } from '../../schemas/canonical.ts';
import { quoteLiteral } from '../index/sql-text.ts';

/** The class of a column's values, or `metadata` for a column that holds none (see the module's doc). */
export type ExportClass = FeedClass | 'metadata';

/** How one column of a view is shown (src/access/analyst-views.ts). */
type Rule = (typeof ANALYST_VIEWS)[string][string];

/**
 * Canonical and golden field names, a record's source key and a licence's state (read from its
 * dates and status, which are values: the `licences` view): a `clear` column of one of these names
 * is a value, of another name metadata.
 */
const VALUE_FIELDS: ReadonlySet<string> = new Set([...CANONICAL_FIELDS, ...GOLDEN_FIELDS.person, ...GOLDEN_FIELDS.legal_person, 'region_code', 'source_key', 'licence_state']);

/**
 * The class of a value of `kind` about `subject`, in a column (or, for `lineage` and `conflicts`,
 * a field) named `field`.
 */
export function classOfKind(kind: ValueKind, subject: Subject, field: string): ExportClass {
  if (kind === 'uscc' || kind === 'legacy_code') return 'public';
  if (kind !== 'clear') return 'personal';
  if (!VALUE_FIELDS.has(field)) return 'metadata';
  // What analysts see in clear is never personal: a legal person's registered address is public
  // registration information (personal-values.ts), though field-classes.ts defaults `address` to personal.
  const c = defaultClass(subject, field);
  return c === 'personal' ? 'public' : c;
}

/** The protecting SQL of each policy that protects (registered by the caller for the policies the export uses). */
export type Protectors = Partial<Record<Extract<ExitPolicy, 'mask' | 'pseudonymise'>, ProtectSql>>;

/** A column as the export writes it. */
export interface ExportColumn {
  name: string;
  /** The classes of its values: one entry per distinct pair of class and {@link treatment} (a column about persons and legal persons has several). */
  classes: ExportClass[];
  /** What was done to the values of the class at the same position of {@link classes}: `clear`, `mask`, `pseudonymise` or `drop`. */
  treatment: string[];
}

/** The SQL of one value of `kind` about `subject` (field `field`), or undefined when it is dropped. */
function valueSql(expr: string, kind: ValueKind, subject: Subject, field: string, policy: FeedPolicy, protectors: Protectors): { sql: string | undefined; c: ExportClass; p: ExitPolicy } {
  const c = classOfKind(kind, subject, field);
  if (kind === 'withheld' || kind === 'reasons') {
    // texts that may quote a value of any class (a payload holds employers' names, a flag's message the value it flags)
    if (FEED_CLASSES.every((k) => policy[k] === 'clear')) return { sql: expr, c, p: 'clear' };
    return kind === 'reasons' ? { sql: protectors.mask!('reasons', expr), c, p: 'mask' } : { sql: undefined, c, p: 'drop' };
  }
  const p: ExitPolicy = c === 'metadata' ? 'clear' : policy[c];
  if (p === 'clear') return { sql: expr, c, p };
  if (p === 'drop') return { sql: undefined, c, p };
  const protect = protectors[p]!;
  // a personal kind has its pattern or pseudonym; any other value is masked whole or pseudonymised (as `opaque`)
  const personalKind = kind !== 'clear' && kind !== 'uscc' && kind !== 'legacy_code';
  return { sql: protect(personalKind ? kind : 'opaque', expr), c, p };
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * The SQL select item of `column` of `view` under `policy`, with what was done to it, or undefined
 * when the column is left out (not listed in the analyst views' table, or dropped for every row).
 * `protectors` must hold `mask` (used for reasons under any policy but clear) and, when a class's
 * policy is `pseudonymise`, `pseudonymise`.
 */
export function exportColumnSql(view: string, column: string, policy: FeedPolicy, protectors: Protectors): { sql: string; column: ExportColumn } | undefined {
  const rule: Rule | undefined = ANALYST_VIEWS[view]?.[column];
  if (rule === undefined) return undefined;
  const expr = ident(column);
  // the field a column holds: a relation's `from_name` and `to_name` are names
  const field = column.replace(/^(from|to)_/, '');
  const described: { c: ExportClass; p: ExitPolicy }[] = [];
  const one = (kind: ValueKind, subject: Subject, field: string): string | undefined => {
    const v = valueSql(expr, kind, subject, field, policy, protectors);
    described.push(v);
    return v.sql;
  };
  /** One value per subject: `legal` the SQL condition of a legal person's row; undefined when both are dropped. */
  const bySubject = (legal: string, value: (subject: Subject) => string | undefined): string | undefined => {
    const l = value('legal_person');
    const p = value('person');
    return l === undefined && p === undefined ? undefined : `CASE WHEN ${legal} THEN ${l ?? 'NULL'} ELSE ${p ?? 'NULL'} END`;
  };
  let sql: string | undefined;
  if (rule === 'code' && protectors.mask !== undefined) {
    // a change's code: a legal person's USCC when the analysts' mask leaves it as it is, else a person's number
    sql = bySubject(`${protectors.mask('code', expr)} IS NOT DISTINCT FROM CAST(${expr} AS VARCHAR)`,
      (subject) => one(subject === 'legal_person' ? 'uscc' : 'code', subject, field));
  } else if (typeof rule === 'string') {
    // one kind whoever the row is about: persons and legal_persons, changes, quarantine, runs…
    sql = one(rule, view === 'legal_persons' ? 'legal_person' : 'person', field);
  } else if (!('field' in rule)) {
    sql = bySubject(`coalesce(${rule.legalWhen}, false)`, (subject) => one(rule.kinds[subject], subject, field));
  } else {
    // the value's kind depends on the row's field (lineage, conflicts): one text value per row
    sql = bySubject(`coalesce(${rule.legalWhen}, false)`, (subject) => {
      const whens = Object.entries(rule.kinds[subject]).flatMap(([field, kind]) => {
        if (kind === 'reasons' || kind === 'withheld') return [];
        const s = one(kind, subject, field);
        return s === undefined ? [] : [`WHEN ${quoteLiteral(field)} THEN ${s}`];
      });
      return whens.length === 0 ? undefined : `CASE ${ident(rule.field)} ${whens.join(' ')} ELSE NULL END`;
    });
  }
  if (sql === undefined) return undefined;
  const pairs = [...new Map(described.map((d) => [`${d.c} ${d.p}`, d])).values()];
  return { sql: `${sql} AS ${ident(column)}`, column: { name: column, classes: pairs.map((d) => d.c), treatment: pairs.map((d) => d.p) } };
}
