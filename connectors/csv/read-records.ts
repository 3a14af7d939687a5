import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import type { ExtractError } from '../../src/errors.ts';
import type { FileReadContext } from '../types.ts';
import { EncodingCheck } from './encoding-check.ts';
import { Framer, type FramedRecord, type RecordBytes } from './framer.ts';
import type { HeaderLayout } from './header.ts';
import { RAW_PREVIEW_BYTES, type CsvOptions } from './options.ts';
import { decodeRecord, gbDecodable, rawText } from './raw-text.ts';
import { judgeRecord, type CsvReason } from './reasons.ts';

/** A record that is no row: where it starts, its raw text, and why. */
export interface CsvReject {
  /** 1-based physical line where it starts. */
  line: number;
  /** Its line counting only line ends outside quotes (DuckDB's numbering, see FramedRecord.uline). */
  uline: number;
  /** Its raw text (rawText: undecodable bytes as `\xNN`; a line over the limit cut to its preview). */
  raw: string;
  reasons: CsvReason[];
}

/** What reading the whole file found besides the records. */
export interface ReadSummary {
  /** Something the bulk reader reads differently from the framer (see FramedRecord.irregular, Framer.mixedLineEnds). */
  irregular: boolean;
  /** Set when most rows do not decode (EncodingCheck). */
  encodingError?: ExtractError;
}

/** Receives each data record of the file in order (the header is not one). */
export interface RecordVisitor {
  /** A record that reads as a row; `text` is its decoded text in mode `text`. */
  row(record: FramedRecord, text: string | undefined): void;
  unreadable(reject: CsvReject): void;
}

/**
 * What is made of the rows: `text` decodes each one for the visitor; `lines` yields, once per
 * chunk, the decoded text of that chunk's rows, each ended by LF (for DuckDB's reader); `none`
 * decodes nothing.
 */
export type RowText = 'text' | 'lines' | 'none';

/** Chunk size of the file stream. */
const CHUNK_BYTES = 1 << 20;

/**
 * Reads the file after its header record by record (framer.ts), judges each (reasons.ts) and
 * hands it to `visitor`. An async generator that yields once per chunk of the file (the rows'
 * text in mode `lines`, else ''), so that a caller can pass on what the visitor collected; it
 * returns the summary.
 * @param layout the header, as readHeader returned it.
 */
export async function* readRecords(
  ctx: FileReadContext,
  options: CsvOptions,
  layout: HeaderLayout,
  visitor: RecordVisitor,
  mode: RowText,
): AsyncGenerator<string, ReadSummary> {
  const { encoding } = options;
  const check = new EncodingCheck(ctx.sourcePath, encoding);
  const lines = new LineBuffer();
  let header = true;
  let irregular = false;
  const framer = new Framer({
    delimiter: options.delimiter.charCodeAt(0),
    encoding,
    maxLineBytes: options.max_line_bytes,
    rawPreviewBytes: RAW_PREVIEW_BYTES,
    onRecord(r, bytes) {
      if (header) {
        header = false;
        return;
      }
      const undecodable = encoding === 'utf-8' || r.tooLong ? r.undecodable : !decodable(bytes, encoding);
      check.add(r.line, undecodable, () => bytes.get());
      if (r.irregular) irregular = true;
      const reasons = judgeRecord(r, layout, { encoding, maxLineBytes: options.max_line_bytes, undecodable });
      if (reasons.length > 0) {
        let text = rawText(bytes.get(), encoding, r.tooLong);
        // The file's last line end, inside a quote never closed, is no part of the record's text.
        if (r.unterminated) text = text.replace(/\r?\n$/, '');
        visitor.unreadable({ line: r.line, uline: r.uline, raw: text, reasons });
        return;
      }
      if (mode === 'lines') lines.add(bytes);
      visitor.row(r, mode === 'text' ? decode(bytes, encoding) : undefined);
    },
  });
  for await (const chunk of createReadStream(ctx.sourcePath, { highWaterMark: CHUNK_BYTES })) {
    framer.push(chunk as Buffer);
    yield mode === 'lines' ? lines.take(encoding) : '';
  }
  framer.end();
  if (mode === 'lines') yield lines.take(encoding);
  return { irregular: irregular || framer.mixedLineEnds, encodingError: check.error() };
}

function decodable(bytes: RecordBytes, encoding: CsvOptions['encoding']): boolean {
  if (bytes.chunk) return gbDecodable(bytes.chunk, bytes.start, bytes.end, encoding);
  const b = bytes.get();
  return gbDecodable(b, 0, b.length, encoding);
}

/** The text of a decodable record. */
function decode(bytes: RecordBytes, encoding: CsvOptions['encoding']): string {
  if (encoding === 'utf-8') return bytes.chunk ? bytes.chunk.toString('utf8', bytes.start, bytes.end) : bytes.get().toString('utf8');
  return decodeRecord(bytes.get(), encoding) ?? '';
}

/** Bytes of rows, each followed by LF, decoded a chunk at a time (one iconv call per chunk). */
class LineBuffer {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES + 4096);
  private length = 0;

  add(bytes: RecordBytes): void {
    const size = bytes.chunk ? bytes.end - bytes.start : bytes.get().length;
    if (this.length + size + 1 > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.length + size + 1));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    if (bytes.chunk) bytes.chunk.copy(this.buffer, this.length, bytes.start, bytes.end);
    else bytes.get().copy(this.buffer, this.length);
    this.length += size;
    this.buffer[this.length++] = 0x0a;
  }

  take(encoding: CsvOptions['encoding']): string {
    const view = this.buffer.subarray(0, this.length);
    const text = encoding === 'utf-8' ? view.toString('utf8') : iconv.decode(view, encoding);
    this.length = 0;
    if (this.buffer.length > 4 * CHUNK_BYTES) this.buffer = Buffer.allocUnsafe(CHUNK_BYTES + 4096);
    return text;
  }
}
