import { ConfigError, ExtractError, OnecodeError } from '../../src/errors.ts';
import { cellValue, type CellContext } from './cell-value.ts';
import { openPackage, type PackageParts } from './package-parts.ts';
import { cellReason, columnLetters, type XlsxReason } from './reasons.ts';
import { readSharedStrings } from './shared-strings.ts';
import { SheetStructureError, sheetRows, type RawCell, type RawRow } from './sheet-rows.ts';
import { readFormatKinds } from './styles.ts';
import { readWorkbook, type SheetEntry } from './workbook.ts';
import { XmlPartError } from './xml-events.ts';

/** Which sheet to read and where its header is. */
export interface ReadSheetOptions {
  /** The sheet's name as on its tab (exact, case and spaces included), or its 1-based position in tab order (hidden sheets count). Default 1. */
  sheet?: string | number;
  /** 1-based sheet row number of the header row; rows above it (a title, notes) are skipped. Default 1. */
  headerRow?: number;
}

/** A data row of the sheet: one value per column of the header, `null` for an empty cell. */
export interface SheetRow {
  kind: 'row';
  /** 1-based sheet row number (as Excel numbers it, blank rows included). */
  row: number;
  /** Exact values (cell-value.ts) in header order; a row shorter than the header is padded with `null`. */
  values: (string | null)[];
}

/** A data row with at least one cell that has no exact value: it goes to quarantine whole. */
export interface UnreadableSheetRow {
  kind: 'unreadable';
  row: number;
  reasons: XlsxReason[];
  /**
   * Every cell from column A to the last one listed, so nothing is lost: the value where there
   * is one, else the cell's stored text (`1.10105199001011E+17`, `#N/A`); `null` for an empty
   * cell. Holds source values: for the quarantine table only, never for a log or a message.
   */
  raw: (string | null)[];
}

export type SheetRecord = SheetRow | UnreadableSheetRow;

/** One sheet of a workbook, opened: its header, and its data rows to read. */
export interface SheetReader {
  sheetName: string;
  /** 1-based position of the sheet in tab order. */
  sheetPosition: number;
  /** The header row's cells as text, trimmed, from column A to the last non-empty one. */
  columns: string[];
  /**
   * The data rows below the header in sheet order, streamed (each call reads the sheet part
   * again from the file; the shared strings and styles read by readSheet are reused). Rows with
   * no value at all (blank rows, rows of formatting only, trailing empty rows) are skipped, as a
   * CSV reader skips blank lines.
   * @throws ExtractError `xlsx_invalid` for a sheet whose XML does not parse or whose part is
   *   damaged; a CRC-32 mismatch shows only at the end of the part, after its rows were yielded,
   *   so a caller must not keep the rows of a read that failed.
   */
  rows(): AsyncGenerator<SheetRecord>;
}

/**
 * Opens one sheet of the .xlsx workbook at `filePath`, reads its header row and returns a reader
 * of its data rows.
 *
 * Values are exact text (cell-value.ts): numbers as stored, never through a JavaScript number;
 * date-formatted numbers as `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS` with no zone shift; text as
 * written. A merged range keeps its value in its top-left cell only (ECMA-376 Part 1 §18.3.1.55:
 * the other cells of the range are empty in the file), so they read as `null`; nothing is
 * filled in. Memory: the sheet part is streamed (a chunk of XML at a time); the shared string
 * table and the styles are held whole.
 *
 * @throws ExtractError `source_missing`, `xlsx_invalid` (no zip, an .xls or password-protected
 *   file, no workbook part, XML that does not parse, a part that does not inflate or fails its
 *   CRC-32), `xlsx_sheet_not_found` (the names and count of the sheets are in the message),
 *   `source_empty` (no row at or after the header row, or an empty header row), `header_invalid`
 *   (a header cell that has no value as text, an unnamed column before a named one, a name
 *   given twice), each naming the file and sheet, never a cell's value.
 * @throws ConfigError `config_invalid` for a `headerRow` or `sheet` position that is no positive integer.
 */
export async function readSheet(filePath: string, options: ReadSheetOptions = {}): Promise<SheetReader> {
  const headerRow = options.headerRow ?? 1;
  if (!Number.isInteger(headerRow) || headerRow < 1) throw new ConfigError('config_invalid', `${filePath}: the header row must be a positive whole number`);
  const pkg = await openPackage(filePath);
  let sheet: SheetEntry & { part: string };
  let ctx: CellContext;
  let columns: string[];
  try {
    const workbook = await readWorkbook(pkg, filePath);
    sheet = chooseSheet(workbook.sheets, options.sheet ?? 1, filePath);
    ctx = {
      sharedStrings: await readSharedStrings(pkg, workbook.sharedStrings),
      formats: await readFormatKinds(pkg, workbook.styles),
      date1904: workbook.date1904,
    };
    columns = await readHeader(pkg, filePath, sheet, headerRow, ctx);
  } catch (error) {
    throw asExtractError(error, filePath, 'the workbook');
  } finally {
    pkg.close();
  }
  const where = { sheet: sheet.name, columns };
  return {
    sheetName: sheet.name,
    sheetPosition: sheet.position,
    columns,
    async *rows() {
      const rowsPkg = await openPackage(filePath);
      try {
        for await (const raw of sheetRows(rowsPkg, sheet.part)) {
          if (raw.row <= headerRow) continue;
          const record = readRow(raw, where, ctx);
          if (record) yield record;
        }
      } catch (error) {
        throw asExtractError(error, filePath, `sheet ${sheet.name}`);
      } finally {
        rowsPkg.close();
      }
    },
  };
}

function chooseSheet(sheets: SheetEntry[], wanted: string | number, file: string): SheetEntry & { part: string } {
  const names = sheets.map((s) => s.name).join(', ');
  let found: SheetEntry | undefined;
  if (typeof wanted === 'number') {
    if (!Number.isInteger(wanted) || wanted < 1) throw new ConfigError('config_invalid', `${file}: a sheet position must be a whole number from 1`);
    found = sheets[wanted - 1];
    if (!found) throw new ExtractError('xlsx_sheet_not_found', `${file}: there is no sheet ${wanted}: the workbook has ${sheets.length} (${names})`);
  } else {
    found = sheets.find((s) => s.name === wanted);
    if (!found) throw new ExtractError('xlsx_sheet_not_found', `${file}: there is no sheet named '${wanted}': the workbook has ${names}`);
  }
  if (found.type !== 'worksheet' || found.part === undefined) {
    throw new ExtractError('xlsx_sheet_not_found', `${file}: sheet ${found.name} is a ${found.type}, not a worksheet of cells`);
  }
  return found as SheetEntry & { part: string };
}

/** The header row's names (trimmed); checks them as the CSV header is checked (connectors/csv/header.ts). */
async function readHeader(pkg: PackageParts, file: string, sheet: SheetEntry & { part: string }, headerRow: number, ctx: CellContext): Promise<string[]> {
  const where = `${file}: sheet ${sheet.name} row ${headerRow}`;
  let header: RawRow | undefined;
  for await (const raw of sheetRows(pkg, sheet.part)) {
    if (raw.row < headerRow) continue;
    if (raw.row === headerRow) header = raw;
    break;
  }
  const names: string[] = [];
  for (const cell of header?.cells ?? []) {
    const read = cellValue(cell, ctx);
    if (!read.ok) throw new ExtractError('header_invalid', `${where}: header cell ${columnLetters(cell.column)}${headerRow} has no text: ${read.problem.detail}`);
    names[cell.column - 1] = (read.value ?? '').trim();
  }
  let named = names.length;
  while (named > 0 && !names[named - 1]) named--;
  if (named === 0) throw new ExtractError('source_empty', `${where}: the header row is empty${header ? '' : ' or missing'} (is connector.header_row right?)`);
  const columns = Array.from({ length: named }, (_, i) => names[i] ?? '');
  const gap = columns.indexOf('');
  if (gap >= 0) throw new ExtractError('header_invalid', `${where}: column ${columnLetters(gap + 1)} has no name (only columns after the last named one may be unnamed)`);
  const dup = columns.findIndex((h, i) => columns.indexOf(h) !== i);
  if (dup >= 0) throw new ExtractError('header_invalid', `${where}: columns ${columnLetters(columns.indexOf(columns[dup]!) + 1)} and ${columnLetters(dup + 1)} have the same name`);
  return columns;
}

/** A data row's record, or undefined for a row without any value. */
function readRow(raw: RawRow, where: { sheet: string; columns: readonly string[] }, ctx: CellContext): SheetRecord | undefined {
  const values: (string | null)[] = new Array<string | null>(where.columns.length).fill(null);
  let reasons: XlsxReason[] | undefined;
  let unnamed: number[] | undefined;
  let any = false;
  for (const cell of raw.cells) {
    const read = cellValue(cell, ctx);
    if (!read.ok) {
      (reasons ??= []).push(cellReason(where, raw.row, cell.column, read.problem));
    } else if (read.value !== null) {
      any = true;
      if (cell.column <= values.length) values[cell.column - 1] = read.value;
      else (unnamed ??= []).push(cell.column);
    }
  }
  if (unnamed) (reasons ??= []).push(unnamedReason(where, raw.row, unnamed));
  if (reasons) return { kind: 'unreadable', row: raw.row, reasons, raw: rawCells(raw.cells, ctx) };
  return any ? { kind: 'row', row: raw.row, values } : undefined;
}

/** One reason for the values a row holds right of the last named column. */
function unnamedReason(where: { sheet: string; columns: readonly string[] }, row: number, columns: number[]): XlsxReason {
  const cells = columns.slice(0, 5).map((c) => `${columnLetters(c)}${row}`).join(', ') + (columns.length > 5 ? ` and ${columns.length - 5} more` : '');
  return {
    code: 'xlsx_unnamed_value',
    field: '*',
    message: `sheet ${where.sheet} cell(s) ${cells}: a value right of the last named column (${columnLetters(where.columns.length)}), which the header row leaves without a name`,
  };
}

/** Every cell's value, or its stored text where it has none: what the quarantine keeps. */
function rawCells(cells: RawCell[], ctx: CellContext): (string | null)[] {
  const width = cells.reduce((w, c) => Math.max(w, c.column), 0);
  const raw: (string | null)[] = new Array<string | null>(width).fill(null);
  for (const cell of cells) {
    const read = cellValue(cell, ctx);
    raw[cell.column - 1] = read.ok ? read.value : (cell.inline ?? cell.v ?? null);
  }
  return raw;
}

/**
 * A problem of the package as an ExtractError `xlsx_invalid` naming the file and where: XML that
 * does not parse, a reference that is none, or what the zip reader or zlib says of a damaged
 * part (their messages name parts and sizes, not cell values). Our own errors pass unchanged.
 */
function asExtractError(error: unknown, file: string, where: string): unknown {
  if (error instanceof OnecodeError) return error;
  const reason = error instanceof XmlPartError || error instanceof SheetStructureError ? error.message : `the package cannot be read (${(error as Error).message})`;
  return new ExtractError('xlsx_invalid', `${file}: ${where}: ${reason}`, { cause: error });
}
