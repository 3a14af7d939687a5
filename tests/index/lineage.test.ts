import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DERIVED, DERIVED_RULES, GOLDEN_TABLES, goldenSql, SURVIVING } from '../../src/index/golden.ts';
import type { RunSummary } from '../../src/run/run-pipeline.ts';
import { copyWorkspace, createWorkspace, type Workspace } from '../support/workspace.ts';
import { AGENCIES, buildSmallIndex, HR, lineageMismatches, lineageOutranked, P1, P2, rerunHr, SOCIAL, U1, U2, U3 } from './small-index.ts';

// The lineage view: which source record supplied each golden field, on a small index built
// through the real path (CSV extracts, runPipeline) by systems of different priorities.
describe('lineage', () => {
  let ws: Workspace;
  let runs: Record<string, RunSummary>;
  const lineageOf = (code: string, w = ws) =>
    w.rows(`SELECT field, value, pipeline, system, source_key, run_id, priority, updated_at, source, rule FROM lineage WHERE code = '${code}' ORDER BY field`);
  const byField = async (code: string, w = ws) => Object.fromEntries((await lineageOf(code, w)).map((r) => [r.field, r]));

  beforeAll(async () => {
    ws = await createWorkspace();
    runs = await buildSmallIndex(ws);
  });
  afterAll(async () => ws.dispose());

  it('names the system and run that supplied each stored field: the higher priority wins a disagreement, the other system fills what it lacks', async () => {
    const p1 = await byField(P1);
    // hr (priority 80) and social (50) disagree on the name: hr's wins although social's is newer
    expect(p1.name).toEqual({
      field: 'name', value: '陈明', pipeline: HR.pipeline, system: HR.system, source_key: P1, run_id: runs.hr!.runId,
      priority: HR.priority, updated_at: '2024-01-01', source: 'record', rule: null,
    });
    expect(p1.employer_uscc).toMatchObject({ value: U1, pipeline: HR.pipeline, run_id: runs.hr!.runId });
    // hr has no employer name: social supplies it
    expect(p1.employer_name).toMatchObject({ value: '福州示例会计服务有限公司', pipeline: SOCIAL.pipeline, system: SOCIAL.system, run_id: runs.social!.runId, priority: SOCIAL.priority });
    // P2: hr has no employer at all, social supplies both employer fields
    const p2 = await byField(P2);
    expect(p2.name).toMatchObject({ value: '林芳', pipeline: HR.pipeline });
    expect(p2.employer_uscc).toMatchObject({ value: U3, pipeline: SOCIAL.pipeline, run_id: runs.social!.runId });
    const [golden] = await ws.rows(`SELECT name, employer_name, employer_uscc FROM persons WHERE id_number = '${P1}'`);
    expect(golden).toEqual({ name: p1.name!.value, employer_name: p1.employer_name!.value, employer_uscc: p1.employer_uscc!.value });
  });

  it('gives fields derived from the code the source "derived" and the standard clause, no system', async () => {
    const p1 = await byField(P1);
    expect(p1.birth_date).toMatchObject({ value: '1985-03-17', source: 'derived', pipeline: null, system: null, source_key: null, run_id: null });
    expect(p1.sex).toMatchObject({ value: 'male', source: 'derived', rule: DERIVED_RULES.person.sex });
    expect(p1.region_code).toMatchObject({ value: '350102', source: 'derived' });
    expect(String(p1.birth_date!.rule)).toMatch(/^GB 11643-1999 §5/);
    const u1 = await byField(U1);
    expect(u1.org_code).toMatchObject({ value: 'MA2Y8K3P3', source: 'derived', rule: expect.stringMatching(/^GB 32100-2015 §4/) });
    expect(u1.region_code).toMatchObject({ value: '350100', source: 'derived' });
    expect(u1.legal_representative_id_number).toMatchObject({ value: P1, pipeline: AGENCIES.pipeline, run_id: runs.agencies!.runId });
    for (const entity of ['person', 'legal_person'] as const) expect(Object.keys(DERIVED_RULES[entity]).sort()).toEqual(Object.keys(DERIVED[entity]).sort());
  });

  it('leaves out a field no system holds (NULL in the golden record)', async () => {
    const [u2] = await ws.rows(`SELECT address FROM legal_persons WHERE uscc = '${U2}'`);
    expect(u2).toEqual({ address: null });
    expect((await byField(U2)).address).toBeUndefined();
  });

  it('agrees with the golden records on every field of every golden record, and every supplier is the record survivorship picks', async () => {
    expect(await lineageMismatches(ws)).toEqual([]);
    expect(await lineageOutranked(ws)).toEqual([]);
    const [counts] = await ws.rows(`SELECT count(*)::INT AS n, count(DISTINCT (entity, code, field))::INT AS distinct_n FROM lineage`);
    expect(counts!.n).toBe(counts!.distinct_n);
    expect(counts!.n).toBeGreaterThan(100);
  });

  it('follows survivorship when the winning record changes: hr drops the name, social\'s becomes golden and its run is named', async () => {
    // on a copy of the small index, so that the other tests see it as built
    const changed = await copyWorkspace(ws);
    try {
      const rerun = await rerunHr(changed, [[P1, '', U1, '2024-02-01'], [P2, '林芳', '', '2024-01-01']]);
      expect(rerun).toMatchObject({ status: 'succeeded', updated: 1 });
      const p1 = await byField(P1, changed);
      expect(p1.name).toMatchObject({ value: '陈明', pipeline: SOCIAL.pipeline, run_id: runs.social!.runId });
      expect(p1.employer_uscc).toMatchObject({ value: U1, pipeline: HR.pipeline, run_id: rerun.runId, updated_at: '2024-02-01' });
      expect(await lineageMismatches(changed)).toEqual([]);
      expect(await lineageOutranked(changed)).toEqual([]);
    } finally {
      await changed.dispose();
    }
  });

  it('goldenSql and lineage share one field list and one rank (golden.ts)', () => {
    const sql = goldenSql('person', 'SELECT 1', 'r1');
    for (const f of SURVIVING.person) expect(sql).toContain(`arg_max(${f}, struct_pack(p := priority, u := coalesce(updated_at, ''), r := changed_run_no, k := source_key)) FILTER (WHERE ${f} IS NOT NULL)`);
    expect(GOLDEN_TABLES.person.stored).toBe(SURVIVING.person);
  });
});
