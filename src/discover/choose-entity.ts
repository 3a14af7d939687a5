/**
 * What one row of a source is — a person, a legal person, or a business record about one of
 * them — judged from what its columns hold (column-concepts.ts).
 */
import type { EntityKind } from '../../schemas/canonical.ts';
import type { ColumnConcept } from './column-concepts.ts';

/** The entity, the column holding the row's one code (its subject), and why, in words without values. */
export interface EntityChoice {
  entity: EntityKind;
  /** Whose code the one code is: a person's ID number or an organisation's USCC. */
  subject: 'person' | 'organisation';
  /** The column holding the one code, if any column does. */
  subjectColumn?: ColumnConcept;
  why: string;
}

/**
 * Chooses the entity (unless `forced`):
 * - columns holding organisations' codes and none holding persons' → legal_person; persons' and
 *   no organisations' → person; both → legal_person when a legal representative column is there,
 *   person when an employer column is, else the one whose column has the larger share of distinct
 *   values (a registry's own code repeats least);
 * - then a business record instead when a transaction serial column (流水号) is there, or when
 *   the subject's code repeats within the sample and another column identifies the rows.
 * With no code column at all, `person` with no subject column (the proposal marks the TODO).
 */
export function chooseEntity(concepts: readonly ColumnConcept[], forced?: EntityKind): EntityChoice {
  const persons = concepts.filter((c) => c.concept.kind === 'person_id');
  const organisations = concepts.filter((c) => c.concept.kind === 'org_id');
  const pick = pickSubject(concepts, persons, organisations);
  if (forced !== undefined) {
    const subject = forced === 'person' ? 'person' : forced === 'legal_person' ? 'organisation' : pick.subject;
    const subjectColumn = subject === 'person' ? persons[0] : organisations[0];
    return { entity: forced, subject, ...(subjectColumn ? { subjectColumn } : {}), why: `--entity ${forced}` };
  }
  const subjectColumn = pick.subject === 'person' ? persons[0] : organisations[0];
  if (subjectColumn === undefined) return { entity: 'person', subject: 'person', why: pick.why };
  const record = recordSignal(concepts, subjectColumn);
  if (record !== undefined) return { entity: 'record', subject: pick.subject, subjectColumn, why: `${pick.why}; ${record}` };
  return { entity: pick.subject === 'person' ? 'person' : 'legal_person', subject: pick.subject, subjectColumn, why: pick.why };
}

function pickSubject(concepts: readonly ColumnConcept[], persons: ColumnConcept[], organisations: ColumnConcept[]): { subject: 'person' | 'organisation'; why: string } {
  const names = (list: ColumnConcept[]) => list.map((c) => c.profile.name).join(', ');
  if (persons.length === 0 && organisations.length === 0) return { subject: 'person', why: 'no column holds resident ID numbers or USCCs' };
  if (persons.length === 0) return { subject: 'organisation', why: `${names(organisations)} holds USCCs and no column holds persons' ID numbers` };
  if (organisations.length === 0) return { subject: 'person', why: `${names(persons)} holds resident ID numbers and no column holds USCCs` };
  const has = (field: string) => concepts.some((c) => c.concept.kind === 'field' && c.concept.field === field);
  if (has('legal_representative') || has('legal_representative_id_number')) {
    return { subject: 'organisation', why: `${names(organisations)} holds USCCs and a legal representative column is there` };
  }
  if (has('employer_name') || has('employer_uscc')) return { subject: 'person', why: `${names(persons)} holds resident ID numbers and an employer column is there` };
  const ratio = (c: ColumnConcept) => (c.profile.nonEmpty === 0 ? 0 : c.profile.distinct / c.profile.nonEmpty);
  return ratio(organisations[0]!) > ratio(persons[0]!)
    ? { subject: 'organisation', why: `both persons' and organisations' codes; ${organisations[0]!.profile.name} repeats less` }
    : { subject: 'person', why: `both persons' and organisations' codes; ${persons[0]!.profile.name} repeats no more` };
}

/** Why the rows look like business records, or undefined. */
function recordSignal(concepts: readonly ColumnConcept[], subject: ColumnConcept): string | undefined {
  const serial = concepts.find((c) => c.concept.kind === 'role' && c.concept.role === 'transaction_serial');
  if (serial !== undefined) return `${serial.profile.name} is a transaction serial, so a row is a business record`;
  const repeats = subject.profile.distinct < subject.profile.nonEmpty;
  const key = concepts.find((c) => c !== subject && isRowIdentifier(c));
  if (repeats && key !== undefined) {
    return `${subject.profile.name} repeats within the sample while ${key.profile.name} identifies the rows, so a row is a business record`;
  }
  return undefined;
}

/** A column of a key role (编号, id, 流水号) that is filled and unique in every sampled row. */
export function isRowIdentifier(c: ColumnConcept): boolean {
  return c.concept.kind === 'role' && (c.concept.role === 'row_key' || c.concept.role === 'transaction_serial') && isCompleteAndUnique(c);
}

/** Filled in every sampled row, no two rows alike. */
export function isCompleteAndUnique(c: ColumnConcept): boolean {
  const p = c.profile;
  return p.rows > 0 && p.nonEmpty === p.rows && p.distinct === p.nonEmpty;
}
