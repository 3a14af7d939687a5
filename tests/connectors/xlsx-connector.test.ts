/**
 * Issue 9, the xlsx connector through a run: positions are sheet rows, an ID number Excel stored
 * as a number with 15 significant digits is quarantined (never rounded into a wrong code), one
 * stored exactly loads, a date cell is a calendar date, text that looks like a number stays text.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { personId } from '../support/csv-files.ts';
import { cell, row, si, writeWorkbook } from '../support/xlsx-files.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

let ws: Workspace;
beforeEach(async () => {
  ws = await createWorkspace();
});
afterEach(async () => ws.dispose());

describe('xlsx connector', () => {
  it('loads a sheet with exact values and quarantines a number Excel cut to 15 digits, by sheet row', async () => {
    const exact = personId(1);
    const cut = personId(2);
    const cutStored = `${cut[0]}.${cut.slice(1, 15)}E+17`;
    await writeWorkbook(path.join(ws.dir, 'staff.xlsx'), {
      sharedStrings: ['身份证号', '姓名', '出生日期', '学时', personId(3), '林芳', '1,171.00', '陈明', '王五'].map(si),
      cellXfs: [0, 14],
      sheets: [{ name: '学时登记', rows: [
        row(1, [cell.s('A1', 0), cell.s('B1', 1), cell.s('C1', 2), cell.s('D1', 3)]),
        row(2, [cell.n('A2', exact), cell.s('B2', 7), cell.n('C2', '31123', 1), cell.n('D2', '12.5')]),
        row(3, [cell.n('A3', cutStored), cell.s('B3', 8), cell.n('C3', '31124', 1), cell.n('D3', '8')]),
        row(5, [cell.s('A5', 4), cell.s('B5', 5), cell.n('C5', '31125', 1), cell.s('D5', 6)]),
      ] }],
    });
    const p = await ws.writePipeline('xs', {
      system: '继续教育学时登记', entity: 'person', connector: { kind: 'xlsx', path: 'staff.xlsx', sheet: '学时登记' },
      mapping: { id_number: '身份证号', name: '姓名', birth_date: '出生日期' }, source_key: ['身份证号'],
    });
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 3, loaded: 2, quarantined: 1 });
    expect(await ws.rows(`SELECT source_key, line::INT AS line, payload->>'学时' AS hours, payload->>'出生日期' AS birth FROM records ORDER BY line`)).toEqual([
      { source_key: exact, line: 2, hours: '12.5', birth: '1985-03-17' },
      { source_key: personId(3), line: 5, hours: '1,171.00', birth: '1985-03-19' },
    ]);
    const q = await ws.rows(`SELECT line::INT AS line, position_kind, reason_codes FROM quarantine`);
    expect(q).toEqual([{ line: 3, position_kind: 'sheet_row', reason_codes: ['xlsx_number_precision_lost'] }]);
    expect(JSON.stringify(await ws.rows(`SELECT reasons FROM quarantine`))).not.toContain(cut.slice(0, 15));
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM persons WHERE id_number LIKE '${cut.slice(0, 6)}%' AND id_number NOT IN ('${exact}', '${personId(3)}')`)).toEqual([{ n: 0 }]);
  });
});
