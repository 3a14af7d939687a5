/**
 * Issue 12: the catalogue codes of an event are those of the resource its data is. When a run of
 * one pipeline links a business record another pipeline loaded earlier (the record waited for a
 * legacy code this run's legal person resolves), the record's change event is written by that
 * run, but the record is the other pipeline's resource: it carries the other pipeline's codes
 * (as that pipeline's latest run recorded them), while the golden record the run creates carries
 * the run's own. Real DuckDB file, real run path.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { organizationCodeCheckCharacter, usccCheckCharacter } from '../../src/identifiers/check-characters.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

const ORG_A = 'MA2Y8K3P' + organizationCodeCheckCharacter('MA2Y8K3P');
const USCC_A = '91350100' + ORG_A + usccCheckCharacter('91350100' + ORG_A);
const ORG_B = 'MA2YQ7K1' + organizationCodeCheckCharacter('MA2YQ7K1');
const USCC_B = '91350100' + ORG_B + usccCheckCharacter('91350100' + ORG_B);

const CONTRACTS = { resource: '301013002/000007', provider: '113500007479380995' };
const AGENCIES = { resource: '301012002/000001', provider: '113500007485260534' };

/** A catalogue entry whose data items are `fields`, with the given codes. */
const entry = (codes: { resource: string; provider: string }, fields: string[]) => ({
  resource_name: '测试资源', resource_code: codes.resource, provider: '样例省测试厅', provider_code: codes.provider,
  classification: '部门信息资源/样例省测试厅', abstract: '测试用。', format: '电子表格',
  data_items: fields.map((field, i) => ({ name: field, type: 'C', code: `T${i}`, field })),
  sharing: { type: 'unconditional', method: '文件' }, open: 'not_open', update_cycle: 'daily', publish_date: '2026-06-01',
});

describe('catalogue codes of a record another pipeline\'s run links', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  it('are the record\'s own pipeline\'s, while the golden record of the linking run carries that run\'s', async () => {
    await writeFile(path.join(ws.dir, 'contracts.csv'), `contract_no,uscc,org_code,amount\nH1,,${ORG_A},1000.00\nH2,${USCC_B},,2000.00\n`);
    const contracts = await ws.writePipeline('contracts', {
      system: '政府采购合同系统', entity: 'record', mode: 'incremental', connector: { kind: 'csv', path: 'contracts.csv' },
      mapping: { uscc: 'uscc', org_code: 'org_code' }, source_key: ['contract_no'], catalogue: entry(CONTRACTS, ['uscc', 'org_code']),
    });
    const first = await ws.run(contracts);
    expect(first).toMatchObject({ status: 'succeeded', loaded: 2, unlinked: 1, events: 1 });

    await writeFile(path.join(ws.dir, 'agencies.csv'), `uscc,name\n${USCC_A},甲科技有限公司\n`);
    const agencies = await ws.writePipeline('agencies', {
      system: '代理记账机构管理系统', entity: 'legal_person', connector: { kind: 'csv', path: 'agencies.csv' },
      mapping: { uscc: 'uscc', name: 'name' }, source_key: ['uscc'], catalogue: entry(AGENCIES, ['uscc', 'name']),
    });
    const second = await ws.run(agencies);
    expect(second).toMatchObject({ status: 'succeeded', relinked: 1 });

    const rows = await ws.rows(`SELECT run_id, entity, op, code, json_extract_string(event, '$.after.pipeline') AS record_of, resource_code, provider_code
      FROM outbox ORDER BY run_id, entity`); // seq orders no events within one run
    expect(rows).toEqual([
      { run_id: first.runId, entity: 'record', op: 'c', code: USCC_B, record_of: 'contracts', resource_code: CONTRACTS.resource, provider_code: CONTRACTS.provider },
      { run_id: second.runId, entity: 'legal_person', op: 'c', code: USCC_A, record_of: null, resource_code: AGENCIES.resource, provider_code: AGENCIES.provider },
      // the contract H1, linked by the agencies' run: still the contracts' resource
      { run_id: second.runId, entity: 'record', op: 'c', code: USCC_A, record_of: 'contracts', resource_code: CONTRACTS.resource, provider_code: CONTRACTS.provider },
    ]);
  });
});
