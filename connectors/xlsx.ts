/**
 * The `xlsx` connector: one worksheet of an Office Open XML workbook (ECMA-376), chosen by tab
 * name or 1-based position, its header on `header_row`, read with exact values
 * (connectors/xlsx/read-sheet.ts; docs/xlsx-values.md): numbers as stored (an 18-digit number
 * Excel cut to 15 significant digits is quarantined as `xlsx_number_precision_lost`, never
 * rounded), date-formatted cells as calendar dates and wall times with no zone shift, text as
 * written. A row's position is its sheet row number (`sheet_row`), as the spreadsheet shows it.
 * The file is one path or a glob, like the csv connector's (file-source.ts).
 */
import { XlsxConnectorOptions } from './xlsx/options.ts';
import { describeFile, fileCapabilities, openChosenFile } from './file-source.ts';
import type { Connector, Extracted } from './types.ts';
import { readSheet } from './xlsx/read-sheet.ts';


export const xlsxConnector: Connector<XlsxConnectorOptions> = {
  kind: 'xlsx',
  options: XlsxConnectorOptions,
  capabilities: fileCapabilities,
  describe: (pipeline, o) => ({ ...describeFile({ file: pipeline.file, connector: o }), positionKind: 'sheet_row' }),

  open: (ctx, o) => openChosenFile(ctx, o, 'sheet_row', async (file) => {
    const sheet = await readSheet(file.sourcePath, { sheet: o.sheet, headerRow: o.header_row });
    const names = sheet.columns;
    async function* extract(): AsyncGenerator<Extracted> {
      for await (const r of sheet.rows()) {
        if (r.kind === 'unreadable') {
          yield { kind: 'unreadable', line: r.row, raw: JSON.stringify(r.raw), reasons: r.reasons.map((x) => ({ code: x.code, message: x.message, field: x.field })) };
          continue;
        }
        const fields: Record<string, string | null> = {};
        for (let i = 0; i < names.length; i++) fields[names[i]!] = r.values[i] ?? null;
        yield { kind: 'row', line: r.row, fields };
      }
    }
    return { labelSuffix: ` [${sheet.sheetName}]`, columns: names.map((name) => ({ name })), extract };
  }),
};
