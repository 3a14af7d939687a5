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
 * Under the class's policy: `clear` writes the value; `mask` and `pseudonymise` write what the
 * lookup guard and the analysts' views would (src/access/guard-value.ts through the SQL functions
 * of src/access/protect-functions.ts: a masked ID number `350102***********X`, a pseudonym `p_` +
 * 32 hex characters, equal to an analyst's pseudonym under the same key), a public or internal
 * value masked whole (one `*` per character) or pseudonymised; `drop` writes nothing: a column
 * dropped for every row is left out of the files, one dropped for some rows only (a `records`
 * column about persons and legal persons) is NULL in those. Whatever the policy, a `withheld` text
 * is written only in clear (it cannot be masked or pseudonymised in part: it is left out), and a
 * `reasons` list loses its messages, keeping each item's code and field (they are not personal).
 * A column that the analyst views' table does not list is left out (fail closed), as for analysts.
 */
import { ANALYST_VIEWS } from '../access/analyst-views.ts';
import type { ProtectSql } from '../access/protect-functions.ts';
import type { Subject, ValueKind } from '../access/personal-values.ts';
import { defaultClass, type FeedClass } from '../protect/field-classes.ts';
import type { ExitPolicy } from '../protect/policy.ts';
import type { FeedPolicy } from '../push/feed-policy.ts';
import { CANONICAL_FIELDS, GOLDEN_FIELDS } from '../../schemas/canonical.ts';
import { quoteLiteral } from '../index/sql-text.ts';

/** The class of a column's values, or `metadata` for a column that holds none (see the module's doc). */
export type ExportClass = FeedClass | 'metadata';

/** How one column of a view is shown (src/access/analyst-views.ts). */
type Rule = (typeof ANALYST_VIEWS)[string][string];

/** Canonical and golden field names: a `clear` column of one of these names is a value, of another name metadata. */
const VALUE_FIELDS: ReadonlySet<string> = new Set([...CANONICAL_FIELDS, ...GOLDEN_FIELDS.person, ...GOLDEN_FIELDS.legal_person, 'region_code']);

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
  /** The classes of its values (one, or one per subject or field). */
  classes: ExportClass[];
  /** What was done to it: `clear`, or the policies applied (`mask`, `pseudonymise`, `drop`) in the order of {@link classes}. */
  treatment: string[];
}

/** The SQL of one value of `kind` about `subject` (field `field`), or undefined when it is dropped. */
function valueSql(expr: string, kind: ValueKind, subject: Subject, field: string, policy: FeedPolicy, protectors: Protectors): { sql: string | undefined; c: ExportClass; p: ExitPolicy } {
  const c = classOfKind(kind, subject, field);
  const p: ExitPolicy = c === 'metadata' ? 'clear' : policy[c];
  if (p === 'clear') return { sql: expr, c, p };
  if (kind === 'reasons') return { sql: protectors.mask!('reasons', expr), c, p };
  if (p === 'drop' || kind === 'withheld') return { sql: undefined, c, p: 'drop' };
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
  let sql: string | undefined;
  if (typeof rule === 'string') {
    // one kind whoever the row is about: persons and legal_persons, changes, quarantine, runs…
    const subject: Subject = view === 'legal_persons' ? 'legal_person' : 'person';
    sql = one(rule, subject, field);
  } else {
    const legal = `coalesce(${rule.legalWhen}, false)`;
    if (!('field' in rule)) {
      const l = one(rule.kinds.legal_person, 'legal_person', field);
      const p = one(rule.kinds.person, 'person', field);
      sql = l === undefined && p === undefined ? undefined : `CASE WHEN ${legal} THEN ${l ?? 'NULL'} ELSE ${p ?? 'NULL'} END`;
    } else {
      // the value's kind depends on the row's field (lineage, conflicts): one text value per row
      const byField = (subject: Subject): string | undefined => {
        const whens = Object.entries(rule.kinds[subject]).flatMap(([field, kind]) => {
          if (kind === 'reasons' || kind === 'withheld') return [];
          const s = one(kind, subject, field);
          return s === undefined ? [] : [`WHEN ${quoteLiteral(field)} THEN ${s}`];
        });
        return whens.length === 0 ? undefined : `CASE ${ident(rule.field)} ${whens.join(' ')} ELSE NULL END`;
      };
      const l = byField('legal_person');
      const p = byField('person');
      sql = l === undefined && p === undefined ? undefined : `CASE WHEN ${legal} THEN ${l ?? 'NULL'} ELSE ${p ?? 'NULL'} END`;
    }
  }
  if (sql === undefined) return undefined;
  const classes = [...new Set(described.map((d) => d.c))];
  const treatment = [...new Set(described.map((d) => d.p))];
  return { sql: `${sql} AS ${ident(column)}`, column: { name: column, classes, treatment } };
}
