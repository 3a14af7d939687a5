/**
 * Issue 10: a lookup by someone with a role. An analyst's document shows no clear value of the
 * person anywhere (every value of the steward's document, scanned for in the analyst's text), in
 * the documented mask patterns; a pseudonymised document joins with an analyst's SQL; every
 * lookup is recorded, with the codes the document is about; an operator is refused before the
 * index is touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codesInDocument, protectLookupDocument, unlistedPaths } from '../../src/access/protect-document.ts';
import { lookupAs } from '../../src/access/protected-lookup.ts';
import { queryAs } from '../../src/access/protected-query.ts';
import { lookupCode, type LookupDocument } from '../../src/index/lookup.ts';
import { readEventClasses } from '../../src/outbox/event-classes.ts';
import { maskAddress } from '../../src/protect/masks.ts';
import { pseudonymise } from '../../src/protect/pseudonymise.ts';
import { agencyNamesDeclaredPersonal, indexedSample, richPerson } from '../support/indexed-sample.ts';
import type { Workspace } from '../support/workspace.ts';

const RUN_DATE = '2026-01-01';
const KEY = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const analyst = { name: 'alice', role: 'analyst', channel: 'api' } as const;
const steward = { name: 'sam', role: 'steward', channel: 'console' } as const;
const PSEUDONYMISE = { ONECODE_ANALYST_POLICY: 'pseudonymise' };

let ws: Workspace;
let person: { id: string; alias15: string; uscc: string };
beforeAll(async () => {
  ws = await indexedSample();
  person = await richPerson(ws);
});
afterAll(() => ws.dispose());

/** The sample's source columns holding a person's own values (pipelines/*.yaml). */
const PERSON_COLUMNS = ['身份证号', '姓名', '手机号', '出生日期', '法定代表人', '法定代表人身份证号', 'legal_rep'];

/**
 * The clear values of the person in a steward's document: its codes, name, phone and birth
 * date, its records' source keys, and the values of its own columns in every source row that
 * names it (as written there: dirty forms included).
 */
function clearValuesOf(doc: LookupDocument): string[] {
  const p = doc.person!;
  const payloads = [...doc.records, ...doc.referenced_by].map((r) => r.payload as Record<string, unknown>);
  const values = [
    p.id_number, p.name, p.phone, p.birth_date, doc.identifier.alias, ...doc.aliases.map((a) => a.alias),
    ...doc.records.map((r) => r.source_key),
    ...payloads.flatMap((payload) => PERSON_COLUMNS.map((column) => payload[column])),
  ];
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.trim().length >= 2))];
}

describe('lookupAs', () => {
  it('a steward sees the document of onecode lookup, in clear; every key of it is in the guard table', async () => {
    const doc = await lookupAs(ws.index.connection, person.id, steward, { runDate: RUN_DATE });
    expect(doc).toEqual(await lookupCode(ws.index.connection, person.id, RUN_DATE));
    expect(unlistedPaths(doc!)).toEqual([]);
    for (const input of [person.uscc, person.alias15, person.uscc.slice(8, 16) + '-' + person.uscc[16]]) {
      expect(unlistedPaths((await lookupCode(ws.index.connection, input, RUN_DATE))!), input).toEqual([]);
    }
  });

  it('an analyst sees no clear value of the person anywhere in the document, and the documented masks', async () => {
    const clear = (await lookupAs(ws.index.connection, person.id, steward, { runDate: RUN_DATE }))!;
    const values = clearValuesOf(clear);
    expect(values).toEqual(expect.arrayContaining([person.id, person.alias15, clear.person!.name, clear.person!.phone]));
    expect(values.length).toBeGreaterThan(5);
    for (const input of [person.id, person.alias15]) {
      const doc = (await lookupAs(ws.index.connection, input, analyst, { runDate: RUN_DATE }))!;
      const text = JSON.stringify(doc);
      expect(values.filter((v) => text.includes(v.trim())), input).toEqual([]);
      expect(text, 'a mobile number').not.toMatch(/(?<!\d)1\d{10}(?!\d)/);
      const p = doc.person!;
      expect(doc.code).toBe(`${person.id.slice(0, 6)}${'*'.repeat(11)}${person.id[17]}`);
      expect(p.id_number).toBe(doc.code);
      expect(p.name).toBe(`${String(clear.person!.name)[0]}${'*'.repeat([...String(clear.person!.name)].length - 1)}`);
      expect(p.phone).toMatch(/^1\d{2}\*{4}\d{4}$/);
      expect(p.birth_date).toBe(`${String(clear.person!.birth_date).slice(0, 4)}-**-**`);
      // not personal: the employer, the legal person represented (its name and USCC)
      expect(p.employer_uscc).toBe(clear.person!.employer_uscc);
      expect(doc.relations.legal_representative_of!.items.map((i) => i.code)).toContain(person.uscc);
      for (const r of doc.records) {
        expect(r).not.toHaveProperty('payload');
        expect(String(r.source_key)).toMatch(/^\*+$/);
        for (const flag of (r.flags as Array<Record<string, unknown>> | null) ?? []) expect(Object.keys(flag).sort()).toEqual(['code', 'field']);
      }
      expect(doc.lineage.person!.name!.value).toBe(p.name);
      expect(doc.aliases.map((a) => a.alias)).toEqual([`${'*'.repeat(15)}`]);
    }
    const byAlias = (await lookupAs(ws.index.connection, person.alias15, analyst, { runDate: RUN_DATE }))!;
    expect(byAlias.identifier.alias).toBe('*'.repeat(15));
  });

  it("an analyst's lookup of a legal person shows its name and USCC, masks its registered address (personal by default, as in a query) and its representative", async () => {
    const clear = (await lookupAs(ws.index.connection, person.uscc, steward, { runDate: RUN_DATE }))!;
    const doc = (await lookupAs(ws.index.connection, person.uscc, analyst, { runDate: RUN_DATE }))!;
    expect(doc.code).toBe(person.uscc);
    const { legal_representative, legal_representative_id_number, address, ...rest } = doc.legal_person!;
    const { legal_representative: rep, legal_representative_id_number: repId, address: clearAddress, ...clearRest } = clear.legal_person!;
    expect(rest).toEqual(clearRest);
    expect(rest.name).toBeTruthy();
    expect([...String(clearAddress)].length).toBeGreaterThan(6);
    expect(address).toBe(maskAddress(String(clearAddress)));
    expect(address).not.toBe(clearAddress);
    expect(doc.lineage.legal_person!.address!.value).toBe(address);
    expect(legal_representative).toBe(`${String(rep)[0]}${'*'.repeat([...String(rep)].length - 1)}`);
    expect(legal_representative_id_number).toBe(`${person.id.slice(0, 6)}${'*'.repeat(11)}${person.id[17]}`);
    expect(repId).toBe(person.id);
    expect(doc.relations.legal_representative).toEqual({ entity: 'person', code: legal_representative_id_number, name: expect.stringMatching(/^\S\*+$/), in_index: true });
    // the legal person's own records keep their source keys (a USCC, a supplier number)
    expect(doc.records.map((r) => r.source_key)).toEqual(clear.records.map((r) => r.source_key));
    expect(JSON.stringify(doc)).not.toContain(person.id);
  });

  it('pseudonymised: the same pseudonym in the lookup and in an analyst query of persons, which joins', async () => {
    const doc = (await lookupAs(ws.index.connection, person.id, analyst, { runDate: RUN_DATE, key: KEY, env: PSEUDONYMISE }))!;
    expect(doc.code).toBe(pseudonymise(person.id, KEY));
    expect(doc.person!.name).toMatch(/^p_[0-9a-f]{32}$/);
    const q = await queryAs(ws.index.connection, `
      SELECT p.id_number, p.name, l.uscc FROM persons p JOIN legal_persons l ON l.legal_representative_id_number = p.id_number
      WHERE p.id_number = '${doc.code}'`, analyst, { key: KEY, env: PSEUDONYMISE });
    expect(q.rows).toContainEqual([doc.code, doc.person!.name, person.uscc]);
    const legal = (await lookupAs(ws.index.connection, person.uscc, analyst, { runDate: RUN_DATE, key: KEY, env: PSEUDONYMISE }))!;
    expect(legal.legal_person!.legal_representative_id_number).toBe(doc.code);
    await expect(lookupAs(ws.index.connection, person.id, analyst, { runDate: RUN_DATE, env: PSEUDONYMISE })).rejects.toMatchObject({ code: 'pseudonym_key_unset' });
  });

  it('records every lookup: who, role, channel, the one code, the records, the policy, the codes shown; invalid and unknown codes too', async () => {
    const c = ws.index.connection;
    const before = Number((await ws.rows('SELECT max(access_no) AS n FROM access_log'))[0]!.n ?? 0);
    const doc = (await lookupAs(c, person.alias15, analyst, { runDate: RUN_DATE }))!;
    expect(await lookupAs(c, '350102198503171238', analyst, { runDate: RUN_DATE })).toBeNull(); // a wrong check character
    const unknown = (await lookupAs(c, '11010519491231002X', steward, { runDate: RUN_DATE }))!;
    expect(unknown.systems).toEqual([]);
    const rows = await ws.rows(`SELECT who, role, channel, action, code, query, row_count::INT AS row_count, policy, codes, outcome FROM access_log WHERE access_no > ${before} ORDER BY access_no`);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ who: 'alice', role: 'analyst', channel: 'api', action: 'lookup', code: person.id, query: null, row_count: doc.records.length, policy: 'mask', outcome: 'ok' });
    expect(rows[0]!.codes).toEqual(expect.arrayContaining([person.id, person.alias15, person.uscc]));
    expect(rows[1]).toMatchObject({ who: 'alice', code: null, row_count: 0, codes: [], outcome: 'failed' });
    expect(JSON.stringify(rows[1])).not.toContain('350102198503171238');
    expect(rows[2]).toMatchObject({ who: 'sam', channel: 'console', code: '11010519491231002X', policy: 'clear', outcome: 'not_found' });
  });

  it('an operator is refused before the index is touched, and nothing is recorded', async () => {
    const count = async () => Number((await ws.rows('SELECT count(*) AS n FROM access_log'))[0]!.n);
    const before = await count();
    await expect(lookupAs(ws.index.connection, person.id, { name: 'ops', role: 'operator', channel: 'api' }, { runDate: RUN_DATE })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await count()).toBe(before);
  });

  it('codesInDocument lists the code, its alias and related parties once each; drop removes every personal key', async () => {
    const doc = (await lookupCode(ws.index.connection, person.id, RUN_DATE))!;
    const codes = codesInDocument(doc);
    expect(codes[0]).toBe(person.id);
    expect(codes).toEqual([...new Set(codes)]);
    expect(codes).toEqual(expect.arrayContaining([person.alias15, person.uscc, String(doc.person!.employer_uscc)]));
    const classes = await readEventClasses(ws.index.connection);
    const dropped = protectLookupDocument(doc, 'drop', classes);
    expect(dropped).not.toHaveProperty('code');
    expect(Object.keys(dropped.person!).sort()).toEqual(['changed_run_id', 'employer_name', 'employer_uscc', 'region_code', 'sex']);
    expect(dropped.records.every((r) => !('one_code' in r) && !('source_key' in r) && !('payload' in r))).toBe(true);
    expect(protectLookupDocument(doc, 'clear', classes)).toBe(doc);
  });
});

describe('a lookup and a query by the same analyst show each value alike', () => {
  /** The sample with bookkeeping-agencies declaring its agency name column personal (as a registry of sole proprietorships may). */
  let declared: Workspace;
  let who: { id: string; alias15: string; uscc: string };
  beforeAll(async () => {
    declared = await agencyNamesDeclaredPersonal(ws);
    who = await richPerson(declared);
  }, 300_000);
  afterAll(async () => {
    await declared?.dispose();
  });

  /** The query's rows as objects by column name. */
  const objectsOf = (q: { columns: { name: string }[]; rows: unknown[][] }): Record<string, unknown>[] =>
    q.rows.map((row) => Object.fromEntries(q.columns.map((c, i) => [c.name, row[i]])));

  /** Checks that each field the golden record, its lineage and its relations share with the query shows the same value; returns how many were compared. */
  async function expectAlike(doc: LookupDocument, entity: 'person' | 'legal_person', options: { key?: Buffer; env?: NodeJS.ProcessEnv }): Promise<number> {
    const c = declared.index.connection;
    const codeColumn = entity === 'person' ? 'id_number' : 'uscc';
    const [row] = objectsOf(await queryAs(c, `SELECT * FROM ${entity}s WHERE ${codeColumn} = '${doc.code}'`, analyst, options));
    expect(row, `${entity} by its code as the analyst sees it`).toBeDefined();
    let compared = 0;
    for (const [field, value] of Object.entries(doc[entity]!)) {
      if (!(field in row!)) continue;
      expect(value, `${entity}.${field}`).toEqual(row![field]);
      compared++;
    }
    const lineage = objectsOf(await queryAs(c, `SELECT field, value FROM lineage WHERE code = '${doc.code}' AND entity = '${entity}'`, analyst, options));
    for (const [field, l] of Object.entries(doc.lineage[entity]!)) {
      expect(lineage.filter((r) => r.field === field).map((r) => r.value), `lineage.${field}`).toContain(l.value);
      compared++;
    }
    const relations = objectsOf(await queryAs(c, `SELECT relation, to_code, to_name FROM relations WHERE from_code = '${doc.code}'`, analyst, options));
    for (const relation of ['employer', 'legal_representative'] as const) {
      const party = doc.relations[relation];
      if (party === undefined || party === null) continue;
      expect(relations.filter((r) => r.relation === relation).map((r) => [r.to_code, r.to_name]), `relations.${relation}`).toContainEqual([party.code, party.name]);
      compared++;
    }
    return compared;
  }

  it('masked: a legal person whose name a pipeline declares personal (masked whole) and whose address is personal by default', async () => {
    const clear = (await lookupAs(declared.index.connection, who.uscc, steward, { runDate: RUN_DATE }))!;
    const doc = (await lookupAs(declared.index.connection, who.uscc, analyst, { runDate: RUN_DATE }))!;
    const name = String(clear.legal_person!.name);
    expect(doc.legal_person!.name).toBe('*'.repeat([...name].length));
    expect(doc.legal_person!.address).toBe(maskAddress(String(clear.legal_person!.address)));
    expect(JSON.stringify(doc)).not.toContain(name);
    expect(await expectAlike(doc, 'legal_person', {})).toBeGreaterThanOrEqual(9);
    // the person it is represented by: the employer's name is a legal person's name, masked whole too
    const person = (await lookupAs(declared.index.connection, who.id, analyst, { runDate: RUN_DATE }))!;
    expect(person.relations.legal_representative_of!.items.find((i) => i.code === who.uscc)?.name).toBe(doc.legal_person!.name);
  });

  it("a record's canonical field takes its own pipeline's class: the declaring pipeline's masked, another's in clear", async () => {
    const clear = (await lookupCode(declared.index.connection, who.uscc, RUN_DATE))!;
    const classes = await readEventClasses(declared.index.connection);
    const name = String(clear.legal_person!.name);
    const record = clear.records.find((r) => r.entity === 'legal_person')!;
    expect(record).toBeDefined();
    // the records view's `name` column, which the lookup's records do not select yet: as it would show
    const withName = (pipeline: string): LookupDocument => ({ ...clear, records: [{ ...record, pipeline, name }] });
    expect(protectLookupDocument(withName('bookkeeping-agencies'), 'mask', classes).records[0]!.name).toBe('*'.repeat([...name].length));
    expect(protectLookupDocument(withName('procurement-suppliers'), 'mask', classes).records[0]!.name).toBe(name);
  });

  it('pseudonymised: a person and a legal person, values and names as pseudonyms alike', async () => {
    const options = { key: KEY, env: PSEUDONYMISE };
    const person = (await lookupAs(declared.index.connection, who.id, analyst, { runDate: RUN_DATE, ...options }))!;
    expect(person.person!.name).toMatch(/^p_[0-9a-f]{32}$/);
    expect(await expectAlike(person, 'person', options)).toBeGreaterThanOrEqual(8);
    const legal = (await lookupAs(declared.index.connection, who.uscc, analyst, { runDate: RUN_DATE, ...options }))!;
    expect(legal.legal_person!.name).toMatch(/^p_[0-9a-f]{32}$/);
    expect(legal.legal_person!.address).toMatch(/^p_[0-9a-f]{32}$/);
    expect(await expectAlike(legal, 'legal_person', options)).toBeGreaterThanOrEqual(9);
  });
});
