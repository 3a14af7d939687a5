/**
 * The guess at the heart of `onecode discover`: from a source's columns and a profile of sampled
 * rows, the entity, the mapping canonical field → column, the classification of columns, the
 * source key, the mode, a cursor and a delete flag — each with its evidence in words, never a
 * value of the source.
 *
 * Steps: what each column holds (column-concepts.ts: header dictionary, then values), the entity
 * (choose-entity.ts), then the field each column takes for that entity (below), then how the
 * source is read (read-suggestions.ts).
 */
import type { ConnectorCapabilities } from '../../connectors/types.ts';
import type { CanonicalField, EntityKind } from '../../schemas/canonical.ts';
import type { FieldClass } from '../../schemas/pipeline.ts';
import { chooseEntity, type EntityChoice } from './choose-entity.ts';
import { columnConcepts, FIELD_KIND, type ColumnConcept, type Concept } from './column-concepts.ts';
import type { ColumnProfile } from './profile-columns.ts';
import { suggestRead, type ReadSuggestion } from './read-suggestions.ts';

/** One column: what it holds, the field proposed for it, its class, and the evidence. */
export interface ColumnGuess extends ColumnConcept {
  /** The canonical field the column is mapped to, if any. */
  field?: CanonicalField;
  /** The protection class proposed, if any (unclassified columns are left to the pipeline's default). */
  classification?: FieldClass;
  /** Why the column is not mapped though its header or values suggested a field. */
  unmappedWhy?: string;
}

/** The whole guess. */
export interface Guess extends ReadSuggestion {
  entity: EntityChoice;
  /** Canonical field → column, in canonical order. */
  mapping: Partial<Record<CanonicalField, string>>;
  columns: ColumnGuess[];
  /** Column → class, in column order. */
  classification: Record<string, FieldClass>;
}

/** Options of {@link guessPipeline}. */
export interface GuessOptions {
  /** The entity, when the user says what a row is (`--entity`). */
  entity?: EntityKind;
  /** What the connector can do with its options (a cursor is proposed only where it can). */
  capabilities: ConnectorCapabilities;
}

/** Guesses a pipeline for profiled columns (module doc). */
export function guessPipeline(profiles: readonly ColumnProfile[], options: GuessOptions): Guess {
  const concepts = columnConcepts(profiles);
  const entity = chooseEntity(concepts, options.entity);
  const columns = assignFields(concepts, entity);
  for (const column of columns) {
    const cls = classOf(column, entity);
    if (cls !== undefined) column.classification = cls;
  }
  const mapping: Partial<Record<CanonicalField, string>> = {};
  for (const c of [...columns].sort((a, b) => fieldOrder(a.field) - fieldOrder(b.field))) if (c.field) mapping[c.field] = c.profile.name;
  const classification: Record<string, FieldClass> = {};
  for (const c of columns) if (c.classification) Object.defineProperty(classification, c.profile.name, { value: c.classification, enumerable: true, writable: true, configurable: true });
  return { entity, mapping, columns, classification, ...suggestRead(columns, entity, options.capabilities) };
}

const CANONICAL_ORDER: readonly CanonicalField[] = [
  'id_number', 'uscc', 'org_code', 'business_reg_no', 'name', 'sex', 'birth_date', 'phone', 'employer_name',
  'employer_uscc', 'legal_representative', 'legal_representative_id_number', 'address', 'updated_at',
];
const fieldOrder = (f: CanonicalField | undefined) => (f === undefined ? -1 : CANONICAL_ORDER.indexOf(f));

/**
 * The field a concept takes in a pipeline of this entity, or why none:
 * - a person's ID number: `id_number` when rows are about persons, `legal_representative_id_number`
 *   when about organisations;
 * - an organisation's USCC: `uscc` when rows are about organisations, `employer_uscc` in a person
 *   source, none in a record about persons (a record maps one subject);
 * - a person's name: `name` when rows are about persons, none in a legal-person source;
 * - an organisation's name: `name` when rows are about organisations, `employer_name` in a person
 *   source, none in a record about persons;
 * - any other canonical field: itself.
 */
function fieldFor(concept: Concept, entity: EntityChoice): { field?: CanonicalField; why?: string } {
  const aboutPersons = entity.subject === 'person';
  switch (concept.kind) {
    case 'person_id':
      return { field: aboutPersons ? 'id_number' : 'legal_representative_id_number' };
    case 'org_id':
      if (!aboutPersons) return { field: 'uscc' };
      return entity.entity === 'person' ? { field: 'employer_uscc' } : { why: 'USCCs in a record about persons: a record maps one subject' };
    case 'person_name':
      return aboutPersons ? { field: 'name' } : { why: "a person's name in a source about organisations: map it by hand if it is the legal representative" };
    case 'org_name':
      if (!aboutPersons) return { field: 'name' };
      return entity.entity === 'person' ? { field: 'employer_name' } : { why: "an organisation's name in a record about persons" };
    case 'field':
      return { field: concept.field };
    default:
      return {};
  }
}

/**
 * Assigns each column its field; where several columns propose one field the strongest wins (an
 * exact header over a header's ending over values alone, then the larger share of values that
 * fit the field, then the earlier column) and the others say which column took it.
 */
function assignFields(concepts: readonly ColumnConcept[], entity: EntityChoice): ColumnGuess[] {
  const guesses: ColumnGuess[] = concepts.map((c) => {
    const { field, why } = fieldFor(c.concept, entity);
    return { ...c, ...(field ? { field } : {}), ...(why ? { unmappedWhy: why } : {}) };
  });
  // The subject column wins its field outright: the one code is what the entity was chosen by.
  const byField = new Map<CanonicalField, ColumnGuess[]>();
  for (const g of guesses) if (g.field) byField.set(g.field, [...(byField.get(g.field) ?? []), g]);
  for (const [field, claimants] of byField) {
    if (claimants.length < 2) continue;
    const ranked = [...claimants].sort((a, b) => strength(b, field, entity) - strength(a, field, entity) || a.profile.position - b.profile.position);
    for (const loser of ranked.slice(1)) {
      delete loser.field;
      loser.unmappedWhy = `also looks like ${field}; ${ranked[0]!.profile.name} is mapped to it`;
    }
  }
  return guesses;
}

function strength(g: ColumnGuess, field: CanonicalField, entity: EntityChoice): number {
  if (entity.subjectColumn?.profile.name === g.profile.name) return 100;
  const header = g.by === 'values' ? 1 : g.match?.how === 'exact' ? 3 : 2;
  return header + fitShare(g.profile, field);
}

/** The share of a column's values that fit a field (identifiers valid, phones, dates), or 0 for free text. */
function fitShare(p: ColumnProfile, field: CanonicalField): number {
  const kind = FIELD_KIND[field];
  if (kind !== undefined) return p.identifiers[kind];
  if (field === 'phone') return p.phones;
  if (field === 'updated_at') return p.timestamps;
  if (field === 'birth_date') return p.dates;
  return 0;
}

/**
 * The class proposed for a column, mapped or not (an unmapped column is in every record's
 * payload):
 * - `personal` (PIPL Art. 4): persons' ID numbers and names, birth dates, phone numbers,
 *   the legal representative and their ID number, and addresses in sources about persons. An
 *   organisation's registered address is public (it is published with its registration), so it
 *   is left unclassified; sex is derived from the ID number and is left as the bundled pipelines
 *   leave it.
 * - `secret` (never stored, dropped at extraction): passwords and tokens, which the index has no
 *   use for, and bank card / account numbers, which PIPL Art. 28 counts as sensitive personal
 *   information and which identify no one in the one-code index (the minimum-necessary rule of
 *   Art. 6): a pipeline that must keep them in the payload changes `secret` to `personal`.
 */
function classOf(g: ColumnGuess, entity: EntityChoice): FieldClass | undefined {
  const c = g.concept;
  if (c.kind === 'role' && (c.role === 'password' || c.role === 'bank_account')) return 'secret';
  if (c.kind === 'person_id' || c.kind === 'person_name') return 'personal';
  if (g.field === 'name' && entity.subject === 'person') return 'personal';
  if (c.kind === 'field') {
    if (['birth_date', 'phone', 'legal_representative', 'legal_representative_id_number'].includes(c.field)) return 'personal';
    if (c.field === 'address' && entity.subject === 'person') return 'personal';
  }
  return undefined;
}

/** Share of values that fit a column's mapped field, for evidence (undefined for free text). */
export function fieldFit(g: ColumnGuess): { share: number; what: string } | undefined {
  if (g.field === undefined) return undefined;
  const kind = FIELD_KIND[g.field];
  if (kind !== undefined) return { share: g.profile.identifiers[kind], what: `valid ${kind.replace(/_/g, ' ')}` };
  if (g.field === 'phone') return { share: g.profile.phones, what: 'phone numbers' };
  if (g.field === 'updated_at') return { share: g.profile.timestamps, what: 'timestamps' };
  if (g.field === 'birth_date') return { share: g.profile.dates, what: 'dates' };
  return undefined;
}

