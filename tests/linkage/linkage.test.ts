/**
 * Linkage of legacy codes (src/index/linkage.ts) through the real run path on a real DuckDB
 * file: records that wait `unlinked`, link on a later run of another pipeline, keep their alias
 * with the system and runs, and emit exactly one change event when their golden record changes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  businessRegistrationNumberCheckDigit,
  organizationCodeCheckCharacter,
  residentIdCheckCharacter,
  usccCheckCharacter,
} from '../../src/identifiers/check-characters.ts';
import { readStatus } from '../../src/cli/status.ts';
import { INDEX_SCHEMA_VERSION } from '../../src/index/ddl.ts';
import { lookupCode } from '../../src/index/lookup.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

const orgCode = (first8: string) => first8 + organizationCodeCheckCharacter(first8);
const uscc = (prefix8: string, org: string) => prefix8 + org + usccCheckCharacter(prefix8 + org);
const regNo = (first14: string) => first14 + businessRegistrationNumberCheckDigit(first14);

const ORG_A = orgCode('MA2Y8K3P');
const USCC_A = uscc('91350100', ORG_A);
const USCC_B = uscc('91350100', orgCode('MA2YQ7K1'));
const USCC_C = uscc('91350200', orgCode('MA31TN8X'));
const REG_C = regNo('35020010000123');

describe('linkage of legacy codes', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const csv = async (file: string, header: string, rows: string[]) =>
    writeFile(path.join(ws.dir, file), [header, ...rows].join('\n') + '\n');
  const suppliers = () => ws.writePipeline('suppliers', {
    system: '政府采购供应商库',
    entity: 'legal_person',
    connector: { kind: 'csv', path: 'suppliers.csv' },
    mapping: { uscc: 'uscc', org_code: 'org_code', business_reg_no: 'reg_no', name: 'name' },
    source_key: ['supplier_id'],
    priority: 50,
  });
  const agencies = () => ws.writePipeline('agencies', {
    system: '代理记账机构管理系统',
    entity: 'legal_person',
    connector: { kind: 'csv', path: 'agencies.csv' },
    mapping: { uscc: 'uscc', name: 'name', business_reg_no: 'reg_no' },
    source_key: ['uscc'],
    priority: 70,
  });
  const SUPPLIERS_HEADER = 'supplier_id,uscc,org_code,reg_no,name';
  const SUPPLIER_ROWS = [
    `S1,,${ORG_A.slice(0, 8)}-${ORG_A[8]},,甲科技有限公司`,
    `S2,,,${REG_C},丙贸易有限公司`,
    `S3,${USCC_B},,,乙咨询有限公司`,
  ];
  const eventsOf = (runId: string) => ws.rows(`SELECT entity, op, code FROM changes WHERE run_id = '${runId}' ORDER BY code`);

  it('a record with only a legacy code waits unlinked, then links when another system shows the code, once', async () => {
    await csv('suppliers.csv', SUPPLIERS_HEADER, SUPPLIER_ROWS);
    const s = await suppliers();
    const first = await ws.run(s);
    expect(first).toMatchObject({ status: 'succeeded', rowsRead: 3, loaded: 3, quarantined: 0, linked: 0, unlinked: 2, relinked: 0, events: 1 });
    expect(await ws.rows(`SELECT source_key, one_code, code_status FROM records ORDER BY source_key`)).toEqual([
      { source_key: 'S1', one_code: null, code_status: 'unlinked' },
      { source_key: 'S2', one_code: null, code_status: 'unlinked' },
      { source_key: 'S3', one_code: USCC_B, code_status: 'valid' },
    ]);
    expect(await ws.rows(`SELECT uscc FROM legal_persons`)).toEqual([{ uscc: USCC_B }]);
    const waiting = await readStatus(ws.index.connection);
    expect(waiting.linkage).toEqual([{ pipeline: 'suppliers', system: '政府采购供应商库', upgraded: 0, linked: 0, unlinked: 2 }]);

    // Another system shows USCC A (which embeds ORG_A) and, on one record, C with its registration number.
    await csv('agencies.csv', 'uscc,name,reg_no', [`${USCC_A},甲科技有限公司,`, `${USCC_C},丙贸易有限公司,${REG_C}`]);
    const a = await agencies();
    const second = await ws.run(a);
    expect(second).toMatchObject({ status: 'succeeded', loaded: 2, relinked: 2, created: 2 });
    expect(await ws.rows(`SELECT source_key, one_code, code_status, linked_via FROM records WHERE pipeline = 'suppliers' ORDER BY source_key`)).toEqual([
      { source_key: 'S1', one_code: USCC_A, code_status: 'linked', linked_via: 'org_code' },
      { source_key: 'S2', one_code: USCC_C, code_status: 'linked', linked_via: 'business_reg_no' },
      { source_key: 'S3', one_code: USCC_B, code_status: 'valid', linked_via: null },
    ]);
    // One event per golden record created; the linked supplier records add no second event.
    expect(await eventsOf(second.runId)).toEqual([
      { entity: 'legal_person', op: 'c', code: USCC_A },
      { entity: 'legal_person', op: 'c', code: USCC_C },
    ]);
    // Every alias, with the system and record that first showed it, the run that loaded that
    // record and the run that linked it.
    expect(await ws.rows(`SELECT alias, alias_kind, one_code, pipeline, system, source_key, first_run_id, linked_run_id FROM code_alias ORDER BY alias_kind, alias`)).toEqual([
      // shown first by the supplier (run 1), though only the agency's record, carrying both, links it
      { alias: REG_C, alias_kind: 'business_reg_no', one_code: USCC_C, pipeline: 'suppliers', system: '政府采购供应商库', source_key: 'S2', first_run_id: first.runId, linked_run_id: second.runId },
      { alias: ORG_A, alias_kind: 'org_code', one_code: USCC_A, pipeline: 'suppliers', system: '政府采购供应商库', source_key: 'S1', first_run_id: first.runId, linked_run_id: second.runId },
    ]);
    const linked = await readStatus(ws.index.connection);
    expect(linked.linkage).toEqual([{ pipeline: 'suppliers', system: '政府采购供应商库', upgraded: 0, linked: 2, unlinked: 0 }]);

    // The suppliers' export again, unchanged: the records stay linked and nothing is emitted.
    const third = await ws.run(s);
    expect(third).toMatchObject({ status: 'succeeded', unchanged: 3, updated: 0, linked: 2, unlinked: 0, events: 0 });
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM records WHERE code_status = 'linked'`)).toEqual([{ n: 2 }]);
  });

  it('links within one run and against codes of earlier runs; a supplier repeating a higher-priority value emits nothing', async () => {
    await csv('agencies.csv', 'uscc,name,reg_no', [`${USCC_A},甲科技有限公司,`]);
    await ws.run(await agencies());
    await csv('suppliers.csv', SUPPLIERS_HEADER, [...SUPPLIER_ROWS, `S4,${USCC_C},,${REG_C},丙贸易有限公司`]);
    const s = await suppliers();
    const run = await ws.run(s);
    // S1 links to A (an earlier run showed it), S2 to C (S4, in this very extract, carries both).
    expect(run).toMatchObject({ status: 'succeeded', loaded: 4, linked: 2, unlinked: 0 });
    expect(await ws.rows(`SELECT source_key, one_code FROM records WHERE pipeline = 'suppliers' ORDER BY source_key`)).toEqual([
      { source_key: 'S1', one_code: USCC_A }, { source_key: 'S2', one_code: USCC_C }, { source_key: 'S3', one_code: USCC_B }, { source_key: 'S4', one_code: USCC_C },
    ]);
    // A's golden record was already there with the agency's (higher-priority) name: the supplier repeats it, no event.
    expect((await eventsOf(run.runId)).map((e) => e.code)).toEqual([USCC_B, USCC_C].sort());
  });

  it('stays unlinked when the organisation code is embedded by two USCCs, or the legacy codes disagree', async () => {
    const otherA = uscc('91350200', ORG_A);
    await csv('agencies.csv', 'uscc,name,reg_no', [`${USCC_A},甲科技有限公司,`, `${otherA},甲科技有限公司厦门,`, `${USCC_C},丙贸易有限公司,${REG_C}`]);
    await ws.run(await agencies());
    await csv('suppliers.csv', SUPPLIERS_HEADER, [`S1,,${ORG_A},,甲`, `S2,,${orgCode('MA2YQ7K1')},${REG_C},乙`, `S3,${USCC_B},,,乙`]);
    const run = await ws.run(await suppliers());
    expect(run).toMatchObject({ status: 'succeeded', loaded: 3, linked: 0, unlinked: 2 });
    // lookup names the USCCs an ambiguous code could be, and the record waiting on it.
    const doc = await lookupCode(ws.index.connection, ORG_A, '2026-01-01');
    expect(doc).toMatchObject({ ambiguous: [USCC_A, otherA].sort(), records: [] });
    expect(doc!.unlinked.map((r) => r.source_key)).toEqual(['S1']);
  });

  it('resolves links again on every run: a second USCC embedding the code sends the record back to waiting, whatever the order', async () => {
    const otherA = uscc('91350200', ORG_A);
    const agencies2 = () => ws.writePipeline('agencies2', {
      system: '另一登记系统', entity: 'legal_person', connector: { kind: 'csv', path: 'agencies2.csv' },
      mapping: { uscc: 'uscc', name: 'name' }, source_key: ['uscc'], priority: 60,
    });
    await csv('suppliers.csv', SUPPLIERS_HEADER, [`S1,,${ORG_A},,甲科技有限公司`, `S3,${USCC_B},,,乙咨询有限公司`]);
    await csv('agencies.csv', 'uscc,name,reg_no', [`${USCC_A},甲科技有限公司,`]);
    await csv('agencies2.csv', 'uscc,name', [`${otherA},甲科技有限公司厦门,`, `${USCC_C},丙贸易有限公司`]);
    const [s, a, a2] = [await suppliers(), await agencies(), await agencies2()];
    const s1 = async () => (await ws.rows(`SELECT one_code, code_status FROM records WHERE source_key = 'S1'`))[0];

    await ws.run(s);
    expect(await ws.run(a)).toMatchObject({ relinked: 1 });
    expect(await s1()).toEqual({ one_code: USCC_A, code_status: 'linked' });
    // A second USCC embedding ORG_A: the link is ambiguous now, S1 waits again.
    const second = await ws.run(a2);
    expect(second).toMatchObject({ status: 'succeeded', relinked: 1 });
    expect(await s1()).toEqual({ one_code: null, code_status: 'unlinked' });
    // Stable: the suppliers' unchanged export changes nothing.
    expect(await ws.run(s)).toMatchObject({ updated: 0, unchanged: 2, unlinked: 1, events: 0 });
    // The snapshot of agencies2 that no longer holds otherA links S1 again, in that very run.
    await csv('agencies2.csv', 'uscc,name', [`${USCC_C},丙贸易有限公司`]);
    const third = await ws.run(a2, { allowDeletes: true });
    expect(third).toMatchObject({ status: 'succeeded', deleted: 1, relinked: 1 });
    expect(await s1()).toEqual({ one_code: USCC_A, code_status: 'linked' });
    const golden = await ws.rows(`SELECT uscc FROM legal_persons ORDER BY uscc`);

    // The same exports in another order end in the same state.
    const other = await createWorkspace();
    try {
      for (const f of ['suppliers.csv', 'agencies.csv', 'agencies2.csv']) await writeFile(path.join(other.dir, f), await readFile(path.join(ws.dir, f)));
      for (const name of ['agencies2', 'agencies', 'suppliers']) {
        const config = (await import('yaml')).parse(await readFile(path.join(ws.dir, `${name}.yaml`), 'utf8'));
        expect((await other.run(await other.writePipeline(name, config))).status).toBe('succeeded');
      }
      expect(await other.rows(`SELECT one_code, code_status FROM records WHERE source_key = 'S1'`)).toEqual([{ one_code: USCC_A, code_status: 'linked' }]);
      expect(await other.rows(`SELECT uscc FROM legal_persons ORDER BY uscc`)).toEqual(golden);
    } finally {
      await other.dispose();
    }
  });

  it('a row with no USCC whose legacy codes are all invalid is quarantined, naming them', async () => {
    await csv('suppliers.csv', SUPPLIERS_HEADER, [`S1,,MA2Y8K3P0,,甲`, `S2,,,350100100001230,乙`, `S3,${USCC_B},,,乙`]);
    const run = await ws.run(await suppliers());
    expect(run).toMatchObject({ status: 'succeeded', loaded: 1, quarantined: 2, unlinked: 0 });
    const q = await ws.rows(`SELECT line, reason_codes FROM quarantine ORDER BY line`);
    expect(q.map((r) => Number(r.line))).toEqual([2, 3]);
    for (const r of q) expect(r.reason_codes).toContain('one_code_missing');
  });

  it('business records about a legal person wait too, and enter the feed when they link', async () => {
    await csv('contracts.csv', 'contract_no,uscc,org_code,amount', [`H1,,${ORG_A},1000.00`, `H2,${USCC_B},,2000.00`]);
    const contracts = await ws.writePipeline('contracts', {
      system: '政府采购合同系统', entity: 'record', mode: 'incremental', connector: { kind: 'csv', path: 'contracts.csv' },
      mapping: { uscc: 'uscc', org_code: 'org_code' }, source_key: ['contract_no'],
    });
    const first = await ws.run(contracts);
    expect(first).toMatchObject({ status: 'succeeded', loaded: 2, unlinked: 1, events: 1 });
    expect(await eventsOf(first.runId)).toEqual([{ entity: 'record', op: 'c', code: USCC_B }]);

    await csv('agencies.csv', 'uscc,name,reg_no', [`${USCC_A},甲科技有限公司,`]);
    const second = await ws.run(await agencies());
    expect(second).toMatchObject({ status: 'succeeded', relinked: 1 });
    // The agency's golden record, and the contract, now under A.
    expect((await eventsOf(second.runId)).sort((x, y) => String(x.entity).localeCompare(String(y.entity)))).toEqual([
      { entity: 'legal_person', op: 'c', code: USCC_A },
      { entity: 'record', op: 'c', code: USCC_A },
    ]);
    const [event] = await ws.rows(`SELECT event FROM changes WHERE run_id = '${second.runId}' AND entity = 'record'`);
    expect(JSON.parse(String(event!.event)).after).toMatchObject({ pipeline: 'contracts', source_key: 'H1', code: USCC_A, fields: { amount: '1000.00' } });
    expect((await lookupCode(ws.index.connection, ORG_A, '2026-01-01'))!.records.map((r) => r.source_key)).toEqual([USCC_A, 'H1']);
    expect(await ws.run(contracts)).toMatchObject({ status: 'succeeded', unchanged: 2, events: 0 });

    // A second USCC embedding ORG_A: the contract waits again and leaves the feed (a delete).
    await csv('others.csv', 'uscc,name', [`${uscc('91350200', ORG_A)},甲科技有限公司厦门`]);
    const others = await ws.writePipeline('others', {
      system: '另一登记系统', entity: 'legal_person', connector: { kind: 'csv', path: 'others.csv' }, mapping: { uscc: 'uscc', name: 'name' }, source_key: ['uscc'],
    });
    const third = await ws.run(others);
    expect(third).toMatchObject({ status: 'succeeded', relinked: 1 });
    const [gone] = await ws.rows(`SELECT op, code, event FROM changes WHERE run_id = '${third.runId}' AND entity = 'record'`);
    expect(gone).toMatchObject({ op: 'd', code: USCC_A });
    expect(JSON.parse(String(gone!.event))).toMatchObject({ before: { source_key: 'H1', code: USCC_A }, after: null });
  });

  it('takes a valid USCC found in the organisation-code or registration-number column as the one code, flagged', async () => {
    await csv('suppliers.csv', SUPPLIERS_HEADER, [`S1,,${USCC_A.toLowerCase()},,甲`, `S2,,, ${USCC_C} ,丙`, `S3,,MA2Y8K3P-0,,丁`]);
    const run = await ws.run(await suppliers());
    expect(run).toMatchObject({ status: 'succeeded', loaded: 2, quarantined: 1, unlinked: 0 });
    const records = await ws.rows(`SELECT source_key, one_code, code_status, flags FROM records ORDER BY source_key`);
    expect(records.map((r) => [r.source_key, r.one_code, r.code_status])).toEqual([['S1', USCC_A, 'valid'], ['S2', USCC_C, 'valid']]);
    for (const r of records) expect(JSON.parse(String(r.flags)).map((f: { code: string }) => f.code)).toContain('uscc_in_legacy_field');
    // The invalid organisation code's own reasons go to quarantine with the row.
    const [q] = await ws.rows(`SELECT reason_codes FROM quarantine`);
    expect(q!.reason_codes).toEqual(expect.arrayContaining(['one_code_missing', 'check_character_mismatch']));
  });

  it('flags an organisation code that is not the one its USCC embeds, and keeps no alias for it', async () => {
    await csv('suppliers.csv', SUPPLIERS_HEADER, [`S1,${USCC_B},${ORG_A},,乙`]);
    await ws.run(await suppliers());
    const [record] = await ws.rows(`SELECT flags FROM records`);
    expect(JSON.parse(String(record!.flags)).map((f: { code: string }) => f.code)).toEqual(['org_code_mismatch']);
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM code_alias`)).toEqual([{ n: 0 }]);
  });

  it('keeps a 15-digit resident identity number as an alias of its 18-character upgrade', async () => {
    const id18 = `35010219800101123${residentIdCheckCharacter('35010219800101123')}`;
    await csv('staff.csv', 'id,name', ['350102800101123,陈明']);
    const p = await ws.writePipeline('staff', {
      system: '会计人员管理系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: 'id', name: 'name' }, source_key: ['id'],
    });
    const run = await ws.run(p);
    expect(await ws.rows(`SELECT alias, alias_kind, one_code, system, first_run_id FROM code_alias`)).toEqual([
      { alias: '350102800101123', alias_kind: 'resident_id_15', one_code: id18, system: '会计人员管理系统', first_run_id: run.runId },
    ]);
    await ws.run(p);
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM code_alias`)).toEqual([{ n: 1 }]);
  });
});

describe('an index written before linkage (schema version 1)', () => {
  it('is migrated when opened: records may then wait unlinked', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const { INDEX_DDL, INDEX_SCHEMA_VERSION } = await import('../../src/index/ddl.ts');
    const { openIndex } = await import('../../src/index/open-index.ts');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-migrate-'));
    const file = path.join(dir, 'index.duckdb');
    // The version-1 layout: no linked_via, one_code NOT NULL, no linkage counts in run_log.
    const v1 = INDEX_DDL.replace(/\s*linked_via VARCHAR,/, '')
      .replace(/one_code VARCHAR (USING COMPRESSION uncompressed),\n\s*code_kind/, 'one_code VARCHAR NOT NULL $1,\n  code_kind')
      .replace('linked BIGINT, unlinked BIGINT, relinked BIGINT,', '');
    expect(v1).not.toContain('linked_via');
    const old = await DuckDBInstance.create(file);
    const oc = await old.connect();
    await oc.run(v1);
    await oc.run(`INSERT INTO onecode_meta VALUES ('schema_version', '1')`);
    await oc.run(`INSERT INTO source_record (pipeline, system, entity, source_key, one_code, code_kind, code_status, payload, payload_hash, priority, first_run_id, changed_run_id, changed_run_no)
                  VALUES ('p', 's', 'person', 'k', '${'1'.repeat(18)}', 'resident_id', 'valid', '{}', 123, 50, 'r1', 'r1', 1)`);
    oc.closeSync();
    old.closeSync();
    const index = await openIndex(file);
    try {
      const columns = (await index.connection.runAndReadAll(`SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'source_record' AND column_name IN ('one_code', 'linked_via') ORDER BY 1`)).getRows();
      expect(columns).toEqual([['linked_via', 'YES'], ['one_code', 'YES']]);
      const version = (await index.connection.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).getRows();
      expect(version).toEqual([[String(INDEX_SCHEMA_VERSION)]]);
      // Records loaded before normalisation are rewritten by the next run of their pipeline.
      const hashes = (await index.connection.runAndReadAll(`SELECT payload_hash::VARCHAR FROM source_record`)).getRows();
      expect(hashes).toEqual([['0']]);
    } finally {
      index.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
