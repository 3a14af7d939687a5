import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/**
 * Writes .xlsx workbooks from SpreadsheetML written by hand (ECMA-376 Part 1 §18), zipped with
 * yazl: the caller says exactly what each `<v>` holds (`1.10105199001011E+17`, `0.1`), which a
 * writer library would choose for itself. Used by the sample generator (a workbook kept by staff,
 * with the dirt Excel makes), by `onecode report` (a department's correction workbook, values under
 * the recipient's policy: src/report/report-workbook.ts) and by tests.
 */

/** One sheet: its tab name and its `<row>` elements (see `row` and `cell`), streamed into the zip. */
export interface SheetSpec {
  name: string;
  rows: Iterable<string>;
  /** Merged ranges (`A1:C1`), written as `<mergeCells>` after the sheet data. */
  merges?: string[];
}

export interface WorkbookSpec {
  sheets: SheetSpec[];
  /** The shared string table: the inner XML of each `<si>` (see `si` and `richSi`). */
  sharedStrings?: string[];
  /** The workbook's own number formats, numFmtId (164 and up) → format code. */
  numFmts?: Record<number, string>;
  /** The numFmtId of each cell style, in order: a cell's `s` attribute is an index into this list. Default `[0]`. */
  cellXfs?: number[];
  /** Set `<workbookPr date1904="1"/>`. */
  date1904?: boolean;
  /** Write every SpreadsheetML element with this namespace prefix (`x`) instead of the default namespace. */
  prefix?: string;
}

/**
 * Last-modified time of every zip entry: 1980-01-01 00:00, the earliest DOS time, built from
 * local fields because yazl writes the DOS time from local fields. With `forceDosTimestamp` (no
 * UTC extra field) the zip bytes do not depend on the clock or the time zone.
 */
const ENTRY_OPTIONS = { mtime: new Date(1980, 0, 1, 0, 0, 0), forceDosTimestamp: true };

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** Text escaped for XML content and attributes. */
export const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A `<row>` element; `r` is left out when `number` is undefined. */
export const row = (number: number | undefined, cells: string[], attributes = ''): string =>
  `<row${number === undefined ? '' : ` r="${number}"`}${attributes ? ` ${attributes}` : ''}>${cells.join('')}</row>`;

const attrs = (ref: string | undefined, type?: string, style?: number): string =>
  `${ref === undefined ? '' : ` r="${ref}"`}${type ? ` t="${type}"` : ''}${style === undefined ? '' : ` s="${style}"`}`;

/** `<c>` elements of every kind; `ref` undefined leaves `r` out. */
export const cell = {
  /** A number cell holding exactly `v` as its stored text. */
  n: (ref: string | undefined, v: string, style?: number) => `<c${attrs(ref, undefined, style)}><v>${v}</v></c>`,
  /** A shared string cell: index into the shared string table. */
  s: (ref: string | undefined, index: number, style?: number) => `<c${attrs(ref, 's', style)}><v>${index}</v></c>`,
  inline: (ref: string | undefined, text: string) => `<c${attrs(ref, 'inlineStr')}><is><t xml:space="preserve">${esc(text)}</t></is></c>`,
  b: (ref: string, v: '0' | '1') => `<c${attrs(ref, 'b')}><v>${v}</v></c>`,
  e: (ref: string, v: string) => `<c${attrs(ref, 'e')}><v>${esc(v)}</v></c>`,
  d: (ref: string, v: string, style?: number) => `<c${attrs(ref, 'd', style)}><v>${v}</v></c>`,
  /** A formula cell: its cached value `v` (none when undefined), of type `t` (`str` for text). */
  f: (ref: string, formula: string, v: string | undefined, type?: string, style?: number) =>
    `<c${attrs(ref, type, style)}><f>${esc(formula)}</f>${v === undefined ? '' : `<v>${esc(v)}</v>`}</c>`,
  /** A cell with a style and no value (formatting only). */
  empty: (ref: string, style = 0) => `<c${attrs(ref, undefined, style)}/>`,
};

/** A plain shared string item. */
export const si = (text: string): string => `<t xml:space="preserve">${esc(text)}</t>`;
/** A rich text shared string item of formatted runs (bold on every other run), with an optional phonetic run. */
export const richSi = (runs: string[], phonetic?: string): string =>
  runs.map((t, i) => `<r>${i % 2 ? '<rPr><b/></rPr>' : ''}<t xml:space="preserve">${esc(t)}</t></r>`).join('') +
  (phonetic === undefined ? '' : `<rPh sb="0" eb="1"><t>${esc(phonetic)}</t></rPh>`);

/** Prefixes every SpreadsheetML element of `xml` with `p:` and declares the namespace on the root. */
function prefixed(xml: string, p: string | undefined): string {
  if (!p) return xml;
  return xml
    .replace(/<(\/?)([A-Za-z][\w]*)(?=[\s/>])/g, (_, slash: string, name: string) => `<${slash}${p}:${name}`)
    .replace(` xmlns="${MAIN}"`, ` xmlns:${p}="${MAIN}"`);
}

async function* sheetXml(sheet: SheetSpec, p: string | undefined): AsyncGenerator<string> {
  yield DECL + prefixed(`<worksheet xmlns="${MAIN}" xmlns:r="${REL}"><sheetData>`, p);
  let batch = '';
  for (const r of sheet.rows) {
    batch += r;
    if (batch.length > 1 << 16) {
      yield prefixed(batch, p);
      batch = '';
    }
  }
  const merges = sheet.merges?.length ? `<mergeCells count="${sheet.merges.length}">${sheet.merges.map((m) => `<mergeCell ref="${m}"/>`).join('')}</mergeCells>` : '';
  yield prefixed(`${batch}</sheetData>${merges}</worksheet>`, p);
}

/**
 * Writes the workbook `spec` to `file` (the sheets streamed: a sheet of any size fits in little
 * memory). The same spec gives the same bytes: entry times are fixed (see ENTRY_OPTIONS).
 */
export async function writeWorkbook(file: string, spec: WorkbookSpec): Promise<void> {
  const zip = new yazl.ZipFile();
  const p = spec.prefix;
  const add = (name: string, xml: string): void => zip.addBuffer(Buffer.from(xml), name, ENTRY_OPTIONS);
  const sheets = spec.sheets.map((s, i) => ({ ...s, id: i + 1 }));
  add('[Content_Types].xml', `${DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    sheets.map((s) => `<Override PartName="/xl/worksheets/sheet${s.id}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>');
  add('_rels/.rels', `${DECL}<Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`);
  add('xl/workbook.xml', DECL + prefixed(`<workbook xmlns="${MAIN}" xmlns:r="${REL}">${spec.date1904 ? '<workbookPr date1904="1"/>' : '<workbookPr/>'}<sheets>` +
    sheets.map((s) => `<sheet name="${esc(s.name)}" sheetId="${s.id}" r:id="rId${s.id}"/>`).join('') + '</sheets></workbook>', p));
  add('xl/_rels/workbook.xml.rels', `${DECL}<Relationships xmlns="${PKG_REL}">` +
    sheets.map((s) => `<Relationship Id="rId${s.id}" Type="${REL}/worksheet" Target="worksheets/sheet${s.id}.xml"/>`).join('') +
    `<Relationship Id="rIdS" Type="${REL}/styles" Target="/xl/styles.xml"/><Relationship Id="rIdT" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`);
  const numFmts = Object.entries(spec.numFmts ?? {});
  const xfs = spec.cellXfs ?? [0];
  add('xl/styles.xml', DECL + prefixed(`<styleSheet xmlns="${MAIN}">` +
    (numFmts.length ? `<numFmts count="${numFmts.length}">${numFmts.map(([id, code]) => `<numFmt numFmtId="${id}" formatCode="${esc(code)}"/>`).join('')}</numFmts>` : '') +
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>' +
    '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
    `<cellXfs count="${xfs.length}">${xfs.map((id) => `<xf numFmtId="${id}" fontId="0" fillId="0" borderId="0" xfId="0"${id ? ' applyNumberFormat="1"' : ''}/>`).join('')}</cellXfs></styleSheet>`, p));
  const strings = spec.sharedStrings ?? [];
  add('xl/sharedStrings.xml', DECL + prefixed(`<sst xmlns="${MAIN}" count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si>${s}</si>`).join('')}</sst>`, p));
  for (const s of sheets) zip.addReadStream(Readable.from(sheetXml(s, p)), `xl/worksheets/sheet${s.id}.xml`, ENTRY_OPTIONS);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}
