/**
 * The guard of a lookup document (src/index/lookup.ts LookupDocument): every personal value in
 * it under an exit policy, and the codes it shows. One walk over the document, driven by
 * {@link documentRule}, a table of which keys hold what in which part of the document; the kinds
 * come from personal-values.ts (the same table the analysts' SQL views use), made stricter by the
 * classes the pipelines declare (recorded in event_classes, src/outbox/event-classes.ts) as the
 * export and the analysts' views apply them (src/export/export-columns.ts kindUnderClass: a golden
 * field takes its entity's pipelines' strictest class, a source record's field its own pipeline's;
 * codes and source keys the table's alone), so a lookup, a query and an export show a value
 * alike; the values are changed by guard-value.ts.
 *
 * Under any policy but `clear`, a key the table does not list is left out: a field added to the
 * document later is not shown until it is listed (fail closed; tests/access list every key).
 */
import type { LookupDocument } from '../index/lookup.ts';
import { kindUnderClass, unrecordedFieldClass } from '../export/export-columns.ts';
import type { EventClasses } from '../outbox/event-classes.ts';
import type { ExitPolicy } from '../protect/policy.ts';
import { guardValue, isLegalPersonCode, LEFT_OUT } from './guard-value.ts';
import {
  ALIAS_FIELD_KINDS, aliasSubject, CODE_KINDS, GOLDEN_CODE_KIND, GOLDEN_FIELD_KINDS, GOLDEN_NAME_KIND, LICENCE_FIELD_KINDS, PERSON_CODE_KINDS, RECORD_FIELD_KINDS,
  type Subject, type ValueKind,
} from './personal-values.ts';

/** How a part of the document is guarded. */
export type Rule =
  /** a value of this kind */
  | ValueKind
  /** an object: the rule of each key; a key not listed is left out */
  | { readonly fields: Readonly<Record<string, Rule>> }
  /** an object keyed by names (lineage: field → where its value comes from): the rule of each name */
  | { readonly entries: (name: string) => Rule }
  /** a list: the rule of each item */
  | { readonly each: Rule }
  /** an object whose rule depends on its own content (a record on its subject) */
  | { readonly pick: (value: Record<string, unknown>) => Rule };

const fieldsOf = (kinds: Readonly<Record<string, ValueKind>>): Rule => ({ fields: kinds });
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The subject of a source record: its entity's, and for a business record (`entity: record`) its
 * one code's: a legal person's when the code reads as a USCC only, else a person's.
 */
function recordSubject(record: Record<string, unknown>): Subject {
  if (record.entity === 'legal_person') return 'legal_person';
  if (record.entity === 'person') return 'person';
  return typeof record.one_code === 'string' && isLegalPersonCode(record.one_code) ? 'legal_person' : 'person';
}

/**
 * The kinds of `table` (field → kind, about `subject`) made stricter by the pipelines' classes
 * (`classOf(field)`, undefined: none); the table itself without classes (for the codes a document
 * shows, which no class changes).
 */
function kindsUnder(table: Readonly<Record<string, ValueKind>>, subject: Subject, classOf: ((field: string) => ReturnType<EventClasses['field']>) | undefined): Readonly<Record<string, ValueKind>> {
  if (classOf === undefined) return table;
  return Object.fromEntries(Object.entries(table).map(([field, kind]) => [field, kindUnderClass(kind, subject, field, classOf(field))]));
}

/** The kinds of a golden record's fields about `s`: the table's and its entity's pipelines' classes, the stricter winning. */
const goldenKinds = (s: Subject, classes: EventClasses | undefined): Readonly<Record<string, ValueKind>> =>
  kindsUnder(GOLDEN_FIELD_KINDS[s], s, classes && ((field) => classes.golden(s).get(field)));

/** The document's rules of values that pipelines classify: golden fields by their entities, records by their own pipelines. */
function classedRules(classes: EventClasses | undefined) {
  const golden = { person: goldenKinds('person', classes), legal_person: goldenKinds('legal_person', classes) };
  const record: Rule = {
    pick: (r) => {
      const s = recordSubject(r);
      const pipeline = typeof r.pipeline === 'string' ? r.pipeline : undefined;
      // a source record's field: its own pipeline's class, the field's default for a pipeline nothing was recorded of
      const classOf = classes && ((field: string) => (pipeline === undefined ? undefined : classes.field(pipeline, s, field)) ?? unrecordedFieldClass(s, field));
      return fieldsOf(kindsUnder(RECORD_FIELD_KINDS[s], s, classOf));
    },
  };
  const party: Rule = {
    pick: (p) => {
      const s: Subject = p.entity === 'legal_person' ? 'legal_person' : 'person';
      return { fields: { entity: 'clear', code: GOLDEN_CODE_KIND[s], name: golden[s].name ?? GOLDEN_NAME_KIND[s], in_index: 'clear' } };
    },
  };
  /** Lineage of a golden record of `s`: per field, its value of that field's kind and the supplying record's source key. */
  const lineageOf = (s: Subject): Rule => ({
    entries: (field) => ({
      fields: {
        value: golden[s][field] ?? 'withheld', source: 'clear', system: 'clear', pipeline: 'clear',
        source_key: RECORD_FIELD_KINDS[s].source_key!, run_id: 'clear', rule: 'clear',
      },
    }),
  });
  return { golden, record, party, lineageOf };
}

const ALIAS: Rule = { pick: (a) => fieldsOf(ALIAS_FIELD_KINDS[aliasSubject(a.alias_kind)]) };

/**
 * The rule of a whole document: its subject is the looked-up code's (a person's for a resident
 * identity number); `classes`, the pipelines' recorded classes (undefined: the table's kinds alone).
 */
function documentRule(doc: LookupDocument, classes?: EventClasses): Rule {
  const s: Subject = PERSON_CODE_KINDS.has(doc.identifier.kind) ? 'person' : 'legal_person';
  const alias = ALIAS_FIELD_KINDS[s].alias!;
  const { golden, record, party, lineageOf } = classedRules(classes);
  const partyList: Rule = { fields: { total: 'clear', items: { each: party } } };
  return {
    fields: {
      code: GOLDEN_CODE_KIND[s],
      alias,
      identifier: { fields: { kind: 'clear', status: 'clear', reasons: 'reasons', subtype: 'clear', alias } },
      person: fieldsOf(golden.person),
      legal_person: fieldsOf(golden.legal_person),
      records: { each: record },
      lineage: { fields: { person: lineageOf('person'), legal_person: lineageOf('legal_person') } },
      relations: { fields: { employer: party, legal_representative_of: partyList, legal_representative: party, employees: partyList } },
      referenced_by: { each: record },
      aliases: { each: ALIAS },
      unlinked: { each: record },
      ambiguous: { each: 'uscc' },
      licences: { each: fieldsOf(LICENCE_FIELD_KINDS[s]) },
      systems: 'clear',
    },
  };
}

/** What a walk does with each value, and with each key no rule lists (its path, `records.0.x`). */
interface Visitor {
  value(value: unknown, kind: ValueKind): unknown;
  unlisted?(path: string): void;
}

/** The value under `rule`, each value through the visitor; {@link LEFT_OUT} for what goes. */
function walk(value: unknown, rule: Rule, visitor: Visitor, path: string): unknown {
  if (typeof rule === 'string') return visitor.value(value, rule);
  if (value === null || value === undefined) return value;
  if ('pick' in rule) return isObject(value) ? walk(value, rule.pick(value), visitor, path) : LEFT_OUT;
  if ('each' in rule) {
    if (!Array.isArray(value)) return LEFT_OUT;
    return value.map((item, i) => walk(item, rule.each, visitor, `${path}.${i}`)).filter((item) => item !== LEFT_OUT);
  }
  if (!isObject(value)) return LEFT_OUT;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const itemRule = 'fields' in rule ? rule.fields[key] : rule.entries(key);
    const at = path === '' ? key : `${path}.${key}`;
    if (itemRule === undefined) {
      visitor.unlisted?.(at);
      continue;
    }
    const shown = walk(item, itemRule, visitor, at);
    if (shown !== LEFT_OUT) out[key] = shown;
  }
  return out;
}

/**
 * The document as it may leave under `policy`: every personal value masked, pseudonymised or
 * dropped (personal-values.ts says which and of what kind, `classes` may make a value stricter):
 * - the golden person's `id_number`, `name`, `phone`, `birth_date`; a golden legal person's
 *   `legal_representative` and `legal_representative_id_number`, and every other golden field
 *   that a pipeline of its entity classes `personal` (recorded, or by default: a legal person's
 *   registered `address`, GB/T 35273-2020, as in a query and an export); its USCC, organisation
 *   code and region are not personal, its name only when a pipeline declares it so;
 * - each record's `one_code`, `source_key`, and under any policy but `clear` no `payload` (the
 *   source columns as loaded, which onecode cannot tell personal or not) and `flags` without
 *   their messages (a message may quote the value it is about), by the record's subject; a
 *   canonical field of a record by its own pipeline's class;
 * - lineage values by field (as the golden field), relations' codes, names of persons and names
 *   classed personal, `referenced_by`, `aliases` (a 15-digit resident identity number is
 *   personal), `unlinked`;
 * - the top-level `code`, `alias` and `identifier.alias` when the code is a person's, and the
 *   messages of `identifier.reasons`;
 * - each licence's `licence_identifier` and `licence_number` when its holder is a person
 *   (LICENCE_FIELD_KINDS), and the messages of its `flags`.
 * Under `mask` a person's code shows its masked form, under `pseudonymise` its pseudonym (the same
 * as in an analyst's query of `persons`, so they join); a value classed personal by a pipeline is
 * masked by its field's pattern (an address keeps its first 6 characters) or whole when the field
 * has none (a legal person's name). `drop` removes those keys altogether (the result then lacks
 * keys its type names). `clear` returns `doc` itself.
 * @param classes the pipelines' recorded classes (src/outbox/event-classes.ts readEventClasses,
 *   read from the index the document was looked up in).
 * @param key the pseudonymisation key, needed for `pseudonymise`.
 * @throws RangeError for `pseudonymise` without a key.
 */
export function protectLookupDocument(doc: LookupDocument, policy: ExitPolicy, classes: EventClasses, key?: Buffer): LookupDocument {
  if (policy === 'clear') return doc;
  if (policy === 'pseudonymise' && key === undefined) throw new RangeError('pseudonymise needs a key (ONECODE_PSEUDONYM_KEY_FILE)');
  return walk(doc, documentRule(doc, classes), { value: (value, kind) => guardValue(value, kind, policy, key) }, '') as LookupDocument;
}

/**
 * Any answer guarded by `rule` (the walk protectLookupDocument makes over a lookup document), for
 * the other answers that show personal values (a materials answer: protected-materials.ts), and
 * every code the rule's code kinds meet in it (for access_log.codes), taken before protection.
 * @throws RangeError for `pseudonymise` without a key.
 */
export function protectByRule<T>(answer: T, rule: Rule, policy: ExitPolicy, key?: Buffer): { shown: T; codes: string[] } {
  const codes = codesByRule(answer, rule);
  if (policy === 'pseudonymise' && key === undefined) throw new RangeError('pseudonymise needs a key (ONECODE_PSEUDONYM_KEY_FILE)');
  const shown = policy === 'clear' ? answer : walk(answer, rule, { value: (value, kind) => guardValue(value, kind, policy, key) }, '') as T;
  return { shown, codes };
}

/** The values of code kinds (CODE_KINDS) that `rule` meets in `value`, once each, in the order met. */
function codesByRule(value: unknown, rule: Rule): string[] {
  const codes = new Set<string>();
  walk(value, rule, {
    value: (v, kind) => {
      if (CODE_KINDS.has(kind) && typeof v === 'string' && v !== '') codes.add(v);
      return v;
    },
  }, '');
  return [...codes];
}

/**
 * Every code the document shows, once each, in the order met: the looked-up code and its alias,
 * the golden records' codes (the legal representative's ID number, the employer's USCC), every
 * record's one code, the relations' codes, the aliases. For access_log.codes.
 */
export function codesInDocument(doc: LookupDocument): string[] {
  return codesByRule(doc, documentRule(doc));
}

/** Paths of the keys of `doc` that no rule lists (left out under any policy but clear); for tests and reviews. */
export function unlistedPaths(doc: LookupDocument): string[] {
  const paths: string[] = [];
  walk(doc, documentRule(doc), { value: (value) => value, unlisted: (path) => paths.push(path) }, '');
  return paths;
}
