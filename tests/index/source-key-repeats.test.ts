import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { residentId } from './small-index.ts';

// Rows of one extract that share a source key (README "Nothing is lost"): an exact repeat of a
// row is a duplicate; when the extract holds different versions of a key, the version of the
// key's last row loads and every row of another version is quarantined as
// `source_key_superseded`, naming the line of that last row.
const A = residentId('35010219800101123');
const B = residentId('35010219800202124');
const C = residentId('35010219800303125');
const HEADER = '身份证号,姓名,更新时间';

describe('exact repeats and superseded versions of a source key', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const run = async (lines: string[]) => {
    await writeFile(path.join(ws.dir, 'people.csv'), [HEADER, ...lines].join('\n') + '\n');
    const p = await ws.writePipeline('people', {
      system: '人事管理系统',
      entity: 'person',
      connector: { kind: 'csv', path: 'people.csv' },
      mapping: { id_number: '身份证号', name: '姓名', updated_at: '更新时间' },
      source_key: ['身份证号'],
    });
    return ws.run(p);
  };
  const quarantined = async (runId: string) =>
    (await ws.rows(`SELECT line::INT AS line, reason_codes, CAST(reasons AS VARCHAR) AS reasons FROM quarantine WHERE run_id = '${runId}' ORDER BY line`))
      .map((r) => ({ ...r, reasons: JSON.parse(String(r.reasons)) }));
  const records = () => ws.rows(`SELECT source_key, name, line::INT AS line FROM records WHERE pipeline = 'people' ORDER BY source_key`);
  const golden = (code: string) => ws.rows(`SELECT name FROM persons WHERE id_number = '${code}'`);
  const superseded = (line: number, winnerLine: number) => ({
    line,
    reason_codes: ['source_key_superseded'],
    reasons: [{ code: 'source_key_superseded', field: '身份证号', message: `a later row (line ${winnerLine}) has the same source key with different values` }],
  });

  it('two versions of a key: the later loads, the earlier is quarantined naming the later line; an exact repeat is a duplicate', async () => {
    const result = await run([
      `${B},林芳,2024-01-01`, //   line 2: B version 1, superseded by line 4
      `${A},陈明,2024-01-01`, //   line 3: A, loads
      `${B},林芳芳,2024-02-01`, // line 4: B version 2, loads
      `${A},陈明,2024-01-01`, //   line 5: exact repeat of line 3
    ]);
    expect(result).toMatchObject({ status: 'succeeded', rowsRead: 4, loaded: 2, duplicates: 1, quarantined: 1, created: 2, events: 2 });
    expect(await quarantined(result.runId)).toEqual([superseded(2, 4)]);
    expect(await records()).toEqual([
      { source_key: A, name: '陈明', line: 3 },
      { source_key: B, name: '林芳芳', line: 4 },
    ]);
    expect(await golden(B)).toEqual([{ name: '林芳芳' }]);
  });

  it('exact repeats are duplicates; the later version of a key loads and the earlier one, with its repeat, is quarantined naming the later line', async () => {
    const result = await run([
      `${A},陈明,2024-01-01`, //   line 2: A, loads
      `${B},林芳,2024-01-01`, //   line 3: B version 1, superseded by line 6
      `${A},陈明,2024-01-01`, //   line 4: exact repeat of line 2
      `${B},林芳,2024-01-01`, //   line 5: repeat of B version 1, superseded by line 6 too
      `${B},林芳芳,2024-02-01`, // line 6: B version 2, loads
      `${C},王强,2024-01-01`, //   line 7: C, loads
      `${A},陈明,2024-01-01`, //   line 8: exact repeat of line 2
    ]);
    expect(result).toMatchObject({ status: 'succeeded', rowsRead: 7, loaded: 3, duplicates: 2, quarantined: 2, created: 3, events: 3 });
    expect(await quarantined(result.runId)).toEqual([superseded(3, 6), superseded(5, 6)]);
    expect(await records()).toEqual([
      { source_key: A, name: '陈明', line: 2 },
      { source_key: B, name: '林芳芳', line: 6 },
      { source_key: C, name: '王强', line: 7 },
    ]);
    expect(await golden(B)).toEqual([{ name: '林芳芳' }]);
    const [event] = await ws.rows(`SELECT event FROM changes WHERE code = '${B}'`);
    expect(JSON.parse(String(event!.event))).toMatchObject({ op: 'c', before: null, after: { id_number: B, name: '林芳芳' } });
  });

  it('the version of the last row of a key wins, even when an earlier row already held it: its first row loads, the other version is superseded', async () => {
    const result = await run([
      `${B},林芳,2024-01-01`, //   line 2: B version 1, the version of the key's last row: loads
      `${B},林芳芳,2024-02-01`, // line 3: B version 2, superseded by line 4
      `${B},林芳,2024-01-01`, //   line 4: B version 1 again, the key's last row: a repeat of line 2
    ]);
    expect(result).toMatchObject({ status: 'succeeded', rowsRead: 3, loaded: 1, duplicates: 1, quarantined: 1, created: 1, events: 1 });
    expect(await quarantined(result.runId)).toEqual([superseded(3, 4)]);
    expect(await records()).toEqual([{ source_key: B, name: '林芳', line: 2 }]);
    expect(await golden(B)).toEqual([{ name: '林芳' }]);
  });
});
