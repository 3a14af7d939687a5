/**
 * Conflicts compare values as the normalisation keys do, and "most recent" in survivorship reads
 * updated_at as a date whatever form the source wrote it in; through the real run path.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { organizationCodeCheckCharacter, residentIdCheckCharacter, usccCheckCharacter } from '../../src/identifiers/check-characters.ts';
import { classify } from '../../src/identifiers/classify.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

const uscc = (org8: string) => {
  const first17 = `91350100${org8}${organizationCodeCheckCharacter(org8)}`;
  return first17 + usccCheckCharacter(first17);
};
const id = (first17: string) => first17 + residentIdCheckCharacter(first17);
const U = [uscc('MA2Y8K3P'), uscc('MA2YQ7K1'), uscc('MA31TN8X')];
const P = [id('35010219800101123'), id('35010219800101124'), id('35010219800101125')];

describe('conflicts and survivorship on normalised values', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const load = async (name: string, entity: 'person' | 'legal_person', rows: string[][], priority = 50) => {
    await writeFile(path.join(ws.dir, `${name}.csv`), ['code,name,updated', ...rows.map((r) => r.join(','))].join('\n') + '\n');
    const p = await ws.writePipeline(name, {
      system: name, entity, priority, connector: { kind: 'csv', path: `${name}.csv` },
      mapping: { [entity === 'person' ? 'id_number' : 'uscc']: 'code', name: 'name', updated_at: 'updated' }, source_key: ['code'],
    });
    const run = await ws.run(p);
    expect(run.status, run.error).toBe('succeeded');
    return run;
  };

  it('ignores bracket width, spaces, suffix variants and interpuncts, and reports variant characters', async () => {
    await load('a', 'legal_person', [[U[0]!, '福州示例（科技）有限责任公司', ''], [U[1]!, '福州示例科技股份有限公司', ''], [U[2]!, '福州示例会计服务有限公司', '']]);
    await load('b', 'legal_person', [[U[0]!, ' 福州示例 (科技) 有限公司', ''], [U[1]!, '福州示例科技股份公司', ''], [U[2]!, '福州示例会计服务中心', '']]);
    await load('c', 'person', [[P[0]!, '买买提·艾力', ''], [P[1]!, '陈 明', ''], [P[2]!, '陈明', '']]);
    await load('d', 'person', [[P[0]!, '买买提•艾力', ''], [P[1]!, '陈明', ''], [P[2]!, '陳明', '']]);
    const conflicts = await ws.rows(`SELECT entity, code, value, system FROM conflicts ORDER BY code, system`);
    expect(conflicts).toEqual([
      { entity: 'person', code: P[2], value: '陈明', system: 'c' },
      { entity: 'person', code: P[2], value: '陳明', system: 'd' },
      { entity: 'legal_person', code: U[2], value: '福州示例会计服务有限公司', system: 'a' },
      { entity: 'legal_person', code: U[2], value: '福州示例会计服务中心', system: 'b' },
    ].sort((x, y) => x.code!.localeCompare(y.code!) || x.system.localeCompare(y.system)));
    // Stored names: the person's interpunct unified and the Han spacing removed; the registered name as written, trimmed.
    expect(await ws.rows(`SELECT name FROM records WHERE one_code = '${P[0]}' ORDER BY system`)).toEqual([{ name: '买买提·艾力' }, { name: '买买提·艾力' }]);
    expect(await ws.rows(`SELECT name FROM records WHERE one_code = '${P[1]}' ORDER BY system`)).toEqual([{ name: '陈明' }, { name: '陈明' }]);
    expect(await ws.rows(`SELECT name FROM records WHERE one_code = '${U[0]}' ORDER BY system`)).toEqual([{ name: '福州示例（科技）有限责任公司' }, { name: '福州示例 (科技) 有限公司' }]);
  });

  it("derives a 2023 foreigner's permanent residence number's region from its province, as the classifier does", async () => {
    const foreigner = id('93584019900101123');
    await load('a', 'person', [[foreigner, 'JOHN SMITH', ''], [P[0]!, '甲', '']]);
    const rows = await ws.rows(`SELECT id_number, region_code, sex, birth_date FROM persons ORDER BY id_number`);
    for (const row of rows) {
      const c = classify(String(row.id_number), { kind: 'resident_id', runDate: '2026-01-01' });
      expect(row, String(row.id_number)).toEqual({ id_number: row.id_number, region_code: c.regionCode, sex: c.sex, birth_date: c.birthDate });
    }
    expect(rows.find((r) => r.id_number === foreigner)!.region_code).toBe('350000');
  });

  it('takes the most recent value by date, whatever form the dates are written in', async () => {
    // Equal priority: the later updated_at wins. Read as text, 2024年3月1日 would sort after 2024-12-01.
    await load('a', 'person', [[P[0]!, '甲', '2024年3月1日'], [P[1]!, '乙', '45658'], [P[2]!, '丙', '2024/12/31 23:59']]);
    await load('b', 'person', [[P[0]!, '甲二', '2024-12-01'], [P[1]!, '乙二', '2024-12-31'], [P[2]!, '丙二', '20241231']]);
    const names = await ws.rows(`SELECT id_number, name FROM persons ORDER BY id_number`);
    // 45658 is the Excel serial of 2025-01-01; 2024/12/31 23:59 is later than 20241231 (midnight).
    expect(names).toEqual([{ id_number: P[0], name: '甲二' }, { id_number: P[1], name: '乙' }, { id_number: P[2], name: '丙' }]);
    const [lineage] = await ws.rows(`SELECT system, updated_at FROM lineage WHERE code = '${P[1]}' AND field = 'name'`);
    expect(lineage).toEqual({ system: 'a', updated_at: '2025-01-01' });
  });
});
