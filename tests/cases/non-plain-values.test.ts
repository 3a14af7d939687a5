import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// Issue 8: a mapped value that is not plain text — a JSON object or array, control characters
// such as NUL — is left out of its canonical field and flagged (a reason when it is the one code
// or the source key); the payload keeps it; it never reaches a golden record. IDs are synthetic.
describe('mapped values that are not plain text', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const flagsOf = (flags: unknown) => (flags === null ? null : (JSON.parse(String(flags)) as { code: string; field: string; message: string }[]));
  const nonScalar = (field: string, into: string) => ({ code: 'non_scalar_value', field, message: `a JSON object or array where one value is expected: left out of ${into}, kept in the payload` });
  const control = (field: string, into: string) => ({
    code: 'control_character', field,
    message: `control characters (U+0000-U+001F other than tab, line feed, carriage return; e.g. NUL) in the value: left out of ${into}, kept in the payload`,
  });

  it('NDJSON objects, arrays and control characters in mapped fields: left out, flagged, kept in the payload, never golden', async () => {
    const lines = [
      String.raw`{"id_no": "350102198503171237", "name": {"first": "明", "last": "陈"}, "emp": ["91350100MA2Y8K3P3P"], "extra": {"a": 1}}`,
      String.raw`{"id_no": "35020319900228108X", "name": ["李娜"]}`,
      String.raw`{"id_no": "110101199003070011", "name": "王\u0000芳"}`,
      String.raw`{"id_no": "440305198807150023", "name": "赵\u001b[31m磊", "emp": "91350100MA2Y8K3P3P\u0000"}`,
      String.raw`{"id_no": {"v": "11010519491231002X"}, "name": "钱多"}`,
      String.raw`{"id_no": "310115198001011238\u0007", "name": "孙丽"}`,
      String.raw`{"id_no": "350203197511114563", "name": "周\t杰", "emp": "91350100MA2Y8K3P3P"}`,
      String.raw`{"id_no": "440106199202297890", "name": "郑\b爽\f"}`,
    ];
    await writeFile(path.join(ws.dir, 'staff.ndjson'), lines.join('\n') + '\n');
    await writeFile(path.join(ws.dir, 'hr.csv'), '身份证号,姓名\n350102198503171237,陈明\n35020319900228108X,李娜\n110101199003070011,王芳\n');
    const staff = await ws.writePipeline('staff', {
      system: 'staff', entity: 'person', priority: 90, connector: { kind: 'ndjson', path: 'staff.ndjson' },
      mapping: { id_number: 'id_no', name: 'name', employer_uscc: 'emp' }, source_key: ['id_no'],
    });
    const hr = await ws.writePipeline('hr', {
      system: 'hr', entity: 'person', priority: 10, connector: { kind: 'csv', path: 'hr.csv' }, mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    expect(await ws.run(hr)).toMatchObject({ status: 'succeeded', loaded: 3 });
    expect(await ws.run(staff)).toMatchObject({ status: 'succeeded', rowsRead: 8, loaded: 6, duplicates: 0, quarantined: 2 });

    const records = await ws.rows(`SELECT one_code, name, employer_uscc, payload, flags, line::INT AS line FROM records WHERE pipeline = 'staff' ORDER BY line`);
    expect(records.map((r) => [r.line, r.one_code, r.name, r.employer_uscc, flagsOf(r.flags)])).toEqual([
      [1, '350102198503171237', null, null, [nonScalar('name', 'name'), nonScalar('emp', 'employer_uscc')]],
      [2, '35020319900228108X', null, null, [nonScalar('name', 'name')]],
      [3, '110101199003070011', null, null, [control('name', 'name')]],
      [4, '440305198807150023', null, null, [control('name', 'name'), control('emp', 'employer_uscc')]],
      // tab, line feed and carriage return are whitespace, not faults: the name normaliser has its say
      [7, '350203197511114563', '周杰', '91350100MA2Y8K3P3P', null],
      [8, '440106199202297890', null, null, [control('name', 'name')]],
    ]);
    // The payload keeps every value as the source wrote it (objects and arrays as their JSON text).
    expect(records.slice(0, 4).map((r) => JSON.parse(String(r.payload)))).toEqual([
      { id_no: '350102198503171237', name: '{"first":"明","last":"陈"}', emp: '["91350100MA2Y8K3P3P"]', extra: '{"a":1}' },
      { id_no: '35020319900228108X', name: '["李娜"]' },
      { id_no: '110101199003070011', name: '王\u0000芳' },
      { id_no: '440305198807150023', name: '赵\u001b[31m磊', emp: '91350100MA2Y8K3P3P\u0000' },
    ]);
    // A one code (here also the source key) that is not plain text quarantines the row.
    const q = await ws.rows(`SELECT line::INT AS line, reason_codes, reasons FROM quarantine ORDER BY line`);
    expect(q.map((r) => [r.line, r.reason_codes])).toEqual([
      [5, ['source_key_missing', 'one_code_missing', 'non_scalar_value']],
      [6, ['source_key_missing', 'one_code_missing', 'control_character']],
    ]);
    expect(JSON.parse(String(q[0]!.reasons))[2]).toEqual(nonScalar('id_no', 'id_number and the source key'));
    expect(JSON.parse(String(q[1]!.reasons))[2]).toEqual(control('id_no', 'id_number and the source key'));

    // Golden names come from plain values only: the lower-priority system's where it has one.
    expect(await ws.rows(`SELECT id_number, name, employer_uscc FROM persons ORDER BY id_number`)).toEqual([
      { id_number: '110101199003070011', name: '王芳', employer_uscc: null },
      { id_number: '350102198503171237', name: '陈明', employer_uscc: null },
      { id_number: '350203197511114563', name: '周杰', employer_uscc: '91350100MA2Y8K3P3P' },
      { id_number: '35020319900228108X', name: '李娜', employer_uscc: null },
      { id_number: '440106199202297890', name: null, employer_uscc: null },
      { id_number: '440305198807150023', name: null, employer_uscc: null },
    ]);
    const events = (await ws.rows(`SELECT event FROM changes`)).map((r) => String(r.event)).join('\n');
    for (const fault of ['\\u0000', '\\u001b', '\\u0007', '"first"', '[\\"']) expect(events).not.toContain(fault);
  });

  it('CSV values with control characters are flagged the same way (the check is on the shared path)', async () => {
    await writeFile(path.join(ws.dir, 'hr.csv'), '身份证号,姓名,备注\n350102198503171237,陈\u0007明,\u0001ok\n35020319900228108X,李\b娜\f,\n110101199003070011,王芳,x\n310115198001011238,吴\u0000刚,\n');
    const hr = await ws.writePipeline('hr', {
      system: 'hr', entity: 'person', connector: { kind: 'csv', path: 'hr.csv' }, mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    expect(await ws.run(hr)).toMatchObject({ status: 'succeeded', rowsRead: 4, loaded: 4, quarantined: 0 });
    const records = await ws.rows(`SELECT one_code, name, flags, payload FROM records ORDER BY line`);
    expect(records.map((r) => [r.one_code, r.name, flagsOf(r.flags)])).toEqual([
      ['350102198503171237', null, [control('姓名', 'name')]],
      ['35020319900228108X', null, [control('姓名', 'name')]],
      // an unmapped column may hold anything: it is only kept in the payload
      ['110101199003070011', '王芳', null],
      ['310115198001011238', null, [control('姓名', 'name')]],
    ]);
    expect(JSON.parse(String(records[0]!.payload))).toEqual({ 身份证号: '350102198503171237', 姓名: '陈\u0007明', 备注: '\u0001ok' });
    expect(JSON.parse(String(records[3]!.payload))).toEqual({ 身份证号: '310115198001011238', 姓名: '吴\u0000刚', 备注: null });
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM persons WHERE name IS NOT NULL`)).toEqual([{ n: 1 }]);
  });
});
