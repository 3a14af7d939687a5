import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupCode, RELATION_LIST_CAP } from '../../src/index/lookup.ts';
import type { RunSummary } from '../../src/run/run-pipeline.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { AGENCIES, buildSmallIndex, HR, P1, P2, P3, PAYROLL, SOCIAL, U1, U2, U3, U4 } from './small-index.ts';

// `onecode lookup`: lineage of the golden record and relations in both directions.
describe('lookup: lineage and relations', () => {
  let ws: Workspace;
  let runs: Record<string, RunSummary>;
  const lookup = async (code: string) => (await lookupCode(ws.index.connection, code, '2026-01-01'))!;

  beforeAll(async () => {
    ws = await createWorkspace();
    runs = await buildSmallIndex(ws);
  });
  afterAll(async () => ws.dispose());

  it('a person: lineage per golden field, its employer and the legal persons it represents', async () => {
    const doc = await lookup(P1);
    expect(doc.lineage.legal_person).toBeNull();
    const lineage = doc.lineage.person!;
    expect(Object.keys(lineage)).toEqual(['name', 'sex', 'birth_date', 'region_code', 'employer_name', 'employer_uscc']);
    expect(lineage.name).toEqual({ value: '陈明', source: 'record', system: HR.system, pipeline: HR.pipeline, source_key: P1, run_id: runs.hr!.runId, rule: null });
    expect(lineage.employer_name).toMatchObject({ value: '福州示例会计服务有限公司', system: SOCIAL.system, run_id: runs.social!.runId });
    expect(lineage.birth_date).toMatchObject({ value: '1985-03-17', source: 'derived', system: null, rule: expect.stringMatching(/GB 11643-1999 §5/) });
    for (const [field, l] of Object.entries(lineage)) expect(l.value, field).toBe(doc.person![field]);

    expect(doc.relations).toEqual({
      employer: { entity: 'legal_person', code: U1, name: '福州示例会计服务有限公司', in_index: true },
      legal_representative_of: {
        total: 2,
        items: [
          { entity: 'legal_person', code: U1, name: '福州示例会计服务有限公司', in_index: true },
          { entity: 'legal_person', code: U2, name: '福州示例财务咨询有限公司', in_index: true },
        ].sort((a, b) => a.code.localeCompare(b.code)),
      },
    });
    // the source-record level references stay
    expect(doc.referenced_by.map((r) => [r.pipeline, r.role])).toEqual([[AGENCIES.pipeline, 'legal_representative'], [AGENCIES.pipeline, 'legal_representative']]);
  });

  it('a person whose employer is not in the index: the employer has no name and is marked so', async () => {
    const doc = await lookup(P2);
    expect(doc.relations.employer).toEqual({ entity: 'legal_person', code: U3, name: null, in_index: false });
    expect(doc.relations.legal_representative_of).toEqual({ total: 0, items: [] });
    expect(doc.lineage.person!.employer_uscc).toMatchObject({ value: U3, pipeline: SOCIAL.pipeline });
  });

  it('a legal person: lineage, its legal representative and its employees', async () => {
    const doc = await lookup(U1);
    expect(doc.lineage.person).toBeNull();
    const lineage = doc.lineage.legal_person!;
    expect(Object.keys(lineage)).toEqual(['name', 'org_code', 'region_code', 'legal_representative', 'legal_representative_id_number', 'address']);
    expect(lineage.legal_representative_id_number).toEqual({
      value: P1, source: 'record', system: AGENCIES.system, pipeline: AGENCIES.pipeline, source_key: U1, run_id: runs.agencies!.runId, rule: null,
    });
    expect(lineage.org_code).toMatchObject({ value: 'MA2Y8K3P3', source: 'derived', rule: expect.stringMatching(/GB 32100-2015 §4/) });
    expect(doc.relations).toEqual({
      legal_representative: { entity: 'person', code: P1, name: '陈明', in_index: true },
      employees: { total: 1, items: [{ entity: 'person', code: P1, name: '陈明', in_index: true }] },
    });
  });

  it('employees are listed up to the cap, by code, with the total count', async () => {
    const doc = await lookup(U2);
    expect(doc.relations.employees!.total).toBe(PAYROLL.length);
    expect(doc.relations.employees!.items).toHaveLength(RELATION_LIST_CAP);
    expect(doc.relations.employees!.items.map((i) => i.code)).toEqual(PAYROLL.slice(0, RELATION_LIST_CAP));
    expect(doc.relations.employees!.items[0]).toEqual({ entity: 'person', code: PAYROLL[0], name: '职工1', in_index: true });
    // P1 names U2 only in social, which hr outranks: P1 is not a golden employee of U2
    expect(doc.relations.employees!.items.some((i) => i.code === P1)).toBe(false);
    expect(doc.lineage.legal_person!.address).toBeUndefined();
  });

  it('a legal person whose representative is not in the index, and a code known only as an employer', async () => {
    expect((await lookup(U4)).relations.legal_representative).toEqual({ entity: 'person', code: P3, name: null, in_index: false });
    const u3 = await lookup(U3);
    expect(u3.person).toBeNull();
    expect(u3.legal_person).toBeNull();
    expect(u3.lineage).toEqual({ person: null, legal_person: null });
    expect(u3.relations).toEqual({ legal_representative: null, employees: { total: 1, items: [{ entity: 'person', code: P2, name: '林芳', in_index: true }] } });
  });

  it('a person only named as a legal representative: no golden record, the legal persons it represents', async () => {
    const doc = await lookup(P3);
    expect(doc.person).toBeNull();
    expect(doc.relations).toEqual({
      employer: null,
      legal_representative_of: { total: 1, items: [{ entity: 'legal_person', code: U4, name: '厦门示例代理记账有限公司', in_index: true }] },
    });
  });

  it('every golden record: the lineage of a lookup is the lineage view\'s rows of its code, and its referring records are those naming the code', async () => {
    const golden = await ws.rows(`SELECT id_number AS code FROM persons UNION ALL SELECT uscc FROM legal_persons`);
    expect(golden.length).toBeGreaterThan(3);
    for (const { code } of golden as { code: string }[]) {
      const doc = await lookup(code);
      const fromView = await ws.rows(`SELECT entity, field, value, source, system, pipeline, source_key, run_id, rule FROM lineage WHERE code = '${code}' ORDER BY entity, field`);
      const fromDoc = Object.entries(doc.lineage).flatMap(([entity, fields]) => Object.entries(fields ?? {}).map(([field, l]) => ({ entity, field, ...l })))
        .sort((a, b) => a.entity.localeCompare(b.entity) || (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
      expect(fromDoc, code).toEqual(fromView);
      const referring = await ws.rows(`SELECT system, source_key FROM records WHERE (employer_uscc = '${code}' OR legal_representative_id_number = '${code}') AND one_code <> '${code}' ORDER BY system, source_key`);
      expect(doc.referenced_by.map((r) => ({ system: r.system, source_key: r.source_key })), code).toEqual(referring);
    }
  });
});
