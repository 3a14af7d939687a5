/**
 * Issue 12, electronic licences: a licence pipeline with the dirt of a real licence-issuing system
 * (expired, revoked, a wrong check character, a holder known only by a legacy code) loads through
 * the real runner into a real DuckDB index; its licences show in a lookup of the holder (by any of
 * its codes), and a materials check answers "already on file?" per licence type, guarded and
 * recorded as a lookup is.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialsAs, parseNeeds } from '../../src/access/protected-materials.ts';
import { lookupAs } from '../../src/access/protected-lookup.ts';
import { lookupCode } from '../../src/index/lookup.ts';
import { answerNeeds, licencesOf } from '../../src/index/licence-rows.ts';
import { licenceIdentifier } from '../../src/sample/exports/electronic-licences.ts';
import type { RunSummary } from '../../src/run/run-pipeline.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { residentId, uscc } from './small-index.ts';

const AUTHORITY = uscc('11100000', 'MA000001');
const ISSUER = uscc('11350000', 'MA000002');
const QUALIFICATION = `${AUTHORITY}101`;
const AGENCY_LICENCE = `${AUTHORITY}201`;
const NOT_HELD = `${AUTHORITY}999`;

const P1 = residentId('35010219850317123');
/** A person born in 1970 whose licence names them by the 15-digit number. */
const P2 = residentId('35010219700101456');
const P2_15 = P2.slice(0, 6) + P2.slice(8, 17);
const U1 = uscc('91350100', 'MA2Y8K3P');
/** An agency whose licence names it by its organisation code only. */
const U2 = uscc('91350100', '12345678');
const U2_ORG = U2.slice(8, 17);

const id = (serial: string, version = '001') => licenceIdentifier(QUALIFICATION, ISSUER, serial, version);
const agencyId = (serial: string) => licenceIdentifier(AGENCY_LICENCE, ISSUER, serial, '001');
const wrongCheck = (identifier: string) => identifier.slice(0, -1) + (identifier.endsWith('0') ? '1' : '0');

const HEADER = ['证照标识', '证照名称', '证照编号', '证照类型代码', '持证主体', '持证主体代码类型', '持证主体代码', '颁证日期', '有效期起始', '有效期截止', '证照状态'];
const row = (identifier: string, type: string, holder: string, from: string, to: string, status = '有效', holderType = '111') =>
  [identifier, '会计专业技术资格证书', `KJ-${identifier.slice(-12, -2)}`, type, '陈明', holderType, holder, from, from, to, status];
const PERSON_ROWS = [
  row(id('A0001'), QUALIFICATION, P1, '2019-01-01', '2024-01-01'), // expired, superseded by the next
  row(id('A0001', '002'), QUALIFICATION, P1, '2024-01-02', '2029-01-01'), // valid
  row(id('A0002'), AGENCY_LICENCE, P1, '2020-01-01', '2030-01-01', '注销', '001'), // revoked; its holder code type says USCC
  row(id('A0003'), QUALIFICATION, ` ${P2_15} `, '2022-05-01', ''), // legacy holder, no end
  row(wrongCheck(id('A0004')), QUALIFICATION, P1, '2022-05-01', '2030-01-01'), // quarantined
  row('', QUALIFICATION, P1, '2022-05-01', '2030-01-01'), // no identifier: quarantined
];
const ORG_HEADER = ['证照标识', '证照类型代码', '持证主体代码', '组织机构代码', '有效期截止'];
const ORG_ROWS = [
  [agencyId('B0001'), AGENCY_LICENCE, U1, '', '2030-01-01'],
  [agencyId('B0002'), AGENCY_LICENCE, '', U2_ORG, '2030-01-01'],
  [agencyId('B0003'), AGENCY_LICENCE, '', '', '2030-01-01'], // no holder at all: quarantined
];
const LICENCE_MAPPING = {
  licence_identifier: '证照标识', licence_name: '证照名称', licence_number: '证照编号', licence_type_code: '证照类型代码', name: '持证主体',
  holder_code_type: '持证主体代码类型', issue_date: '颁证日期', valid_from: '有效期起始', valid_to: '有效期截止', licence_status: '证照状态',
};

let ws: Workspace;
const runs: Record<string, RunSummary> = {};
const csv = (rows: string[][]) => rows.map((r) => r.map((v) => (v.includes(',') ? `"${v}"` : v)).join(',')).join('\n') + '\n';
beforeAll(async () => {
  ws = await createWorkspace();
  await writeFile(path.join(ws.dir, 'licences.csv'), csv([HEADER, ...PERSON_ROWS]));
  await writeFile(path.join(ws.dir, 'org-licences.csv'), csv([ORG_HEADER, ...ORG_ROWS]));
  await writeFile(path.join(ws.dir, 'agencies.csv'), csv([['统一社会信用代码', '机构名称'], [U1, '福州示例会计服务有限公司'], [U2, '福州示例财务咨询有限公司']]));
  const run = async (name: string, config: Record<string, unknown>) => {
    runs[name] = await ws.run(await ws.writePipeline(name, config));
    if (runs[name]!.status !== 'succeeded') throw new Error(`${name}: ${runs[name]!.errorCode}: ${runs[name]!.error}`);
  };
  await run('licences', { system: '电子证照库', entity: 'licence', connector: { kind: 'csv', path: 'licences.csv' }, source_key: ['证照标识'],
    mapping: { id_number: '持证主体代码', ...LICENCE_MAPPING } });
  await run('org-licences', { system: '电子证照库', entity: 'licence', connector: { kind: 'csv', path: 'org-licences.csv' }, source_key: ['证照标识'],
    mapping: { uscc: '持证主体代码', org_code: '组织机构代码', licence_identifier: '证照标识', licence_type_code: '证照类型代码', valid_to: '有效期截止' } });
  await run('agencies', { system: '代理记账机构管理系统', entity: 'legal_person', connector: { kind: 'csv', path: 'agencies.csv' }, source_key: ['统一社会信用代码'],
    mapping: { uscc: '统一社会信用代码', name: '机构名称' } });
}, 120_000);
afterAll(() => ws.dispose());

const steward = { name: 'sam', role: 'steward', channel: 'cli' } as const;
const analyst = { name: 'alice', role: 'analyst', channel: 'api' } as const;

describe('a licence pipeline', () => {
  it('loads every licence with an identifier that passes, quarantines the others with their reasons, and the counts add up', async () => {
    expect(runs.licences).toMatchObject({ rowsRead: 6, loaded: 4, quarantined: 2 });
    const q = await ws.rows(`SELECT line::INT AS line, reason_codes FROM quarantine WHERE pipeline = 'licences' ORDER BY line`);
    expect(q).toEqual([{ line: 6, reason_codes: ['check_character_mismatch'] }, { line: 7, reason_codes: ['source_key_missing', 'licence_identifier_missing'] }]);
    const text = JSON.stringify(await ws.rows(`SELECT reasons FROM quarantine`));
    expect(text).not.toContain(P1);
    // the organisation licence without any holder code is quarantined as one_code_missing
    expect(runs['org-licences']).toMatchObject({ rowsRead: 3, loaded: 2, quarantined: 1 });
  });

  it('stores the licence fields as columns, dates normalised, the 15-digit holder upgraded', async () => {
    const [r] = await ws.rows(`SELECT one_code, licence_identifier, licence_type_code, valid_from, valid_to, licence_status FROM source_record WHERE licence_identifier = '${id('A0003')}'`);
    expect(r).toEqual({ one_code: P2, licence_identifier: id('A0003'), licence_type_code: QUALIFICATION, valid_from: '2022-05-01', valid_to: null, licence_status: '有效' });
  });

  it('links a licence naming its holder by an organisation code once a system shows the USCC', async () => {
    const [r] = await ws.rows(`SELECT one_code, code_status, linked_via FROM source_record WHERE licence_identifier = '${agencyId('B0002')}'`);
    expect(r).toEqual({ one_code: U2, code_status: 'linked', linked_via: 'org_code' });
  });
});

describe('licences in a lookup', () => {
  it("lists the holder's licences, current and not, with their state on the day asked", async () => {
    const doc = (await lookupCode(ws.index.connection, P1, '2026-06-01'))!;
    expect(doc.licences.map((l) => [l.licence_identifier, l.state])).toEqual([
      [id('A0001', '002'), 'valid'], [id('A0002'), 'revoked'], [id('A0001'), 'expired'],
    ]);
    expect(doc.licences[0]).toMatchObject({ identifier: { status: 'valid', reasons: [] }, valid_to: '2029-01-01', pipeline: 'licences', system: '电子证照库', flags: null });
    // a holder code type (GB/T 36903-2018) that is not the pipeline's holder code's: loaded, flagged
    expect((doc.licences[1]!.flags as { code: string; field: string }[]).map((f) => [f.code, f.field])).toEqual([['holder_code_type_mismatch', '持证主体代码类型']]);
    // a day before the renewal: the first version was still valid, the second not yet
    expect((await licencesOf(ws.index.connection, P1, '2023-12-31')).map((l) => l.state)).toEqual(['not_yet_valid', 'revoked', 'valid']);
  });

  it('finds them by a legacy code of the holder, and by a licence identifier', async () => {
    expect((await lookupCode(ws.index.connection, P2_15, '2026-06-01'))!.licences.map((l) => l.licence_identifier)).toEqual([id('A0003')]);
    expect((await lookupCode(ws.index.connection, U2_ORG, '2026-06-01'))!.licences.map((l) => l.linked_via)).toEqual(['org_code']);
    const byLicence = (await lookupCode(ws.index.connection, id('A0002'), '2026-06-01'))!;
    expect(byLicence.code).toBe(P1);
    expect(byLicence.identifier.kind).toBe('resident_id');
  });

  it("an analyst sees a person's licence identifiers and numbers masked, an organisation's in clear", async () => {
    const doc = (await lookupAs(ws.index.connection, P1, analyst, { runDate: '2026-06-01' }))!;
    const text = JSON.stringify(doc.licences);
    for (const l of (await licencesOf(ws.index.connection, P1, '2026-06-01'))) {
      expect(text).not.toContain(l.licence_identifier);
      expect(text).not.toContain(l.licence_number!);
    }
    expect(doc.licences[0]!.licence_number).toMatch(/^\*+$/);
    expect(doc.licences[0]!.state).toBe('valid');
    const org = (await lookupAs(ws.index.connection, U1, analyst, { runDate: '2026-06-01' }))!;
    expect(org.licences.map((l) => l.licence_identifier)).toEqual([agencyId('B0001')]);
  });
});

describe('materials: already on file?', () => {
  it('answers per needed type: on file with the valid licence, or why not', async () => {
    const doc = (await materialsAs(ws.index.connection, P1, [QUALIFICATION, AGENCY_LICENCE, NOT_HELD], steward, { runDate: '2026-06-01' }))!;
    expect(doc).toMatchObject({ holder: P1, identifier: { kind: 'resident_id', status: 'valid' }, date: '2026-06-01' });
    expect(doc.needs.map((n) => [n.licence_type_code, n.on_file, n.why_not, n.held, n.licence?.licence_identifier ?? null])).toEqual([
      [QUALIFICATION, true, null, 2, id('A0001', '002')],
      [AGENCY_LICENCE, false, 'revoked', 1, null],
      [NOT_HELD, false, 'none', 0, null],
    ]);
    const later = (await materialsAs(ws.index.connection, P1, [QUALIFICATION], steward, { runDate: '2029-01-02' }))!;
    expect(later.needs[0]).toMatchObject({ on_file: false, why_not: 'expired', held: 2 });
  });

  it('finds a licence held under a legacy code of the holder', async () => {
    const person = (await materialsAs(ws.index.connection, P2, [QUALIFICATION], steward, { runDate: '2040-01-01' }))!;
    expect(person.needs[0]).toMatchObject({ on_file: true, licence: { licence_identifier: id('A0003'), valid_to: null } });
    const agency = (await materialsAs(ws.index.connection, U2, [AGENCY_LICENCE], steward, { runDate: '2026-06-01' }))!;
    expect(agency.needs[0]).toMatchObject({ on_file: true, licence: { licence_identifier: agencyId('B0002'), linked_via: 'org_code' } });
  });

  it('records each check in access_log (action materials, the holder code), masks for an analyst, refuses an operator', async () => {
    const before = Number((await ws.rows(`SELECT count(*) AS n FROM access_log WHERE action = 'materials'`))[0]!.n);
    const doc = (await materialsAs(ws.index.connection, P1, [QUALIFICATION], analyst, { runDate: '2026-06-01' }))!;
    expect(doc.holder).toBe(`${P1.slice(0, 6)}${'*'.repeat(11)}${P1[17]}`);
    expect(doc.needs[0]!.licence!.licence_identifier).toMatch(/^\*+$/);
    expect(await materialsAs(ws.index.connection, 'not-a-code', [QUALIFICATION], analyst, { runDate: '2026-06-01' })).toBeNull();
    const log = await ws.rows(`SELECT who, action, code, row_count::INT AS row_count, outcome, codes FROM access_log WHERE action = 'materials' ORDER BY access_no OFFSET ${before}`);
    expect(log).toEqual([
      { who: 'alice', action: 'materials', code: P1, row_count: 1, outcome: 'ok', codes: [P1] },
      { who: 'alice', action: 'materials', code: null, row_count: 0, outcome: 'failed', codes: [] },
    ]);
    await expect(materialsAs(ws.index.connection, P1, [QUALIFICATION], { name: 'op', role: 'operator', channel: 'api' }, { runDate: '2026-06-01' }))
      .rejects.toMatchObject({ code: 'forbidden' });
  });

  it('parses a needs list, refusing what is no list of type codes', () => {
    expect(parseNeeds(` ${QUALIFICATION}, ,${AGENCY_LICENCE},${QUALIFICATION}`)).toEqual([QUALIFICATION, AGENCY_LICENCE]);
    expect(() => parseNeeds(' , ')).toThrow(expect.objectContaining({ code: 'needs_invalid' }));
    expect(() => parseNeeds('A;B')).toThrow(/licence type 1 of the list/);
    expect(() => parseNeeds(Array.from({ length: 51 }, (_, i) => `T${i}`).join(','))).toThrow(/at most 50/);
  });

  it('answerNeeds prefers the licence valid longest, an open end first', () => {
    const base = { licence_type_code: 'T', state: 'valid' } as const;
    const rows = [{ ...base, licence_identifier: 'a', valid_to: '2030-01-01' }, { ...base, licence_identifier: 'b', valid_to: null }, { ...base, licence_identifier: 'c', valid_to: '2031-01-01' }];
    expect(answerNeeds(rows as never, ['T'])[0]!.licence!.licence_identifier).toBe('b');
    expect(answerNeeds(rows.slice(0, 1).concat(rows[2]!) as never, ['T'])[0]!.licence!.licence_identifier).toBe('c');
  });
});
