/**
 * Issue 4 end to end on the sample: legacy codes link (or wait) as the sample's injected cases
 * say, aliases are kept and looked up, conflicts are exactly the variant-character names,
 * relations work both ways, and stated facts that disagree with the ID number are flagged.
 * The sample runs with the repository's own pipelines, suppliers first, so that their legacy
 * codes wait and are linked by the later runs of other systems.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatus } from '../../src/cli/status.ts';
import { loadPipelineFolder } from '../../src/config/load-pipelines.ts';
import { lookupCode } from '../../src/index/lookup.ts';
import type { RunSummary } from '../../src/run/run-pipeline.ts';
import { generateSample } from '../../src/sample/generate.ts';
import type { InjectedCase } from '../../src/sample/injections.ts';
import type { SampleManifest } from '../../src/sample/manifest.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { fileOf, normaliseCode, readCases, readCsv, readNdjson, type SupplierRecord } from '../sample/read-sample.ts';
import { copyWorkspace, createWorkspace, REPO, type Workspace } from '../support/workspace.ts';

const RUN_DATE = '2026-01-01';
const ORDER = ['procurement-suppliers', 'accounting-staff', 'bookkeeping-agencies', 'subsidy-payments'];
const SUPPLIERS = '政府采购供应商库';

describe('one code for every record (sample, issue 4)', () => {
  let ws: Workspace;
  let manifest: SampleManifest;
  let cases: InjectedCase[];
  let suppliers: SupplierRecord[];
  let staff: string[][];
  let payments: string[][];
  const runs = new Map<string, RunSummary>();
  const casesOf = (system: string, kind: string) => cases.filter((c) => c.system === system && c.kind === kind);
  const legacyOnly = () => cases.filter((c) => c.linkage !== undefined);
  const supplierKey = (c: InjectedCase) => suppliers[c.row - 1]!.supplier_id;
  const column = (system: string, name: string) => fileOf(manifest, system).columns.indexOf(name);
  /** The resident identity number of a CSV row, normalised (kinds are exclusive, so a row with another fault has a clean number). */
  const idOfRow = (rows: string[][], system: string, row: number) => normaliseCode(rows[row - 1]![column(system, '身份证号')]!);
  const lookup = (input: string) => lookupCode(ws.index.connection, input, RUN_DATE);

  beforeAll(async () => {
    ws = await createWorkspace();
    await cp(path.join(REPO, 'pipelines'), path.join(ws.dir, 'pipelines'), { recursive: true });
    const outDir = path.join(ws.dir, 'data/sample');
    manifest = await generateSample({ outDir, seed: 1, scale: 1 });
    cases = await readCases(outDir, manifest);
    suppliers = await readNdjson(outDir, fileOf(manifest, 'procurement-suppliers'));
    staff = (await readCsv(outDir, fileOf(manifest, 'accounting-staff'))).records;
    payments = (await readCsv(outDir, fileOf(manifest, 'subsidy-payments'))).records;
    const pipelines = await loadPipelineFolder(path.join(ws.dir, 'pipelines'));
    for (const name of ORDER) {
      const run = await ws.run(pipelines.find((p: Pipeline) => p.name === name)!);
      expect(run.status, `${name}: ${run.error}`).toBe('succeeded');
      runs.set(name, run);
    }
  }, 120_000);
  afterAll(async () => ws.dispose());

  it('suppliers with only a legacy code wait, then link as other systems show their codes', async () => {
    const expected = legacyOnly();
    const linked = expected.filter((c) => c.linkage!.outcome === 'linked');
    const waiting = expected.filter((c) => c.linkage!.outcome === 'unlinked');
    expect(linked.length).toBeGreaterThan(0);
    expect(waiting.length).toBeGreaterThan(0);
    expect(runs.get('procurement-suppliers')).toMatchObject({ linked: 0, unlinked: expected.length, relinked: 0 });
    const relinked = ORDER.slice(1).reduce((n, name) => n + runs.get(name)!.relinked, 0);
    expect(relinked).toBe(linked.length);
    for (const c of expected) {
      const [record] = await ws.rows(`SELECT one_code, code_status, linked_via FROM records WHERE pipeline = 'procurement-suppliers' AND source_key = '${supplierKey(c)}'`);
      const what = JSON.stringify(c);
      if (c.linkage!.outcome === 'linked') {
        expect(record, what).toEqual({ one_code: c.clean, code_status: 'linked', linked_via: c.kind === 'registrationNumberOnly' ? 'business_reg_no' : 'org_code' });
      } else {
        expect(record, what).toEqual({ one_code: null, code_status: 'unlinked', linked_via: null });
      }
    }
    const status = await readStatus(ws.index.connection);
    expect(status.linkage).toEqual([
      { pipeline: 'accounting-staff', system: '会计人员管理系统', upgraded: casesOf('accounting-staff', 'legacy15Id').length, linked: 0, unlinked: 0 },
      { pipeline: 'procurement-suppliers', system: SUPPLIERS, upgraded: 0, linked: linked.length, unlinked: waiting.length },
      { pipeline: 'subsidy-payments', system: '惠民惠农补贴发放系统', upgraded: casesOf('subsidy-payments', 'legacy15Id').length, linked: 0, unlinked: 0 },
    ]);
  });

  it('keeps every alias with the system and run that first showed it', async () => {
    const suppliersRun = runs.get('procurement-suppliers')!.runId;
    for (const c of legacyOnly().filter((x) => x.linkage!.outcome === 'linked')) {
      const kind = c.kind === 'registrationNumberOnly' ? 'business_reg_no' : 'org_code';
      const rows = await ws.rows(`SELECT system, source_key, first_run_id FROM code_alias WHERE alias = '${c.dirty!.replace('-', '')}' AND alias_kind = '${kind}' AND one_code = '${c.clean}'`);
      expect(rows, JSON.stringify(c)).toEqual([{ system: SUPPLIERS, source_key: supplierKey(c), first_run_id: suppliersRun }]);
    }
    // Suppliers carrying their USCC with its legacy codes show those aliases too.
    for (const c of casesOf('procurement-suppliers', 'withLegacyCodes')) {
      const rows = await ws.rows(`SELECT alias_kind FROM code_alias WHERE alias = '${c.dirty}' AND one_code = '${c.clean}'`);
      expect(rows.length, JSON.stringify(c)).toBe(1);
    }
    // Every 15-digit number of the registry and the payments is an alias of its upgrade.
    const legacy15 = [...casesOf('accounting-staff', 'legacy15Id'), ...casesOf('subsidy-payments', 'legacy15Id')];
    expect(legacy15.length).toBeGreaterThan(0);
    for (const c of legacy15) {
      const rows = await ws.rows(`SELECT one_code FROM code_alias WHERE alias = '${c.dirty!.trim()}' AND alias_kind = 'resident_id_15'`);
      expect(rows, JSON.stringify(c)).toEqual([{ one_code: c.clean }]);
    }
    const [{ n }] = (await ws.rows(`SELECT count(DISTINCT alias)::INT AS n FROM code_alias WHERE alias_kind = 'resident_id_15'`)) as [{ n: number }];
    expect(n).toBe(new Set(legacy15.map((c) => c.dirty!.trim())).size);
  });

  it('lookup accepts every alias and returns the one-code view, or the records still waiting', async () => {
    const linked = legacyOnly().filter((c) => c.linkage!.outcome === 'linked');
    const hyphenated = linked.find((c) => c.kind === 'hyphenatedOrgCodeOnly')!;
    const byOrgCode = await lookup(hyphenated.dirty!);
    expect(byOrgCode).toMatchObject({ code: hyphenated.clean, legal_person: { uscc: hyphenated.clean } });
    expect(byOrgCode!.records.some((r) => r.source_key === supplierKey(hyphenated) && r.linked_via === 'org_code')).toBe(true);
    const registered = linked.find((c) => c.kind === 'registrationNumberOnly')!;
    expect((await lookup(registered.dirty!))!.code).toBe(registered.clean);
    const waiting = legacyOnly().find((c) => c.linkage!.outcome === 'unlinked' && c.kind === 'registrationNumberOnly')!;
    const pending = await lookup(waiting.dirty!);
    expect(pending!.records).toEqual([]);
    expect(pending!.unlinked.map((r) => r.source_key)).toEqual([supplierKey(waiting)]);
    const legacy15 = casesOf('accounting-staff', 'legacy15Id')[0]!;
    const byLegacyId = await lookup(legacy15.dirty!.trim());
    expect(byLegacyId!.code).toBe(legacy15.clean);
    expect(byLegacyId!.aliases).toEqual([expect.objectContaining({ alias: legacy15.dirty!.trim(), alias_kind: 'resident_id_15' })]);
  });

  it('conflicts list the names written with variant characters, never mere spacing', async () => {
    const nameCodes = new Set((await ws.rows(`SELECT DISTINCT code FROM conflicts WHERE entity = 'person' AND field = 'name'`)).map((r) => String(r.code)));
    const variantIds = new Set(casesOf('subsidy-payments', 'nameVariant').filter((c) => c.form === 'variantCharacter').map((c) => idOfRow(payments, 'subsidy-payments', c.row)));
    const spacedIds = new Set(casesOf('subsidy-payments', 'nameVariant').filter((c) => c.form === 'spaced').map((c) => idOfRow(payments, 'subsidy-payments', c.row)));
    expect(nameCodes.size).toBeGreaterThan(0);
    for (const code of nameCodes) expect(variantIds.has(code), code).toBe(true);
    // A variant-character name is a conflict wherever the index holds another record of the person.
    for (const id of variantIds) {
      const [{ n }] = (await ws.rows(`SELECT count(*)::INT AS n FROM records WHERE one_code = '${id}'`)) as [{ n: number }];
      if (n > 1) expect(nameCodes.has(id), id).toBe(true);
    }
    for (const id of spacedIds) if (!variantIds.has(id)) expect(nameCodes.has(id), id).toBe(false);

    // Legal representatives: the agencies' variant-character names against the suppliers' records.
    const repCodes = new Set((await ws.rows(`SELECT DISTINCT code FROM conflicts WHERE field = 'legal_representative'`)).map((r) => String(r.code)));
    const agencyVariants = casesOf('bookkeeping-agencies', 'nameVariant').filter((c) => c.form === 'variantCharacter');
    expect(repCodes.size).toBeGreaterThan(0);
    const [agencies] = [(await ws.rows(`SELECT one_code, legal_representative FROM source_record WHERE pipeline = 'bookkeeping-agencies'`))];
    const variantUsccs = new Set(agencies.filter((r) => agencyVariants.some((c) => c.dirty === r.legal_representative)).map((r) => String(r.one_code)));
    for (const code of repCodes) expect(variantUsccs.has(code), code).toBe(true);
    // Each conflict names both values and their systems; the golden value is the agency's (priority 70 > 50).
    const code = [...repCodes][0]!;
    const rows = await ws.rows(`SELECT system FROM conflicts WHERE code = '${code}' AND field = 'legal_representative' ORDER BY system`);
    expect(rows.map((r) => r.system)).toEqual(['代理记账机构管理系统', SUPPLIERS]);
    const [lineage] = await ws.rows(`SELECT system FROM lineage WHERE code = '${code}' AND field = 'legal_representative'`);
    expect(lineage).toEqual({ system: '代理记账机构管理系统' });
  });

  it('relations are links between codes, shown by lookup both ways', async () => {
    const [agency] = await ws.rows(`
      SELECT l.uscc, l.legal_representative_id_number AS rep FROM legal_persons l JOIN persons p ON p.id_number = l.legal_representative_id_number
      ORDER BY l.uscc LIMIT 1`);
    expect(agency).toBeDefined();
    const agencyDoc = await lookup(String(agency!.uscc));
    expect(agencyDoc!.relations.legal_representative).toMatchObject({ code: agency!.rep, in_index: true });
    const repDoc = await lookup(String(agency!.rep));
    expect(repDoc!.relations.legal_representative_of!.items.map((i) => i.code)).toContain(agency!.uscc);

    const [employee] = await ws.rows(`
      SELECT p.id_number, p.employer_uscc FROM persons p JOIN legal_persons l ON l.uscc = p.employer_uscc ORDER BY p.id_number LIMIT 1`);
    expect(employee).toBeDefined();
    const personDoc = await lookup(String(employee!.id_number));
    expect(personDoc!.relations.employer).toMatchObject({ code: employee!.employer_uscc, in_index: true });
    const employerDoc = await lookup(String(employee!.employer_uscc));
    const [{ n }] = (await ws.rows(`SELECT count(*)::INT AS n FROM persons WHERE employer_uscc = '${employee!.employer_uscc}'`)) as [{ n: number }];
    expect(employerDoc!.relations.employees!.total).toBe(n);
  });

  it('flags exactly the records whose stated sex or birth date disagrees with the ID number', async () => {
    const flagged = async (code: string) => new Set((await ws.rows(`
      SELECT one_code FROM records, unnest(CAST(flags AS STRUCT(code VARCHAR, field VARCHAR, message VARCHAR)[])) f(flag)
      WHERE pipeline = 'accounting-staff' AND flag.code = '${code}'`)).map((r) => String(r.one_code)));
    const expectIds = (kind: string) => new Set(casesOf('accounting-staff', kind).map((c) => idOfRow(staff, 'accounting-staff', c.row)));
    const sex = expectIds('statedSexMismatch');
    const birth = expectIds('statedBirthDateMismatch');
    expect(sex.size).toBeGreaterThan(0);
    expect(birth.size).toBeGreaterThan(0);
    expect(await flagged('stated_sex_mismatch')).toEqual(sex);
    expect(await flagged('stated_birth_date_mismatch')).toEqual(birth);
    // Birth dates written as 2024/3/1, 20240301, 2024年3月1日 or Excel serials read as the same day: no flag, no unreadable date.
    expect(casesOf('accounting-staff', 'nonIsoDate').length).toBeGreaterThan(0);
    expect((await flagged('unreadable_date')).size).toBe(0);
  });

  it('a system repeating values the golden records already hold emits no event', async () => {
    // on a copy of the index, so that the other tests see it as the four runs left it
    const copy = await copyWorkspace(ws);
    try {
      const pipelines = await loadPipelineFolder(path.join(copy.dir, 'pipelines'));
      for (const name of ORDER) {
        const again = await copy.run(pipelines.find((p: Pipeline) => p.name === name)!);
        expect(again, name).toMatchObject({ status: 'succeeded', created: 0, updated: 0, deleted: 0, relinked: 0, events: 0 });
      }
    } finally {
      await copy.dispose();
    }
  });
});
