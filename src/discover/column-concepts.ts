/**
 * What each column holds, before the entity is known: its header's meaning (header-dictionary.ts),
 * checked against and, where the header is ambiguous or unknown, decided by its values' profile
 * (profile-columns.ts).
 */
import type { CanonicalField } from '../../schemas/canonical.ts';
import { lookupHeader, type HeaderMatch, type HeaderRole } from './header-dictionary.ts';
import type { ColumnProfile, ProfiledKind } from './profile-columns.ts';

/**
 * What a column holds: a person's ID number or name, an organisation's code or name (whose field
 * follows the entity), another canonical field, a role of the dictionary, or nothing known.
 */
export type Concept =
  | { kind: 'person_id' }
  | { kind: 'org_id' }
  | { kind: 'person_name' }
  | { kind: 'org_name' }
  | { kind: 'field'; field: CanonicalField }
  | { kind: 'role'; role: Exclude<HeaderRole, 'certificate_number'> }
  | { kind: 'unknown' };

/** A column, what it holds, and why (no value of the source: names, counts and shares only). */
export interface ColumnConcept {
  profile: ColumnProfile;
  match?: HeaderMatch;
  concept: Concept;
  /** How the concept was reached: `header` (the dictionary alone), `header+values`, `values`. */
  by: 'header' | 'header+values' | 'values' | 'none';
  /** A remark for people: why a header's meaning was overruled or left undecided. */
  note?: string;
}

/** Share of valid values from which values alone name an unknown header's identifier kind or phone. */
export const VALUES_ALONE_SHARE = 0.8;
/** Share of valid values from which values decide an ambiguous header (证件号码). */
export const AMBIGUOUS_HEADER_SHARE = 0.5;
/** Below this share of valid values (of at least {@link MIN_VALUES_TO_OVERRULE} values) an identifier header is overruled. */
export const OVERRULE_SHARE = 0.2;
export const MIN_VALUES_TO_OVERRULE = 10;

/** The identifier kind whose validity a field's values are measured by. */
export const FIELD_KIND: Partial<Record<CanonicalField, ProfiledKind>> = {
  id_number: 'resident_id',
  legal_representative_id_number: 'resident_id',
  uscc: 'uscc',
  employer_uscc: 'uscc',
  org_code: 'org_code',
  business_reg_no: 'business_reg_no',
};

/** What every column holds (module doc). */
export function columnConcepts(profiles: readonly ColumnProfile[]): ColumnConcept[] {
  return profiles.map(conceptOf);
}

function conceptOf(profile: ColumnProfile): ColumnConcept {
  const match = lookupHeader(profile.name);
  if (match === undefined) return byValuesAlone(profile);
  const { entry } = match;
  if (entry.meaning === 'certificate_number') return byValuesOfAmbiguousHeader(profile, match);
  const concept = headerConcept(entry.meaning, entry.describes);
  const kind = kindOfConcept(concept);
  if (kind !== undefined && profile.nonEmpty >= MIN_VALUES_TO_OVERRULE && profile.identifiers[kind] < OVERRULE_SHARE) {
    return overruled(profile, match, kind);
  }
  return { profile, match, concept, by: kind === undefined ? 'header' : 'header+values' };
}

function headerConcept(meaning: CanonicalField | HeaderRole, describes: 'person' | 'organisation' | undefined): Concept {
  if (meaning === 'id_number') return { kind: 'person_id' };
  if (meaning === 'uscc') return { kind: 'org_id' };
  if (meaning === 'name' && describes === 'person') return { kind: 'person_name' };
  if (meaning === 'name' && describes === 'organisation') return { kind: 'org_name' };
  if (meaning === 'certificate_number') return { kind: 'unknown' };
  if (isRole(meaning)) return { kind: 'role', role: meaning };
  return { kind: 'field', field: meaning };
}

function isRole(meaning: CanonicalField | HeaderRole): meaning is Exclude<HeaderRole, 'certificate_number'> {
  return ['row_key', 'transaction_serial', 'delete_flag', 'valid_flag', 'bank_account', 'password'].includes(meaning);
}

/** The identifier kind a concept's values must be, if any. */
export function kindOfConcept(concept: Concept): ProfiledKind | undefined {
  if (concept.kind === 'person_id') return 'resident_id';
  if (concept.kind === 'org_id') return 'uscc';
  if (concept.kind === 'field') return FIELD_KIND[concept.field];
  return undefined;
}

/** An identifier header whose values are mostly not that identifier: another kind they are, or nothing. */
function overruled(profile: ColumnProfile, match: HeaderMatch, kind: ProfiledKind): ColumnConcept {
  const said = `the header says ${kind.replace('_', ' ')}, but ${percent(profile.identifiers[kind])} of ${profile.nonEmpty} values are`;
  const other = identifierByValues(profile, AMBIGUOUS_HEADER_SHARE);
  if (other !== undefined) return { profile, match, concept: other.concept, by: 'values', note: `${said}; ${other.evidence}` };
  return { profile, match, concept: { kind: 'unknown' }, by: 'none', note: `${said}: not mapped` };
}

/** 证件号码 and the like: the values say whose number it is. */
function byValuesOfAmbiguousHeader(profile: ColumnProfile, match: HeaderMatch): ColumnConcept {
  const found = identifierByValues(profile, AMBIGUOUS_HEADER_SHARE);
  if (found !== undefined) return { profile, match, concept: found.concept, by: 'header+values', note: `the header names no kind; ${found.evidence}` };
  return { profile, match, concept: { kind: 'unknown' }, by: 'none', note: `the header names no kind, and no identifier kind has ${percent(AMBIGUOUS_HEADER_SHARE)} of the values: not mapped` };
}

function byValuesAlone(profile: ColumnProfile): ColumnConcept {
  const found = identifierByValues(profile, VALUES_ALONE_SHARE);
  if (found !== undefined) return { profile, concept: found.concept, by: 'values' };
  if (profile.nonEmpty > 0 && profile.phones >= VALUES_ALONE_SHARE) return { profile, concept: { kind: 'field', field: 'phone' }, by: 'values' };
  return { profile, concept: { kind: 'unknown' }, by: 'none' };
}

/**
 * The identifier kind most of the values are, at `share` or more: resident ID before USCC (an
 * 18-digit value valid as both is far more often a person's), USCC before organisation code and
 * registration number (a valid USCC embeds a valid organisation code), and a 15-digit
 * registration number only when the values are not mostly 1989 15-digit ID numbers.
 */
function identifierByValues(profile: ColumnProfile, share: number): { concept: Concept; evidence: string } | undefined {
  if (profile.nonEmpty === 0) return undefined;
  const s = profile.identifiers;
  const evidence = (kind: ProfiledKind) => `${percent(s[kind])} of ${profile.nonEmpty} values are valid ${kind.replace(/_/g, ' ')}s`;
  if (s.resident_id >= share) return { concept: { kind: 'person_id' }, evidence: evidence('resident_id') };
  if (s.uscc >= share) return { concept: { kind: 'org_id' }, evidence: evidence('uscc') };
  if (s.org_code >= share) return { concept: { kind: 'field', field: 'org_code' }, evidence: evidence('org_code') };
  if (s.business_reg_no >= share) return { concept: { kind: 'field', field: 'business_reg_no' }, evidence: evidence('business_reg_no') };
  return undefined;
}

/** A share as a whole percentage (`97%`), never rounding a share above 0 to 0 or below 1 to 100. */
export function percent(share: number): string {
  const p = Math.round(share * 100);
  if (share > 0 && p === 0) return '<1%';
  if (share < 1 && p === 100) return '>99%';
  return `${p}%`;
}
