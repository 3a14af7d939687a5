import type { DuckDBConnection } from '@duckdb/node-api';
import { GOLDEN_FIELDS } from '../../schemas/canonical.ts';
import { resultRows } from './result-rows.ts';
import { classify } from '../identifiers/classify.ts';
import type { Classification } from '../identifiers/types.ts';
import { GOLDEN_TABLES, type GoldenEntity } from './golden.ts';
import { quoteLiteral } from './sql-text.ts';
import { licencesOf, type LicenceRow } from './licence-rows.ts';
import { lineageOfCodeSql } from './views.ts';

/** Where one field of a golden record comes from: a row of the `lineage` view (views.ts). */
export interface FieldLineage {
  /** The golden value, as text (equal to the field of `person` / `legal_person`). */
  value: string;
  /**
   * `record`: supplied by the source record that won survivorship for this field (golden.ts);
   * `derived`: computed from the one code (GB 11643-1999 §5 for persons, GB 32100-2015 §4 for
   * legal persons).
   */
  source: 'record' | 'derived';
  /** The supplying record's system, pipeline and source key; null when derived. */
  system: string | null;
  pipeline: string | null;
  source_key: string | null;
  /** The run that last changed the supplying record; null when derived. */
  run_id: string | null;
  /** Derived fields: the standard clause and positions the value is read from; null otherwise. */
  rule: string | null;
}

/** Another one code a golden record is linked to (a row of the `relations` view, either end). */
export interface RelatedParty {
  entity: GoldenEntity;
  code: string;
  /** The golden name of that code; null when the code is not in the index (or has no name). */
  name: string | null;
  /** Whether the index holds a golden record (person or legal person) for the code. */
  in_index: boolean;
}

/** Golden records pointing at the looked-up code: `items` holds the first {@link RELATION_LIST_CAP} by code, `total` counts all. */
export interface RelatedList {
  total: number;
  items: RelatedParty[];
}

/** Most related parties a lookup lists under one relation (`total` still counts all). */
export const RELATION_LIST_CAP = 100;

/**
 * Links between golden records, in both directions, from the `relations` view. The person keys
 * are present when the code is a person's (a golden person, or a resident identity number), the
 * legal-person keys when it is a legal person's (a golden legal person, or a USCC or an alias of
 * one).
 */
export interface LookupRelations {
  /** The golden person's employer (golden `employer_uscc`); null when it names none. */
  employer?: RelatedParty | null;
  /** Golden legal persons whose golden `legal_representative_id_number` is this code. */
  legal_representative_of?: RelatedList;
  /** The golden legal person's legal representative (golden `legal_representative_id_number`); null when it names none. */
  legal_representative?: RelatedParty | null;
  /** Golden persons whose golden `employer_uscc` is this code. */
  employees?: RelatedList;
}

/** Everything the index holds about one code, as printed by `onecode lookup`. */
export interface LookupDocument {
  /** The one code, normalised (an upgraded 15-digit number gives its 18-character form). */
  code: string;
  /** The identifier looked up, when it is an alias of the one code (organisation code, registration number). */
  alias?: string;
  identifier: Pick<Classification, 'kind' | 'status' | 'reasons' | 'subtype' | 'alias'>;
  /** Golden person, when the code is a resident identity number the index knows as a person. */
  person: Record<string, unknown> | null;
  /** Golden legal person, when the code is a USCC the index knows as a legal person. */
  legal_person: Record<string, unknown> | null;
  /** Source records whose one code is this code, from every system. */
  records: Record<string, unknown>[];
  /**
   * Per golden record, field → where its value comes from (the `lineage` view), in the order of
   * the golden fields; the key itself and fields without a value are absent. Null for an entity
   * the code has no golden record of.
   */
  lineage: { person: Record<string, FieldLineage> | null; legal_person: Record<string, FieldLineage> | null };
  /** Links of the golden records to other one codes, both directions (the `relations` view). */
  relations: LookupRelations;
  /** Source records that refer to this code in another role (employer, legal representative). */
  referenced_by: Record<string, unknown>[];
  /** Every alias the index keeps for the code, with the system and runs that first showed it (`code_alias`). */
  aliases: Record<string, unknown>[];
  /** Records waiting, unlinked, whose legacy code is the identifier looked up (an ambiguous code, or one no system has shown the USCC of yet). */
  unlinked: Record<string, unknown>[];
  /** A legacy code that resolves to several USCCs (so it links to none): those USCCs. */
  ambiguous?: string[];
  /**
   * Electronic licences the code holds (entity `licence` pipelines), current and not, each with
   * its state today in China and its identifier's classification (licence-rows.ts).
   */
  licences: LicenceRow[];
  /** Systems holding anything about the code. */
  systems: string[];
}

const rowsOf = async (c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> =>
  resultRows(await c.runAndReadAll(sql));

const parsePayload = (r: Record<string, unknown>): Record<string, unknown> => ({
  ...r,
  payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
  flags: typeof r.flags === 'string' ? JSON.parse(r.flags) : r.flags,
});

/**
 * The one code an identifier stands for: resident identity numbers (an upgraded 15-digit number
 * included) and USCCs are one codes; an organisation code (GB 11714) or a 15-digit business
 * registration number resolves through the aliases the index keeps (`code_alias`, see
 * linkage.ts); an organisation code also to a known legal person whose USCC embeds it
 * (GB 32100-2015 §4, positions 9-17); an electronic licence identifier to its holder's code.
 * Returns every code it resolves to (one, none or several).
 */
async function resolveOneCode(connection: DuckDBConnection, id: Classification): Promise<string[]> {
  if (id.normalized === null) return [];
  if (id.kind === 'resident_id' || id.kind === 'uscc') return [id.normalized];
  if (id.kind === 'licence') {
    // an electronic licence identifier stands for its holder
    const holders = (await connection.runAndReadAll(`
      SELECT DISTINCT one_code FROM source_record WHERE entity = 'licence' AND licence_identifier = ${quoteLiteral(id.normalized)} AND one_code IS NOT NULL ORDER BY 1`)).getRows();
    return holders.map((r) => String(r[0]));
  }
  if (id.kind !== 'org_code' && id.kind !== 'business_reg_no') return [];
  const value = quoteLiteral(id.normalized);
  const rows = (await connection.runAndReadAll(`
    SELECT one_code FROM code_alias WHERE alias_kind = ${quoteLiteral(id.kind)} AND alias = ${value}
    ${id.kind === 'org_code' ? `UNION SELECT uscc FROM legal_persons WHERE substr(uscc, 9, 9) = ${value}` : ''}
    ORDER BY 1`)).getRows();
  return rows.map((r) => String(r[0]));
}

/** Field lineage of the code's golden records (`with`: the entities it has a golden record of). */
async function lineageOf(c: DuckDBConnection, code: string, withGolden: Record<GoldenEntity, boolean>): Promise<LookupDocument['lineage']> {
  const entities = (['person', 'legal_person'] as const).filter((e) => withGolden[e]);
  if (entities.length === 0) return { person: null, legal_person: null };
  // the view's own branches over the code's records, read once (views.ts lineageOfCodeSql)
  const rows = (await rowsOf(c, lineageOfCodeSql(entities, code)))
    .map(({ entity, field, value, source, system, pipeline, source_key, run_id, rule }) => ({ entity, field, value, source, system, pipeline, source_key, run_id, rule }));
  const of = (entity: GoldenEntity): Record<string, FieldLineage> | null => {
    if (!withGolden[entity]) return null;
    const out: Record<string, FieldLineage> = {};
    for (const field of GOLDEN_FIELDS[entity]) {
      const row = rows.find((r) => r.entity === entity && r.field === field);
      if (field === GOLDEN_TABLES[entity].key || row === undefined) continue;
      const { entity: _e, field: _f, ...lineage } = row;
      out[field] = lineage as unknown as FieldLineage;
    }
    return out;
  };
  return { person: of('person'), legal_person: of('legal_person') };
}

/** Relations of the code in both directions, for the sides (`sides`) that apply to it. */
async function relationsOf(c: DuckDBConnection, code: string, sides: Record<GoldenEntity, boolean>): Promise<LookupRelations> {
  const C = quoteLiteral(code);
  const outgoing = await rowsOf(c, `SELECT relation, to_entity, to_code, to_name, to_in_index FROM relations WHERE from_code = ${C}`);
  const incoming = await rowsOf(c, `
    SELECT relation, from_entity, from_code, from_name, count(*) OVER (PARTITION BY relation) AS total
    FROM relations WHERE to_code = ${C}
    QUALIFY row_number() OVER (PARTITION BY relation ORDER BY from_code) <= ${RELATION_LIST_CAP}
    ORDER BY relation, from_code`);
  const target = (relation: string): RelatedParty | null => {
    const r = outgoing.find((o) => o.relation === relation);
    return r ? { entity: r.to_entity as GoldenEntity, code: String(r.to_code), name: (r.to_name as string | null) ?? null, in_index: r.to_in_index === true } : null;
  };
  const sources = (relation: string): RelatedList => {
    const rows = incoming.filter((r) => r.relation === relation);
    return {
      total: rows.length === 0 ? 0 : Number(rows[0]!.total),
      items: rows.map((r) => ({ entity: r.from_entity as GoldenEntity, code: String(r.from_code), name: (r.from_name as string | null) ?? null, in_index: true })),
    };
  };
  return {
    ...(sides.person ? { employer: target('employer'), legal_representative_of: sources('legal_representative') } : {}),
    ...(sides.legal_person ? { legal_representative: target('legal_representative'), employees: sources('employer') } : {}),
  };
}

/** What an input to {@link lookupCode} stands for. */
export interface ResolvedCode {
  /** The classification of the input that was used (the first plausible kind, or the one that resolved to a known code). */
  id: Classification;
  /** The one code: the resolved code, or the input's own normalised value when nothing resolves. */
  oneCode: string;
  /** A legacy code that resolves to several USCCs: those USCCs (empty otherwise). */
  ambiguous: string[];
}

/**
 * The one code an input stands for, as {@link lookupCode} resolves it: each plausible kind of the
 * input (the most plausible first) through {@link resolveOneCode}; the first that resolves to a code
 * the index holds records of wins, else the first that resolves at all, else the input itself.
 * @returns null when the input is no valid identifier.
 */
export async function resolveLookupCode(connection: DuckDBConnection, input: string, runDate: string): Promise<ResolvedCode | null> {
  const first = classify(input, { runDate });
  const tries = [first, ...(first.alternatives ?? []).map((kind) => classify(input, { kind, runDate }))].filter((c) => c.status !== 'invalid');
  if (tries.length === 0) return null;
  let id = tries[0]!;
  let oneCode: string | null = null;
  let ambiguous: string[] = [];
  for (const candidate of tries) {
    const codes = await resolveOneCode(connection, candidate);
    if (codes.length > 1 && ambiguous.length === 0) ambiguous = codes;
    if (codes.length !== 1) continue;
    const resolved = codes[0]!;
    const known = (await connection.runAndReadAll(`SELECT count(*) FROM records WHERE one_code = ${quoteLiteral(resolved)}`)).getRows()[0]![0];
    if (oneCode === null || Number(known) > 0) {
      id = candidate;
      oneCode = resolved;
      if (Number(known) > 0) break;
    }
  }
  // A licence identifier resolved to its holder: the holder's code is what the document is about
  // (its subject decides how it is protected).
  if (id.kind === 'licence' && oneCode !== null) id = classify(oneCode, { runDate });
  if (oneCode === null) oneCode = id.normalized;
  if (oneCode === null) return null;
  return { id, oneCode, ambiguous };
}

/**
 * Looks up one code across every system. The input may be a resident identity number (18 or 15
 * digits), a USCC, an organisation code (with or without its hyphen) or a 15-digit business
 * registration number, or an electronic licence identifier (its holder is looked up), in any of the dirty forms `validate` accepts; where the shape is ambiguous
 * (15 digits) each plausible kind is tried, the most plausible first.
 * The document (see {@link LookupDocument}) holds the golden person / legal person, the lineage
 * of each of its fields, its relations in both directions (lists capped at
 * {@link RELATION_LIST_CAP}), every source record of the code and the records referring to it,
 * and the licences it holds with their state on `runDate` (today in China).
 * @returns the document, or `null` when the input is no valid identifier.
 */
export async function lookupCode(connection: DuckDBConnection, input: string, runDate: string): Promise<LookupDocument | null> {
  const resolved = await resolveLookupCode(connection, input, runDate);
  if (resolved === null) return null;
  const { id, oneCode, ambiguous } = resolved;
  const code = quoteLiteral(oneCode);
  const [person] = await rowsOf(connection, `SELECT * FROM persons WHERE id_number = ${code}`);
  const [legalPerson] = await rowsOf(connection, `SELECT * FROM legal_persons WHERE uscc = ${code}`).catch(() => []);
  const columns = `pipeline, system, entity, source_key, one_code, code_status, linked_via, payload, flags, line, first_run_id, changed_run_id`;
  const records = await rowsOf(connection, `SELECT ${columns} FROM records WHERE one_code = ${code} ORDER BY system, source_key`);
  // two filters, not one OR: each reaches its column's scan (on 1,000,000 records 50 ms, not 400)
  const referencedBy = await rowsOf(connection, `
    SELECT * FROM (
      SELECT ${columns}, 'employer' AS role FROM records WHERE employer_uscc = ${code} AND one_code <> ${code}
      UNION ALL
      SELECT ${columns}, 'legal_representative' FROM records
      WHERE legal_representative_id_number = ${code} AND employer_uscc IS DISTINCT FROM ${code} AND one_code <> ${code})
    ORDER BY system, source_key`);
  const aliases = await rowsOf(connection, `
    SELECT alias, alias_kind, pipeline, system, source_key, first_run_id, linked_run_id FROM code_alias WHERE one_code = ${code} ORDER BY alias_kind, alias`);
  const legacy = id.kind === 'org_code' || id.kind === 'business_reg_no' ? quoteLiteral(id.normalized!) : undefined;
  const unlinked = legacy === undefined ? [] : await rowsOf(connection, `
    SELECT ${columns} FROM source_record WHERE code_status = 'unlinked' AND ${id.kind === 'org_code' ? 'org_code' : 'business_reg_no'} = ${legacy}
    ORDER BY system, source_key`);
  const isPersonCode = id.kind === 'resident_id' || id.kind === 'foreign_permanent_residence_2017';
  return {
    code: oneCode,
    ...(id.normalized !== null && oneCode !== id.normalized ? { alias: id.normalized } : {}),
    identifier: { kind: id.kind, status: id.status, reasons: id.reasons, ...(id.subtype ? { subtype: id.subtype } : {}), ...(id.alias ? { alias: id.alias } : {}) },
    person: person ?? null,
    legal_person: legalPerson ?? null,
    records: records.map(parsePayload),
    lineage: await lineageOf(connection, oneCode, { person: !!person, legal_person: !!legalPerson }),
    relations: await relationsOf(connection, oneCode, { person: !!person || isPersonCode, legal_person: !!legalPerson || !isPersonCode }),
    referenced_by: referencedBy.map(parsePayload),
    aliases,
    unlinked: unlinked.map(parsePayload),
    ...(oneCode === id.normalized && ambiguous.length > 0 ? { ambiguous } : {}),
    licences: await licencesOf(connection, oneCode, runDate),
    systems: [...new Set([...records, ...referencedBy, ...unlinked].map((r) => String(r.system)))].sort(),
  };
}
