import { open, stat } from 'node:fs/promises';
import { ExtractError } from '../../src/errors.ts';
import type { FileReadContext } from '../types.ts';
import { splitFields } from './fields.ts';
import { Framer, type FramedRecord } from './framer.ts';
import { decodeRecord } from './raw-text.ts';
import { RAW_PREVIEW_BYTES, type CsvOptions } from './options.ts';

/** The header row as read: the columns rows are read by. */
export interface HeaderLayout {
  /** Column names, trimmed, in file order; trailing unnamed columns left out. */
  names: string[];
  /** Fields of the header record, unnamed trailing ones included (≥ names.length). */
  width: number;
  /** 1-based positions of the trailing unnamed columns (ignored, with a warning). */
  ignored: number[];
  /** How the header line ends (the file's line ends, unless they are mixed). */
  lineEnd: FramedRecord['ending'];
}

const HEADER_CHUNK = 1 << 16;

/**
 * Reads and checks the header row (the file's first record, RFC 4180 §2.3).
 * Column names are trimmed. Columns left unnamed at the end of the header (a header ending
 * with a delimiter, as spreadsheets write it) are ignored with a warning; a row holding a value
 * there is quarantined (`csv_unnamed_value`).
 * @throws ExtractError `source_missing`, `source_empty` (no file content or no header),
 *   `header_undecodable` (not valid in `connector.encoding`), `header_invalid` (a quote error,
 *   a control character, an unnamed column before a named one, a name given twice), each
 *   naming `file:1`.
 */
export async function readHeader(ctx: FileReadContext, options: CsvOptions): Promise<HeaderLayout> {
  const where = `${ctx.sourcePath}:1`;
  let size: number;
  try {
    size = (await stat(ctx.sourcePath)).size;
  } catch {
    throw new ExtractError('source_missing', `${ctx.sourcePath}: file not found (pipeline ${ctx.pipeline.name}, connector.path)`);
  }
  if (size === 0) throw new ExtractError('source_empty', `${ctx.sourcePath}: file is empty, not even a header: refusing to treat it as an empty export`);

  let header: { record: FramedRecord; raw: Buffer } | undefined;
  const framer = new Framer({
    delimiter: options.delimiter.charCodeAt(0),
    encoding: options.encoding,
    maxLineBytes: options.max_line_bytes,
    rawPreviewBytes: RAW_PREVIEW_BYTES,
    onRecord: (record, bytes) => {
      header ??= { record: { ...record }, raw: Buffer.from(bytes.get()) };
    },
  });
  const handle = await open(ctx.sourcePath, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_CHUNK);
    for (let position = 0; header === undefined; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) {
        framer.end();
        break;
      }
      framer.push(buffer.subarray(0, bytesRead));
      position += bytesRead;
      if (header === undefined && position > options.max_line_bytes + 2) break;
    }
  } finally {
    await handle.close();
  }
  if (header === undefined) throw new ExtractError('header_invalid', `${where}: the header is longer than connector.max_line_bytes (${options.max_line_bytes})`);
  const { record, raw } = header;
  if (record.tooLong) throw new ExtractError('header_invalid', `${where}: the header is longer than connector.max_line_bytes (${options.max_line_bytes})`);
  const text = decodeRecord(raw, options.encoding);
  if (text === undefined) {
    const hint = options.encoding === 'utf-8' ? ' (is the file GBK or GB18030? set connector.encoding)' : '';
    throw new ExtractError('header_undecodable', `${where}: the header is not valid ${options.encoding}${hint}`);
  }
  if (record.unterminated || record.quoteErrorField > 0) throw new ExtractError('header_invalid', `${where}: the header's quotes are not closed properly (RFC 4180): is this a CSV file?`);
  const names = splitFields(text.replace(/^\uFEFF/, ''), options.delimiter, record.hasQuote).map((h) => h.trim());
  if (names.every((h) => h === '')) throw new ExtractError('source_empty', `${where}: no header row`);
  const control = names.findIndex((h) => /[\u0000-\u001f\u007f]/.test(h));
  if (control >= 0) throw new ExtractError('header_invalid', `${where}: the name of column ${control + 1} holds a control character: is this a CSV file?`);
  let named = names.length;
  while (names[named - 1] === '') named--;
  const gap = names.slice(0, named).indexOf('');
  if (gap >= 0) {
    throw new ExtractError('header_invalid', `${where}: column ${gap + 1} has no name (only columns after the last named one may be unnamed: they are ignored)`);
  }
  // Positions, not names: a file without a header row would put a row's values here.
  const dup = names.slice(0, named).findIndex((h, i) => names.indexOf(h) !== i);
  if (dup >= 0) throw new ExtractError('header_invalid', `${where}: columns ${names.indexOf(names[dup]!) + 1} and ${dup + 1} have the same name`);
  const ignored = Array.from({ length: names.length - named }, (_, i) => named + i + 1);
  if (ignored.length > 0) {
    ctx.logger.warn({ file: ctx.sourcePath, columns: ignored }, `${where}: column(s) ${ignored.join(', ')} have no name in the header and are ignored; a row with a value there is quarantined (csv_unnamed_value)`);
  }
  return { names: names.slice(0, named), width: names.length, ignored, lineEnd: record.ending };
}
