import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// ../shared/cases/ndjson/big-numbers.ndjson: numbers beyond 2^53 written as JSON numbers.
describe('NDJSON cases (cases/ndjson)', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const pipeline = () =>
    ws.writePipeline('payments', {
      system: 'payments',
      entity: 'record',
      connector: { kind: 'ndjson', path: 'big-numbers.ndjson' },
      mapping: { id_number: 'id_no', name: 'name' },
      source_key: ['record_no'],
    });

  it('big-numbers.ndjson: the record number and the ID number arrive exactly', async () => {
    await ws.copyCase('ndjson/big-numbers.ndjson');
    const run = await ws.run(await pipeline());
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 2, loaded: 2, quarantined: 0 });
    const rows = await ws.rows(`SELECT source_key, one_code, code_status, payload FROM records ORDER BY source_key`);
    expect(rows.map((r) => [r.source_key, r.one_code, r.code_status])).toEqual([
      ['9007199254740993', '350102198503171237', 'valid'],
      ['9007199254740995', '35020319900228108X', 'valid'],
    ]);
    expect(JSON.parse(String(rows[0]!.payload))).toMatchObject({ record_no: '9007199254740993', id_no: '350102198503171237', amount: '1200.50' });
  });

  it('lines that cannot be read exactly are quarantined with their raw text and line, never rounded or dropped', async () => {
    await writeFile(
      `${ws.dir}/big-numbers.ndjson`,
      [
        '{"record_no": 9007199254740993, "id_no": 350102198503171237}',
        '{"record_no": 1, "record_no": 2, "id_no": "350102198503171237"}',
        '{"record_no": 3, "id_no": 3.50102198503171237e17}',
        '[1, 2]',
        '{"record_no": 4, "id_no": "350102198503171237"',
        '',
      ].join('\n'),
    );
    const run = await ws.run(await pipeline());
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 5, loaded: 1, quarantined: 4 });
    const q = await ws.rows(`SELECT line, reason_codes, raw FROM quarantine ORDER BY line`);
    expect(q.map((r) => [r.line, (r.reason_codes as string[])[0]])).toEqual([
      ['2', 'json_duplicate_key'],
      // kept as the literal text 3.50102198503171237e17, which is no ID number: never converted through a double
      ['3', 'wrong_length'],
      ['4', 'json_not_object'],
      ['5', 'json_malformed'],
    ]);
    expect(q[0]!.raw).toBe('{"record_no": 1, "record_no": 2, "id_no": "350102198503171237"}');
  });
});
