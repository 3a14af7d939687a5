/**
 * How each column of an analyst view is written by an export under its policy per class
 * (export-policy.ts). The analyst views' own table (src/access/analyst-view-columns.ts ANALYST_VIEWS, from
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
 *   (defaultClass) calls public: a legal person's name and region;
 * - `internal`: values analysts see in clear that field-classes.ts calls internal: a person's sex
 *   and region (both read from the ID number), an employer's name, a record's `updated_at`;
 * - `metadata`: every other column (pipeline and system names, run ids and counts, timestamps,
 *   reason codes, entity and field names): not a value about a person or legal person, written as
 *   it is under every policy.
 *
 * One classification for every exit: a value of a canonical or golden field that the table shows
 * in clear takes, besides the class above, the class the pipelines declare (`classification:`,
 * recorded per run in event_classes and read back by src/outbox/event-classes.ts, as the feeds and
 * sinks read them), and the stricter of the two wins. A golden field (the `persons` and
 * `legal_persons` views, a `lineage` value, a `relations` party's name) takes the strictest class
 * its entity's pipelines give it (field-classes.ts goldenFieldClasses); a source record's column
 * (`records`, a `conflicts` value) the class its own pipeline gives it (recordedFieldClass), or the
 * field's default for a pipeline nothing was recorded of (as for a column mapped and not
 * classified; a typed column such as `updated_at` keeps its type under the default policy). So
 * a legal person's registered address is `personal` by default (field-classes.ts, GB/T 35273-2020:
 * an individual business is often registered at its owner's home), as in the feeds, and a sole
 * proprietorship's name declared `personal` is masked by its pipeline's declaration. The codes
 * (one codes, legacy codes, employers' USCCs) and source keys keep the table's class: as in the
 * feeds, identities follow the policy alone, never a pipeline's classes. A value so classed
 * `personal` is masked by the pattern of its field's kind (an address keeps its first 6
 * characters), or whole when the field has none (a legal person's name).
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
import { ANALYST_VIEWS } from '../access/analyst-view-columns.ts';
import type { ProtectSql } from '../access/protect-functions.ts';
import type { Subject, ValueKind } from '../access/personal-values.ts';
import type { EventClasses } from '../outbox/event-classes.ts';
import { defaultClass, FEED_CLASSES, fieldKind, strictest, type ClassedValue, type FeedClass } from '../protect/field-classes.ts';
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
 * The class the analyst views' table gives a value of `kind` about `subject`, in a column (or, for
 * `lineage` and `conflicts`, a field) named `field`; the pipelines' recorded class may be stricter
 * (see the module's doc).
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

/**
 * Whether a value of `kind` in a column (or field) named `field` takes the pipelines' recorded class
 * besides the analyst views' table's (see the module's doc): a value the table shows in clear of a
 * canonical or golden field; not a code or a source key (identities follow the policy alone), nor
 * metadata.
 */
export function takesRecordedClass(kind: ValueKind, field: string): boolean {
  return kind === 'clear' && VALUE_FIELDS.has(field) && field !== 'source_key';
}

/**
 * The class of canonical field `field` about `subject` in the source records of a pipeline nothing
 * was recorded of: the field's default (as for a column mapped and not classified), so a typed
 * column such as `updated_at` keeps its type.
 */
export function unrecordedFieldClass(subject: Subject, field: string): ClassedValue {
  return { class: defaultClass(subject, field), kind: fieldKind(subject, field) };
}

/**
 * The kind a value of table kind `kind` about `subject` (field `field`) is guarded as when the
 * pipelines' class `recorded` applies (for the lookup guard, src/access/protect-document.ts, which
 * changes values one by one with guard-value.ts): the table's kind, unless the value takes the
 * recorded class ({@link takesRecordedClass}) and that class, the stricter of it and the table's,
 * is `personal`: then the pattern of the field's kind (an address keeps its first 6 characters),
 * or `opaque` (masked whole, pseudonymised) when the field has none, as {@link exportColumnSql}
 * writes it under the analysts' policy (public and internal values in clear).
 */
export function kindUnderClass(kind: ValueKind, subject: Subject, field: string, recorded: ClassedValue | undefined): ValueKind {
  if (recorded === undefined || !takesRecordedClass(kind, field)) return kind;
  const table = classOfKind(kind, subject, field);
  if (table === 'metadata') return kind;
  return strictest([table, recorded.class]) === 'personal' ? recorded.kind ?? 'opaque' : kind;
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

/**
 * The SQL of one value of `kind` about `subject` (field `field`), or undefined when it is dropped;
 * `recorded`: the pipelines' class of the field, when it is one they classify (the stricter wins).
 */
function valueSql(expr: string, kind: ValueKind, subject: Subject, field: string, policy: FeedPolicy, protectors: Protectors, recorded?: ClassedValue): { sql: string | undefined; c: ExportClass; p: ExitPolicy } {
  const table = classOfKind(kind, subject, field);
  const c = recorded === undefined || table === 'metadata' ? table : strictest([table, recorded.class])!;
  if (kind === 'withheld' || kind === 'reasons') {
    // texts that may quote a value of any class (a payload holds employers' names, a flag's message the value it flags)
    if (FEED_CLASSES.every((k) => policy[k] === 'clear')) return { sql: expr, c, p: 'clear' };
    return kind === 'reasons' ? { sql: protectors.mask!('reasons', expr), c, p: 'mask' } : { sql: undefined, c, p: 'drop' };
  }
  const p: ExitPolicy = c === 'metadata' ? 'clear' : policy[c];
  if (p === 'clear') return { sql: expr, c, p };
  if (p === 'drop') return { sql: undefined, c, p };
  const protect = protectors[p]!;
  // a personal kind has its pattern or pseudonym, as has a field classed personal whose kind has one (an
  // address); any other value is masked whole or pseudonymised (as `opaque`)
  const personalKind = kind !== 'clear' && kind !== 'uscc' && kind !== 'legacy_code';
  return { sql: protect(personalKind ? kind : recorded?.kind ?? 'opaque', expr), c, p };
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Views of source records, with each row's pipeline in column `pipeline`: their values take their own pipeline's classes (a licence's too). */
const RECORD_VIEWS: ReadonlySet<string> = new Set(['records', 'conflicts', 'licences']);

/**
 * The SQL select item of `column` of `view` under `policy`, with what was done to it, or undefined
 * when the column is left out (not listed in the analyst views' table, or dropped for every row).
 * `protectors` must hold `mask` (used for reasons under any policy but clear) and, when a class's
 * policy is `pseudonymise`, `pseudonymise`. `classes`: the pipelines' recorded classes
 * (src/outbox/event-classes.ts readEventClasses), applied as the module's doc says.
 */
export function exportColumnSql(view: string, column: string, policy: FeedPolicy, protectors: Protectors, classes: EventClasses): { sql: string; column: ExportColumn } | undefined {
  const rule: Rule | undefined = ANALYST_VIEWS[view]?.[column];
  if (rule === undefined) return undefined;
  const expr = ident(column);
  // the field a column holds: a relation's `from_name` and `to_name` are names
  const field = column.replace(/^(from|to)_/, '');
  const described: { c: ExportClass; p: ExitPolicy }[] = [];
  const value = (kind: ValueKind, subject: Subject, field: string, recorded?: ClassedValue): string | undefined => {
    const v = valueSql(expr, kind, subject, field, policy, protectors, recorded);
    described.push(v);
    return v.sql;
  };
  const one = (kind: ValueKind, subject: Subject, field: string): string | undefined => {
    // codes and source keys are identities: the table's class alone (the module's doc)
    if (!takesRecordedClass(kind, field)) return value(kind, subject, field);
    if (!RECORD_VIEWS.has(view)) return value(kind, subject, field, classes.golden(subject).get(field));
    // a source record's value: its pipeline's class; for a pipeline nothing was recorded of, the
    // field's default (as for a column mapped and not classified), so a typed column keeps its type
    const unrecorded = unrecordedFieldClass(subject, field);
    const fallback = value(kind, subject, field, unrecorded);
    const byPipeline = new Map<string, string[]>();
    for (const pipeline of classes.pipelines) {
      const sql = value(kind, subject, field, classes.field(pipeline, subject, field) ?? unrecorded) ?? 'NULL';
      if (sql !== (fallback ?? 'NULL')) byPipeline.set(sql, [...(byPipeline.get(sql) ?? []), pipeline]);
    }
    if (byPipeline.size === 0) return fallback;
    const whens = [...byPipeline].map(([sql, pipelines]) => `WHEN ${ident('pipeline')} IN (${pipelines.map(quoteLiteral).join(', ')}) THEN ${sql}`);
    return `CASE ${whens.join(' ')} ELSE ${fallback ?? 'NULL'} END`;
  };
  /** One value per subject: `legal` the SQL condition of a legal person's row; undefined when both are dropped. */
  const bySubject = (legal: string, of: (subject: Subject) => string | undefined): string | undefined => {
    const l = of('legal_person');
    const p = of('person');
    return l === undefined && p === undefined ? undefined : `CASE WHEN ${legal} THEN ${l ?? 'NULL'} ELSE ${p ?? 'NULL'} END`;
  };
  let sql: string | undefined;
  if (rule === 'code' && protectors.mask !== undefined) {
    // a change's code: a legal person's USCC when the analysts' mask leaves it as it is, else a person's number
    sql = bySubject(`${protectors.mask('code', expr)} IS NOT DISTINCT FROM CAST(${expr} AS VARCHAR)`,
      (subject) => value(subject === 'legal_person' ? 'uscc' : 'code', subject, field));
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
