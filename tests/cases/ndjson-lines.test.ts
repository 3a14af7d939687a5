import { openFile } from '../support/open-file.ts';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ndjsonConnector, type Extracted } from '../../connectors/index.ts';
import { stageRows } from '../../src/index/stage-rows.ts';
import { createLogger } from '../../src/logger.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// Issue 8, NDJSON: a lone surrogate, a key named __proto__, physical line numbers, and messages
// that never carry a value. Every ID number here is synthetic.
describe('NDJSON lines: each in its place, none lost, none crashing the run', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const source = (text: string) => writeFile(path.join(ws.dir, 'p.ndjson'), text);
  const pipeline = (mapping: Record<string, string> = { id_number: 'id_no', name: 'name' }) =>
    ws.writePipeline('payments', { system: 'payments', entity: 'record', connector: { kind: 'ndjson', path: 'p.ndjson' }, mapping, source_key: ['rid'] });
  const quarantine = async () =>
    (await ws.rows(`SELECT line::INT AS line, reason_codes, reasons, raw FROM quarantine ORDER BY line`)).map((r) => ({
      line: r.line,
      codes: r.reason_codes,
      messages: (JSON.parse(String(r.reasons)) as { message: string }[]).map((x) => x.message),
      raw: r.raw,
    }));

  it('a lone surrogate ("\\ud800") quarantines its line only, with its line number; the other lines load', async () => {
    const lines = [
      String.raw`{"rid": "1", "id_no": "350102198503171237", "name": "陈明"}`,
      String.raw`{"rid": "2", "id_no": "35020319900228108X", "name": "\ud800"}`,
      String.raw`{"rid": "3", "id_no": "110101199003070011", "name": "low \uDC00 alone"}`,
      String.raw`{"rid": "4", "id_no": "440305198807150023", "note": {"deep": ["\ud83d"]}}`,
      String.raw`{"rid": "5", "id_no": "350102198503171237", "\udbff": "a key"}`,
      String.raw`{"rid": "6", "id_no": "35020319900228108X", "name": "笑\ud83d\ude00"}`,
      String.raw`{"rid": "7", "id_no": "110101199003070011", "name": "王芳"}`,
    ];
    await source(lines.join('\n') + '\n');
    const run = await ws.run(await pipeline());
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 7, loaded: 3, duplicates: 0, quarantined: 4 });
    expect(await ws.rows(`SELECT source_key, name, line::INT AS line FROM records ORDER BY line`)).toEqual([
      { source_key: '1', name: '陈明', line: 1 },
      { source_key: '6', name: '笑😀', line: 6 },
      { source_key: '7', name: '王芳', line: 7 },
    ]);
    const why = (where: string) => `${where} holds a lone UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair), which is no Unicode character (RFC 8259 §8.2)`;
    expect(await quarantine()).toEqual([
      { line: 2, codes: ['lone_surrogate'], messages: [why("the value of column 'name'")], raw: lines[1] },
      { line: 3, codes: ['lone_surrogate'], messages: [why("the value of column 'name'")], raw: lines[2] },
      { line: 4, codes: ['lone_surrogate'], messages: [why('the value of a column the pipeline does not name')], raw: lines[3] },
      { line: 5, codes: ['lone_surrogate'], messages: [why('a key')], raw: lines[4] },
    ]);
    expect(await ws.rows(`SELECT status, error FROM runs`)).toEqual([{ status: 'succeeded', error: null }]);
  });

  it('the generic staging path turns a row with a lone surrogate from any connector into a reject, not a failed run', async () => {
    const rows: Extracted[] = [
      { kind: 'row', line: 1, fields: { a: 'ok', b: null } },
      { kind: 'row', line: 3, fields: { a: 'bad \ud800', secret: 'S3cr3t-Guard-1' } },
      { kind: 'row', line: 4, fields: { ['\udc00']: 'key' } },
    ];
    const progress = await stageRows({
      connection: ws.index.connection, rows: (async function* () { yield* rows; })(), table: 'g', rejectTable: 'g_x',
      dropColumns: ['secret'], projectColumns: ['a'],
    });
    expect(progress).toEqual({ rowsRead: 3, unreadable: 2 });
    expect(await ws.rows(`SELECT line::INT AS line, payload, col_0 FROM g`)).toEqual([{ line: 1, payload: '{"a":"ok","b":null}', col_0: 'ok' }]);
    expect(await ws.rows(`SELECT line::INT AS line, raw, reason_code, message FROM g_x ORDER BY line`)).toEqual([
      { line: 3, raw: '{"a":"bad \\ud800"}', reason_code: 'lone_surrogate', message: '1 column(s) hold a lone UTF-16 surrogate, which is no Unicode character' },
      { line: 4, raw: '{"\\udc00":"key"}', reason_code: 'lone_surrogate', message: '1 column(s) hold a lone UTF-16 surrogate, which is no Unicode character' },
    ]);
  });

  it('a key named __proto__ is a column like any other: in the payload, mappable, never a prototype', async () => {
    const lines = [
      String.raw`{"rid": "1", "id_no": "350102198503171237", "__proto__": "陈明"}`,
      String.raw`{"rid": "2", "id_no": "35020319900228108X", "__proto__": {"polluted": "yes"}}`,
      String.raw`{"rid": "3", "id_no": "110101199003070011", "__proto__": null, "constructor": "c", "toString": "t"}`,
    ];
    await source(lines.join('\n'));
    const run = await ws.run(await pipeline({ id_number: 'id_no', name: '__proto__' }));
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 3, loaded: 3, quarantined: 0 });
    const records = await ws.rows(`SELECT source_key, name, payload, flags FROM records ORDER BY source_key`);
    expect(records.map((r) => [r.source_key, r.name, r.payload])).toEqual([
      ['1', '陈明', '{"rid":"1","id_no":"350102198503171237","__proto__":"陈明"}'],
      ['2', null, '{"rid":"2","id_no":"35020319900228108X","__proto__":"{\\"polluted\\":\\"yes\\"}"}'],
      ['3', null, '{"rid":"3","id_no":"110101199003070011","__proto__":null,"constructor":"c","toString":"t"}'],
    ]);
    expect(JSON.parse(String(records[1]!.flags))).toEqual([
      { code: 'non_scalar_value', field: '__proto__', message: 'a JSON object or array where one value is expected: left out of name, kept in the payload' },
    ]);
    // Nothing reached a prototype: not Object.prototype, not the row's own.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const extracted: Extracted[] = [];
    const logger = createLogger({ level: 'silent' });
    const p = await pipeline({ id_number: 'id_no', name: '__proto__' });
    for await (const e of (await openFile({ kind: 'ndjson', path: 'p.ndjson', files: 'newest' }, path.join(ws.dir, 'p.ndjson'), p)).extract()) extracted.push(e);
    const second = extracted[1]!;
    expect(second.kind).toBe('row');
    if (second.kind !== 'row') return;
    expect(Object.getPrototypeOf(second.fields)).toBe(Object.prototype);
    expect(Object.hasOwn(second.fields, '__proto__')).toBe(true);
    expect(second.fields['__proto__']).toBe('{"polluted":"yes"}');
    expect(second.nonScalar).toEqual(['__proto__']);
  });

  it('line numbers are physical lines (split at LF only), whatever blank lines, CRLF, a BOM or a lone CR come before', async () => {
    const text = [
      '\ufeff{"rid": "1", "id_no": "350102198503171237", "name": "陈明"}\r\n',
      '\r\n',
      '   \t \n',
      '{"rid": "2", "id_no": "35020319900228108X", "name": "李娜"}\n',
      '\n',
      '{broken\n',
      '{"rid": "3",\r"id_no": "110101199003070011", "name": "王芳"}\n',
      '\u3000\n',
      '{"rid": "4", "id_no": "440305198807150023", "name": "赵磊"}\n',
      // a line longer than many reads of the file (3 MB of UTF-8), then one without a final LF
      `{"rid": "5", "id_no": "350203197511114563", "note": "${'备'.repeat(1_000_000)}"}\n`,
      '{"rid": "6", "id_no": "310115198001011238", "name": "吴刚"}',
    ].join('');
    await source(text);
    const run = await ws.run(await pipeline());
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 8, loaded: 6, quarantined: 2 });
    const records = await ws.rows(`SELECT source_key, line::INT AS line, length(payload->>'note')::INT AS note FROM records ORDER BY line`);
    expect(records).toEqual([
      { source_key: '1', line: 1, note: null }, { source_key: '2', line: 4, note: null }, { source_key: '3', line: 7, note: null },
      { source_key: '4', line: 9, note: null }, { source_key: '5', line: 10, note: 1_000_000 }, { source_key: '6', line: 11, note: null },
    ]);
    // The same lines as `sed -n Np` shows them.
    const physical = (await readFile(path.join(ws.dir, 'p.ndjson'), 'utf8')).split('\n');
    for (const r of records) expect(physical[(r.line as number) - 1]).toContain(`"rid": "${String(r.source_key)}"`);
    const q = await quarantine();
    expect(q.map((r) => [r.line, r.codes, r.raw])).toEqual([
      [6, ['json_malformed'], '{broken'],
      // U+3000 is no JSON whitespace (RFC 8259 §2): not a blank line, but a line that is no JSON
      [8, ['json_malformed'], '\u3000'],
    ]);
    expect(q.map((r) => physical[(r.line as number) - 1])).toEqual(['{broken', '\u3000']);
  });

  it('reasons and flags name the column and the rule, never a value: not even the fragments a JSON parser quotes', async () => {
    const lines = [
      String.raw`{"rid": "1", "id_no": 350102198503171.x}`,
      String.raw`{"rid": "2", "350102198503171237": "a", "350102198503171237": "b"}`,
      String.raw`{"rid": "3", "name": "陈明", "name": "陈明明"}`,
      String.raw`{"rid": "4", "id_no": "35020319900228108X", "name": "\u0000陈明"}`,
      String.raw`{"rid": "5", "id_no": "35020319900228108X", "name": {"x": "陈明"}}`,
      String.raw`{"rid": "6", "id_no": "\ud800350102198503171237"}`,
      String.raw`["350102198503171237", "陈明"]`,
      String.raw`{"rid": "8", "id_no": "35010219850317123`,
      String.raw`{"rid": "9", "id_no": "350102198503171237", "name": "\q陈明"}`,
      String.raw`{"rid": "10", "id_no": "350102198503171237", "name": "\u35G0陈明"}`,
      String.raw`{"rid": "11", "id_no": -350102198503171237x}`,
    ];
    await source(lines.join('\n'));
    const run = await ws.run(await pipeline());
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 11, loaded: 2, quarantined: 9 });
    const q = await quarantine();
    expect(q.map((r) => [r.line, r.codes, r.messages])).toEqual([
      [1, ['json_malformed'], ["not valid JSON (RFC 8259): a malformed number at character 39 of the line"]],
      [2, ['json_duplicate_key'], ['a column the pipeline does not name appears twice with different values (character 41 of the line): JSON.parse would keep the last silently']],
      [3, ['json_duplicate_key'], ["column 'name' appears twice with different values (character 28 of the line): JSON.parse would keep the last silently"]],
      [6, ['lone_surrogate'], ["the value of column 'id_no' holds a lone UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair), which is no Unicode character (RFC 8259 §8.2)"]],
      [7, ['json_not_object'], ['each line must be one JSON object']],
      [8, ['json_malformed'], ["not valid JSON (RFC 8259): an unterminated string at the end of the line"]],
      [9, ['json_malformed'], ["not valid JSON (RFC 8259): an invalid escape in a string at character 54 of the line"]],
      [10, ['json_malformed'], ["not valid JSON (RFC 8259): an invalid \\u escape in a string at character 55 of the line"]],
      [11, ['json_malformed'], ["not valid JSON (RFC 8259): ',' expected after a value at character 43 of the line"]],
    ]);
    const flags = await ws.rows(`SELECT source_key, flags FROM records ORDER BY source_key`);
    expect(flags.map((r) => [r.source_key, (JSON.parse(String(r.flags)) as { code: string; field: string }[]).map((f) => `${f.code} ${f.field}`)])).toEqual([
      ['4', ['control_character name']],
      ['5', ['non_scalar_value name']],
    ]);
    const texts = [
      ...(await ws.rows(`SELECT reasons::VARCHAR AS t FROM quarantine UNION ALL SELECT flags::VARCHAR FROM records UNION ALL SELECT coalesce(error, '') FROM runs`)).map((r) => String(r.t)),
    ].join('\n');
    for (const value of ['350102198503171', '35020319900228108X', '陈明', '35G0', '\\q', '171.x', '237x']) expect(texts).not.toContain(value);
  });
});
