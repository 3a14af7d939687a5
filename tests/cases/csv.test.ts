import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// ../shared/cases/csv: encodings, BOM and CRLF, RFC 4180 quoting, leading zeros.
describe('CSV cases (cases/csv)', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const staffPipeline = (encoding: string) =>
    ws.writePipeline('staff', {
      system: '会计人员管理系统',
      entity: 'person',
      connector: { kind: 'csv', path: 'accounting-staff.gbk.csv', encoding },
      mapping: { id_number: '身份证号', name: '姓名', employer_name: '工作单位', employer_uscc: '单位统一社会信用代码', updated_at: '更新时间' },
      source_key: ['身份证号'],
    });

  for (const encoding of ['gbk', 'gb18030']) {
    it(`accounting-staff.gbk.csv read as ${encoding}: Chinese header, quoted comma, no U+FFFD`, async () => {
      await ws.copyCase('csv/accounting-staff.gbk.csv');
      const run = await ws.run(await staffPipeline(encoding));
      expect(run).toMatchObject({ status: 'succeeded', rowsRead: 2, loaded: 2, quarantined: 0 });
      const persons = await ws.rows(`SELECT id_number, name, employer_name FROM persons ORDER BY id_number`);
      expect(persons).toEqual([
        { id_number: '350102198503171237', name: '陈明', employer_name: '福州示例会计服务有限公司' },
        { id_number: '35020319900228108X', name: '林芳', employer_name: '厦门示例科技有限公司, 财务部' },
      ]);
      const [payload] = await ws.rows(`SELECT payload FROM records WHERE one_code = '35020319900228108X'`);
      expect(Object.keys(JSON.parse(String(payload!.payload)))).toEqual(['身份证号', '姓名', '工作单位', '单位统一社会信用代码', '更新时间']);
      expect(await ws.rows(`SELECT count(*)::INT AS n FROM records WHERE contains(CAST(payload AS VARCHAR), chr(65533))`)).toEqual([{ n: 0 }]);
    });
  }

  it('accounting-staff.gbk.csv read as UTF-8: the run fails naming the file and the encoding, nothing reaches the index', async () => {
    await ws.copyCase('csv/accounting-staff.gbk.csv');
    const run = await ws.run(await staffPipeline('utf-8'));
    expect(run.status).toBe('failed');
    expect(run.errorCode).toBe('header_undecodable');
    expect(run.error).toMatch(/accounting-staff\.gbk\.csv:1: .*not valid utf-8.*GBK/);
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM records`)).toEqual([{ n: 0 }]);
  });

  it('a GBK row with bytes that do not decode is quarantined, never indexed with U+FFFD', async () => {
    const { writeFile } = await import('node:fs/promises');
    const iconv = (await import('iconv-lite')).default;
    const good = iconv.encode('身份证号,姓名,工作单位,单位统一社会信用代码,更新时间\n350102198503171237,陈明,单位,91350100MA2Y8K3P3P,2024-05-01\n', 'gbk');
    const bad = Buffer.concat([Buffer.from('35020319900228108X,'), Buffer.from([0x81, 0x20]), Buffer.from(',单位,,2024-05-01\n')]);
    await writeFile(`${ws.dir}/accounting-staff.gbk.csv`, Buffer.concat([good, bad]));
    const run = await ws.run(await staffPipeline('gbk'));
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 2, loaded: 1, quarantined: 1 });
    const [q] = await ws.rows(`SELECT line, reason_codes FROM quarantine`);
    expect(q).toEqual({ line: '3', reason_codes: ['undecodable_bytes'] });
  });

  it('agencies.bom.csv: BOM stripped, CRLF, first column found by its name', async () => {
    await ws.copyCase('csv/agencies.bom.csv');
    const p = await ws.writePipeline('agencies', {
      system: '代理记账机构管理系统',
      entity: 'legal_person',
      connector: { kind: 'csv', path: 'agencies.bom.csv' },
      mapping: { uscc: '统一社会信用代码', name: '机构名称', legal_representative: '法定代表人', legal_representative_id_number: '法定代表人身份证号' },
      source_key: ['统一社会信用代码'],
    });
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 1, loaded: 1 });
    expect(await ws.rows(`SELECT uscc, name, legal_representative_id_number FROM legal_persons`)).toEqual([
      { uscc: '91350100MA2Y8K3P3P', name: '福州示例会计服务有限公司', legal_representative_id_number: '350102198503171237' },
    ]);
    const [r] = await ws.rows(`SELECT payload FROM records`);
    expect(String(r!.payload)).not.toMatch(/\r|\uFEFF/);
  });

  it('quoted-fields.csv: exactly 2 records, newline, comma and doubled quotes inside fields, lines where records start', async () => {
    await ws.copyCase('csv/quoted-fields.csv');
    const p = await ws.writePipeline('quoted', {
      system: 'quoted',
      entity: 'legal_person',
      connector: { kind: 'csv', path: 'quoted-fields.csv' },
      mapping: { uscc: '统一社会信用代码', name: '名称' },
      source_key: ['统一社会信用代码'],
    });
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 2, loaded: 2 });
    const rows = (await ws.rows(`SELECT line, payload FROM records ORDER BY line`)).map((r) => ({ line: r.line, ...JSON.parse(String(r.payload)) }));
    expect(rows).toEqual([
      { line: '2', 统一社会信用代码: '91350100MA2Y8K3P3P', 名称: '福州示例会计服务有限公司', 备注: '第一行\n第二行' },
      { line: '4', 统一社会信用代码: '91350102MA30000960', 名称: '厦门示例科技有限公司, 分部', 备注: '含"引号"' },
    ]);
  });

  it('leading-zeros.csv: account numbers and postcodes stay strings with their zeros', async () => {
    await ws.copyCase('csv/leading-zeros.csv');
    const p = await ws.writePipeline('zeros', {
      system: 'zeros',
      entity: 'record',
      connector: { kind: 'csv', path: 'leading-zeros.csv' },
      mapping: { id_number: '身份证号' },
      source_key: ['银行账号'],
    });
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'succeeded', loaded: 1 });
    const [r] = await ws.rows(`SELECT source_key, payload FROM records`);
    expect(r!.source_key).toBe('000123456789');
    expect(JSON.parse(String(r!.payload))).toMatchObject({ 银行账号: '000123456789', 邮政编码: '050000', 金额: '1200.50' });
  });
});

describe('registry reality', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  it('an authoritative registry keeps a USCC that fails its check as nonconforming, flagged and uncorrected; others quarantine it', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${ws.dir}/registry.csv`, '统一社会信用代码,机构名称\n91350100MA2Y8K3P3Q,福州示例会计服务有限公司\n91350102MA30000960,厦门示例科技有限公司\n');
    const config = (authoritative: boolean) => ({
      system: '登记系统', entity: 'legal_person', authoritative,
      connector: { kind: 'csv', path: 'registry.csv' }, mapping: { uscc: '统一社会信用代码', name: '机构名称' }, source_key: ['统一社会信用代码'],
    });
    const registry = await ws.run(await ws.writePipeline('registry', config(true)));
    expect(registry).toMatchObject({ status: 'succeeded', loaded: 2, quarantined: 0 });
    const [kept] = await ws.rows(`SELECT one_code, code_status, flags FROM records WHERE pipeline = 'registry' AND one_code LIKE '%Q'`);
    expect(kept).toMatchObject({ one_code: '91350100MA2Y8K3P3Q', code_status: 'nonconforming' });
    expect(JSON.parse(String(kept!.flags)).map((f: { code: string }) => f.code)).toContain('check_character_mismatch');
    const other = await ws.run(await ws.writePipeline('other', config(false)));
    expect(other).toMatchObject({ status: 'succeeded', loaded: 1, quarantined: 1 });
  });
});

describe('conflicts and aliases', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  it('systems disagreeing on a field appear in conflicts with both values and sources; spacing and interpunct variants do not', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { lookupCode } = await import('../../src/index/lookup.ts');
    await writeFile(`${ws.dir}/a.csv`, '统一社会信用代码,机构名称,法定代表人,注册号\n91350100MA2Y8K3P3P,福州示例会计服务有限公司,陈明,350100100001237\n91350102MA30000960,厦门示例（科技）有限公司,阿依·买买提,\n');
    await writeFile(`${ws.dir}/b.csv`, '统一社会信用代码,机构名称,法定代表人\n91350100MA2Y8K3P3P,福州示例会计服务有限公司,林芳\n91350102MA30000960,厦门示例(科技)有限公司,阿依•买买提\n');
    const pipeline = (name: string, extra: Record<string, string> = {}) => ws.writePipeline(name, {
      system: `系统${name}`, entity: 'legal_person', connector: { kind: 'csv', path: `${name}.csv` },
      mapping: { uscc: '统一社会信用代码', name: '机构名称', legal_representative: '法定代表人', ...extra }, source_key: ['统一社会信用代码'],
    });
    expect((await ws.run(await pipeline('a', { business_reg_no: '注册号' }))).status).toBe('succeeded');
    expect((await ws.run(await pipeline('b'))).status).toBe('succeeded');
    expect(await ws.rows(`SELECT code, field, value, system FROM conflicts`)).toEqual([
      { code: '91350100MA2Y8K3P3P', field: 'legal_representative', value: '陈明', system: '系统a' },
      { code: '91350100MA2Y8K3P3P', field: 'legal_representative', value: '林芳', system: '系统b' },
    ]);
    // an organisation code (with its hyphen) and a registration number find the legal person
    const byOrgCode = await lookupCode(ws.index.connection, 'MA2Y8K3P-3', '2026-01-01');
    expect(byOrgCode).toMatchObject({ code: '91350100MA2Y8K3P3P', alias: 'MA2Y8K3P3', systems: ['系统a', '系统b'] });
    const byRegNo = await lookupCode(ws.index.connection, '350100100001237', '2026-01-01');
    expect(byRegNo).toMatchObject({ code: '91350100MA2Y8K3P3P', alias: '350100100001237' });
  });
});
