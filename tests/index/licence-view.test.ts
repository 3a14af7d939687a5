/**
 * Issue 12, the licence library as analysts read it: the `licences` view over licences loaded by
 * the real runner into a real DuckDB index. One row per licence, its state today in China by the
 * rule of lookups (licencesOf on the same day gives the same states), its identifier's
 * classification as the classifier gives it; 长期 and the other words for "no end" in valid_to
 * are no end, not an unreadable date; an analyst sees a person's codes, name and licence number
 * protected, an organisation's in clear.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAnalystViews } from '../../src/access/analyst-views.ts';
import { classifyLicenceIdentifier } from '../../src/identifiers/licence-identifier.ts';
import { licencesOf } from '../../src/index/licence-rows.ts';
import { connectToIndex } from '../../src/index/open-index.ts';
import { isNoEndDate } from '../../src/normalize/dates.ts';
import { todayInChina } from '../../src/run/today-in-china.ts';
import { licenceIdentifier } from '../../src/sample/exports/electronic-licences.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { residentId, uscc } from './small-index.ts';

const AUTHORITY = uscc('11100000', 'MA000001');
const ISSUER = uscc('11350000', 'MA000002');
const TYPE = `${AUTHORITY}101`;
const P1 = residentId('35010219850317123');
const U1 = uscc('91350100', 'MA2Y8K3P');
const U2 = uscc('91350100', '12345678');
const U2_ORG = U2.slice(8, 17);

const id = (serial: string, issuer = ISSUER) => licenceIdentifier(TYPE, issuer, serial, '001');
/** valid_to as written, and what the view must say of each person's licence. */
const PERSON_LICENCES: { serial: string; from: string; to: string; status?: string; validTo: string | null; state: string; flagged?: string }[] = [
  { serial: 'L0001', from: '2010-01-01', to: '长期', validTo: null, state: 'valid' },
  { serial: 'L0002', from: '2010-01-01', to: ' 长期有效 ', validTo: null, state: 'valid' },
  { serial: 'L0003', from: '2010-01-01', to: '永久', validTo: null, state: 'valid' },
  { serial: 'L0004', from: '2010-01-01', to: '永久有效', status: '注销', validTo: null, state: 'revoked' },
  { serial: 'L0005', from: '2001-01-01', to: '2005-12-31', validTo: '2005-12-31', state: 'expired' },
  { serial: 'L0006', from: '2090-01-01', to: '9999-12-31', validTo: '9999-12-31', state: 'not_yet_valid' },
  { serial: 'L0007', from: '2010-01-01', to: '明年', validTo: null, state: 'valid', flagged: 'unreadable_date' },
];
/** A licence whose issuer code is a region code (Hefei's platform writes them so): nonconforming, kept. */
const NONCONFORMING = id('L0008', '340100');

let ws: Workspace;
const csv = (rows: string[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';
beforeAll(async () => {
  ws = await createWorkspace();
  await writeFile(path.join(ws.dir, 'licences.csv'), csv([
    ['证照标识', '证照编号', '证照类型代码', '持证主体', '持证主体代码', '有效期起始', '有效期截止', '证照状态'],
    ...PERSON_LICENCES.map((l) => [id(l.serial), `KJ-${l.serial}`, TYPE, '陈明', P1, l.from, l.to, l.status ?? '有效']),
    [NONCONFORMING, 'KJ-L0008', TYPE, '陈明', P1, '2010-01-01', '2090-01-01', '有效'],
  ]));
  await writeFile(path.join(ws.dir, 'org-licences.csv'), csv([
    ['证照标识', '证照编号', '证照类型代码', '持证主体', '持证主体代码', '组织机构代码', '有效期截止'],
    [id('B0001'), 'DL-B0001', TYPE, '福州示例会计服务有限公司', U1, '', '长期'],
    [id('B0002'), 'DL-B0002', TYPE, '福州示例财务咨询有限公司', '', U2_ORG, '2006-01-01'],
  ]));
  const run = async (name: string, config: Record<string, unknown>) => {
    const summary = await ws.run(await ws.writePipeline(name, config));
    if (summary.status !== 'succeeded') throw new Error(`${name}: ${summary.errorCode}: ${summary.error}`);
  };
  const mapping = { licence_identifier: '证照标识', licence_number: '证照编号', licence_type_code: '证照类型代码', name: '持证主体', valid_to: '有效期截止' };
  await run('licences', { system: '电子证照库', entity: 'licence', connector: { kind: 'csv', path: 'licences.csv' }, source_key: ['证照标识'],
    mapping: { id_number: '持证主体代码', valid_from: '有效期起始', licence_status: '证照状态', ...mapping } });
  await run('org-licences', { system: '电子证照库', entity: 'licence', connector: { kind: 'csv', path: 'org-licences.csv' }, source_key: ['证照标识'],
    mapping: { uscc: '持证主体代码', org_code: '组织机构代码', ...mapping } });
}, 120_000);
afterAll(() => ws.dispose());

describe('valid_to written as a word for no end', () => {
  it('长期, 长期有效, 永久, 永久有效 are stored as no end and not flagged; a word that is no date is flagged', async () => {
    const rows = await ws.rows(`SELECT licence_number, valid_to, flags FROM licences WHERE pipeline = 'licences' ORDER BY licence_number`);
    expect(rows.map((r) => [r.licence_number, r.valid_to, r.flags === null ? [] : (JSON.parse(String(r.flags)) as { code: string }[]).map((f) => f.code)])).toEqual([
      ...PERSON_LICENCES.map((l) => [`KJ-${l.serial}`, l.validTo, l.flagged === undefined ? [] : [l.flagged]]),
      ['KJ-L0008', '2090-01-01', ['licence_issuer_not_uscc']],
    ]);
    // the payload keeps the word as written
    const [payload] = await ws.rows(`SELECT payload->>'有效期截止' AS written FROM source_record WHERE licence_number = 'KJ-L0001'`);
    expect(payload!.written).toBe('长期');
  });

  it('the JS rule reads the same words, spaces ignored, and nothing else', () => {
    expect(['长期', ' 长期有效', '永久\u3000', '永久有效'].map(isNoEndDate)).toEqual([true, true, true, true]);
    expect(['', '长', '长期限', '2030-01-01', '无'].map(isNoEndDate)).toEqual([false, false, false, false, false]);
  });
});

describe('the licences view', () => {
  it('one row per licence, its state today in China as a lookup computes it, its identifier classified as the classifier does', async () => {
    const today = todayInChina();
    const view = await ws.rows(`SELECT holder_code, holder_kind, holder_code_status, linked_via, licence_identifier, identifier_status, identifier_reasons,
      licence_number, valid_to, licence_state FROM licences ORDER BY licence_number`);
    expect(view).toHaveLength(PERSON_LICENCES.length + 3);
    const byLookup = new Map([...(await licencesOf(ws.index.connection, P1, today)), ...(await licencesOf(ws.index.connection, U1, today))]
      .map((l) => [l.licence_identifier, l]));
    for (const row of view) {
      const classified = classifyLicenceIdentifier(String(row.licence_identifier));
      expect({ n: row.licence_number, status: row.identifier_status, reasons: row.identifier_reasons })
        .toEqual({ n: row.licence_number, status: classified.status, reasons: classified.reasons.map((r) => r.code) });
      const looked = byLookup.get(String(row.licence_identifier));
      if (looked !== undefined) expect({ n: row.licence_number, state: row.licence_state }).toEqual({ n: row.licence_number, state: looked.state });
    }
    expect(view.filter((r) => r.holder_kind === 'person').map((r) => [r.licence_number, r.licence_state])).toEqual([
      ...PERSON_LICENCES.map((l) => [`KJ-${l.serial}`, l.state]), ['KJ-L0008', 'valid'],
    ]);
    expect(view.filter((r) => r.holder_kind === 'person').every((r) => r.holder_code === P1 && r.holder_code_status === 'valid')).toBe(true);
    // organisations: one held by its USCC (no end: valid), one known only by its organisation code, waiting unlinked
    expect(view.filter((r) => r.holder_kind === 'legal_person').map((r) => [r.licence_number, r.holder_code, r.holder_code_status, r.valid_to, r.licence_state])).toEqual([
      ['DL-B0001', U1, 'valid', null, 'valid'], ['DL-B0002', null, 'unlinked', '2006-01-01', 'expired'],
    ]);
  });

  it("an analyst sees a person's holder code, name, licence identifier and number protected, an organisation's in clear", async () => {
    const other = await connectToIndex(ws.index);
    try {
      const leftOut = await installAnalystViews(other, 'mask');
      expect(leftOut.licences).toBeUndefined();
      const rows = (await other.runAndReadAll(`SELECT holder_kind, holder_code, name, licence_identifier, licence_number, source_key, licence_state, valid_to
        FROM licences ORDER BY holder_kind, valid_to NULLS FIRST`)).getRowObjectsJson() as Record<string, unknown>[];
      const persons = rows.filter((r) => r.holder_kind === 'person');
      expect(persons).toHaveLength(PERSON_LICENCES.length + 1);
      for (const r of persons) {
        expect(r.holder_code).toMatch(/^350102\*+[0-9X]$/);
        expect(r.holder_code).not.toBe(P1);
        expect(r.name).not.toBe('陈明');
        expect(String(r.licence_identifier)).toMatch(/^\*+$/);
        expect(String(r.licence_number)).toMatch(/^\*+$/);
        expect(String(r.source_key)).toMatch(/^\*+$/);
      }
      // what is not personal stays readable
      expect(persons.map((r) => r.licence_state).sort()).toEqual([...PERSON_LICENCES.map((l) => l.state), 'valid'].sort());
      const orgs = rows.filter((r) => r.holder_kind === 'legal_person');
      expect(orgs.map((r) => [r.holder_code, r.name, r.licence_identifier, r.licence_number])).toEqual([
        [U1, '福州示例会计服务有限公司', id('B0001'), 'DL-B0001'], [null, '福州示例财务咨询有限公司', id('B0002'), 'DL-B0002'],
      ]);
    } finally {
      other.closeSync();
    }
  });
});
