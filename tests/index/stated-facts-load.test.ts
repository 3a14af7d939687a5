/**
 * The load path flags stated facts (sex, birth date) that disagree with the resident identity
 * number exactly as the JS rule `checkStatedFacts` does: a differential test through the real
 * run path, on a real DuckDB file, over every accepted form of sex and date plus unreadable ones.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { residentIdCheckCharacter } from '../../src/identifiers/check-characters.ts';
import { classify } from '../../src/identifiers/classify.ts';
import { checkStatedFacts } from '../../src/identifiers/stated-facts.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

const SEX_FORMS = ['男', '女', ' 男 ', '男性', '女性', 'male', 'FEMALE', 'M', 'f', '1', '2', '　女', '未知', '', 'x'];
/** Forms of 1985-03-17, of other days, and unreadable text. */
const DATE_FORMS = ['1985-03-17', '1985/3/17', '19850317', '1985年3月17日', '31123', '31123.5', '1985-03-18', '1984/3/17', '31124', '1985-02-30', 'unknown', '', '1985-03-17 08:00:00'];

describe('stated facts in the load path', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  it('flags exactly what checkStatedFacts flags, for every form', async () => {
    const rows: { id: string; sex: string; birth: string }[] = [];
    let n = 0;
    for (const sex of SEX_FORMS) {
      for (const birth of DATE_FORMS) {
        const first17 = `350102198503170${String(n % 100).padStart(2, '0')}`;
        rows.push({ id: first17 + residentIdCheckCharacter(first17), sex, birth });
        n++;
      }
    }
    await writeFile(path.join(ws.dir, 'staff.csv'), ['no,id,sex,birth', ...rows.map((r, i) => `${i},${r.id},${r.sex},${r.birth}`)].join('\n') + '\n');
    const p = await ws.writePipeline('staff', {
      system: '会计人员管理系统', entity: 'person', mode: 'incremental', connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: 'id', sex: 'sex', birth_date: 'birth' }, source_key: ['no'],
    });
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'succeeded', loaded: rows.length });
    const stored = new Map((await ws.rows(`SELECT source_key, flags FROM records`)).map((r) => [String(r.source_key), r.flags ? JSON.parse(String(r.flags)) as { code: string; message: string }[] : []]));
    let flaggedRows = 0;
    for (const [i, r] of rows.entries()) {
      const key = String(i);
      const expected = checkStatedFacts(classify(r.id, { kind: 'resident_id', runDate: '2026-01-01' }), { sex: r.sex, birthDate: r.birth });
      const actual = (stored.get(key) ?? []).filter((f) => f.code.startsWith('stated_'));
      expect(actual.map((f) => [f.code, f.message]), JSON.stringify(r)).toEqual(expected.map((f) => [f.code, f.message]));
      if (expected.length > 0) flaggedRows++;
    }
    expect(flaggedRows).toBeGreaterThan(40);
  });
});
