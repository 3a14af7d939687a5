import type { PackageParts } from './package-parts.ts';
import { StringItem } from './shared-strings.ts';
import { xmlChunks } from './xml-events.ts';

/** A cell as the worksheet XML has it (CT_Cell, ECMA-376 Part 1 §18.3.1.4), before any rule. */
export interface RawCell {
  /** 1-based column number (A = 1). */
  column: number;
  /** The `t` attribute (ST_CellType §18.18.11): `n` (the default), `s`, `str`, `inlineStr`, `b`, `e`, `d`. */
  type: string;
  /** The `s` attribute: index into the styles' cellXfs (0 when absent). */
  style: number;
  /** The text of `<v>` exactly as stored; undefined when there is no `<v>`. */
  v: string | undefined;
  /** The cell has a formula (`<f>`); its `<v>` is then the value last calculated. */
  formula: boolean;
  /** The text of an inline string `<is>` (runs concatenated, escapes undone); undefined when there is none. */
  inline: string | undefined;
}

/** A row as the worksheet XML has it (CT_Row §18.3.1.73): its number and the cells it lists. */
export interface RawRow {
  /** 1-based sheet row number. */
  row: number;
  cells: RawCell[];
}

/** Thrown for a cell or row reference that is none (`r="A0"`, a column past XFD). */
export class SheetStructureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SheetStructureError';
  }
}

/** Excel's last column, XFD, and last row (Excel specifications and limits). */
const MAX_COLUMN = 16_384;
const MAX_ROW = 1_048_576;

/** The 1-based column of a cell reference (`AB12` → 28), or undefined if it is none. */
export function columnOfReference(ref: string): number | undefined {
  let column = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const code = ref.charCodeAt(i) & ~0x20; // upper case
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
  }
  if (i === 0 || i > 3 || column > MAX_COLUMN || !/^[1-9]\d*$/.test(ref.slice(i))) return undefined;
  return column;
}

/**
 * The rows of a worksheet part in document order, streamed: the part is parsed chunk by chunk
 * and each row is yielded as soon as its end tag is read, so memory holds a chunk of XML and
 * the rows it completes, whatever the sheet's size. A row or cell without a reference (`r` is
 * optional, §18.3.1.73 and §18.3.1.4) follows the one before it. Rows the XML does not list
 * (empty rows) are not yielded.
 * @throws SheetStructureError for a reference that is no row or cell; XmlPartError for XML that does not parse.
 */
export async function* sheetRows(pkg: PackageParts, part: string): AsyncGenerator<RawRow> {
  const ready: RawRow[] = [];
  let row: RawRow | undefined;
  let lastRow = 0;
  let cell: RawCell | undefined;
  let lastColumn = 0;
  let inV = false;
  let v: string[] = [];
  let inInline = false;
  const inline = new StringItem();

  const events = xmlChunks(await pkg.open(part), part, {
    open(name, a) {
      if (inInline) {
        inline.open(name);
      } else if (name === 'c' && row) {
        const column = a.r === undefined ? lastColumn + 1 : columnOfReference(a.r);
        if (column === undefined || column > MAX_COLUMN) throw new SheetStructureError(`row ${row.row}: a cell reference that is none (after column ${lastColumn})`);
        lastColumn = column;
        cell = { column, type: a.t ?? 'n', style: a.s === undefined ? 0 : Number(a.s), v: undefined, formula: false, inline: undefined };
      } else if (name === 'v' && cell) {
        inV = true;
        v = [];
      } else if (name === 'f' && cell) {
        cell.formula = true;
      } else if (name === 'is' && cell) {
        inInline = true;
      } else if (name === 'row') {
        const number = a.r === undefined ? lastRow + 1 : Number(a.r);
        if (!Number.isInteger(number) || number < 1 || number > MAX_ROW) throw new SheetStructureError(`a row reference that is none (after row ${lastRow})`);
        lastRow = number;
        lastColumn = 0;
        row = { row: number, cells: [] };
      }
    },
    close(name) {
      if (inInline) {
        if (name === 'is') {
          cell!.inline = inline.take();
          inInline = false;
        } else {
          inline.close(name);
        }
      } else if (name === 'v' && inV) {
        cell!.v = v.length === 1 ? v[0]! : v.join('');
        inV = false;
      } else if (name === 'c' && cell) {
        row!.cells.push(cell);
        cell = undefined;
      } else if (name === 'row' && row) {
        ready.push(row);
        row = undefined;
      }
    },
    text(text) {
      if (inV) v.push(text);
      else if (inInline) inline.text(text);
    },
  });
  for await (const _ of events) {
    for (const r of ready) yield r;
    ready.length = 0;
  }
  for (const r of ready) yield r;
}
