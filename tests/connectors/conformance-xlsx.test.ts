/** The conformance suite (conformance-suite.ts) for the xlsx connector: a workbook with a title row above its header. */
import path from 'node:path';
import { cell, row, si, writeWorkbook } from '../support/xlsx-files.ts';
import { CONFORMANCE_MAPPING, CONFORMANCE_PERSONS, conformanceSuite } from './conformance-suite.ts';

conformanceSuite('xlsx', {
  async pipeline(ws) {
    const strings = ['人员名单', 'id', 'name', ...CONFORMANCE_PERSONS.flatMap((x) => [x.id, x.name])];
    await writeWorkbook(path.join(ws.dir, 'persons.xlsx'), {
      sharedStrings: strings.map(si),
      sheets: [
        { name: '说明', rows: [row(1, [cell.inline('A1', '填表说明')])] },
        { name: '名单', rows: [
          row(1, [cell.s('A1', 0)]),
          row(3, [cell.s('A3', 1), cell.s('B3', 2)]),
          ...CONFORMANCE_PERSONS.map((_, i) => row(4 + i, [cell.s(`A${4 + i}`, 3 + 2 * i), cell.s(`B${4 + i}`, 4 + 2 * i)])),
        ] },
      ],
    });
    return ws.writePipeline('conf-xlsx', { ...CONFORMANCE_MAPPING, connector: { kind: 'xlsx', path: 'persons.xlsx', sheet: '名单', header_row: 3 } });
  },
});
