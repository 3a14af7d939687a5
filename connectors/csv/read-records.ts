import { createReadStream } from 'node:fs';
import type { ExtractError } from '../../src/errors.ts';
import type { ConnectorContext } from '../types.ts';
import { EncodingCheck } from './encoding-check.ts';
import { Framer, type FramedRecord } from './framer.ts';
import type { HeaderLayout } from './header.ts';
import { RAW_PREVIEW_BYTES, type CsvOptions } from './options.ts';
import { decodeRecord, rawText } from './raw-text.ts';
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
  /** A record that reads as a row. `text` is its decoded text, given when `decodeRows` was asked. */
  row(record: FramedRecord, text: string | undefined): void;
  unreadable(reject: CsvReject): void;
}

/** Chunk size of the file stream. */
const CHUNK_BYTES = 1 << 20;

/**
 * Reads the file after its header record by record (framer.ts), judges each (reasons.ts) and
 * hands it to `visitor`. An async generator that yields once per chunk of the file, so that a
 * caller can pass on what the visitor collected; it returns the summary.
 * @param layout the header, as readHeader returned it.
 */
export async function* readRecords(
  ctx: ConnectorContext,
  options: CsvOptions,
  layout: HeaderLayout,
  visitor: RecordVisitor,
  settings: { decodeRows: boolean },
): AsyncGenerator<void, ReadSummary> {
  const { encoding } = options;
  const check = new EncodingCheck(ctx.sourcePath, encoding);
  let header = true;
  let irregular = false;
  const framer = new Framer({
    delimiter: options.delimiter.charCodeAt(0),
    encoding,
    maxLineBytes: options.max_line_bytes,
    rawPreviewBytes: RAW_PREVIEW_BYTES,
    onRecord(r, raw) {
      if (header) {
        header = false;
        return;
      }
      let text: string | undefined;
      let undecodable = r.undecodable;
      if (!r.tooLong && (encoding !== 'utf-8' || settings.decodeRows)) {
        text = decodeRecord(raw(), encoding);
        undecodable = text === undefined;
      }
      check.add(r.line, undecodable, raw);
      if (r.irregular) irregular = true;
      const reasons = judgeRecord(r, layout, { encoding, maxLineBytes: options.max_line_bytes, undecodable });
      if (reasons.length > 0) {
        let text = rawText(raw(), encoding, r.tooLong);
        // The file's last line end, inside a quote never closed, is no part of the record's text.
        if (r.unterminated) text = text.replace(/\r?\n$/, '');
        visitor.unreadable({ line: r.line, uline: r.uline, raw: text, reasons });
      }
      else visitor.row(r, text);
    },
  });
  for await (const chunk of createReadStream(ctx.sourcePath, { highWaterMark: CHUNK_BYTES })) {
    framer.push(chunk as Buffer);
    yield;
  }
  framer.end();
  return { irregular: irregular || framer.mixedLineEnds, encodingError: check.error() };
}
