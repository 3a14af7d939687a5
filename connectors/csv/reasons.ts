import type { FramedRecord } from './framer.ts';
import type { HeaderLayout } from './header.ts';
import type { CsvEncoding } from './options.ts';
import { RAW_PREVIEW_BYTES } from './options.ts';

/**
 * Why a CSV record cannot be read as a row: `code` is stable (quarantine.reason_codes), `field`
 * the column concerned (`*` for the whole line), `message` names positions and limits only,
 * never a value of the source (ARCHITECTURE.md "Personal data stays in its place").
 */
export interface CsvReason {
  code: CsvReasonCode;
  field: string;
  message: string;
}

/** The reason codes of an unreadable CSV record, in the order they are reported. */
export const CSV_REASON_CODES = [
  /** The record is longer than `connector.max_line_bytes`. */
  'csv_line_too_long',
  /** A quoted field is still open at the end of the file (RFC 4180 §2.5-2.7). */
  'csv_unterminated_quote',
  /** A closing quote is followed by something else than a delimiter or a line end (RFC 4180 §2.5). */
  'csv_quote',
  /** Bytes that do not decode in `connector.encoding` (the raw text shows them as `\xNN`). */
  'undecodable_bytes',
  /** A line of only spaces and tabs. */
  'csv_whitespace_line',
  /** More or fewer fields than the header names (RFC 4180 §2.4); empty fields after the last named column do not count. */
  'csv_column_count',
  /** A value in a column the header leaves unnamed (a header ending with a delimiter). */
  'csv_unnamed_value',
] as const;
export type CsvReasonCode = (typeof CSV_REASON_CODES)[number];

const ENCODING_NAMES: Record<CsvEncoding, string> = { 'utf-8': 'utf-8', gbk: 'GBK', gb18030: 'GB18030' };

/** "column 3 (姓名)" or "column 7" for a column the header does not name. */
export function columnLabel(layout: HeaderLayout, column: number): string {
  const name = layout.names[column - 1];
  return name ? `column ${column} (${name})` : `column ${column}`;
}

const fieldOf = (layout: HeaderLayout, column: number): string => layout.names[column - 1] ?? '*';

/**
 * The reasons a framed record cannot be read as a row; empty when it can. A record with no
 * value after the last named column (`a,b,` under the header `a,b`) is a row: trailing empty
 * fields are ignored, as DuckDB's reader ignores them.
 * @param undecodable its bytes do not decode in `encoding` (the framer's flag for UTF-8, decoding for GBK).
 */
export function judgeRecord(r: FramedRecord, layout: HeaderLayout, options: { encoding: CsvEncoding; maxLineBytes: number; undecodable: boolean }): CsvReason[] {
  const reasons: CsvReason[] = [];
  if (r.tooLong) {
    reasons.push({
      code: 'csv_line_too_long', field: '*',
      message: `the line is ${r.bytes.toLocaleString('en')} bytes, over connector.max_line_bytes (${options.maxLineBytes.toLocaleString('en')}); raw keeps its first ${RAW_PREVIEW_BYTES.toLocaleString('en')} bytes`,
    });
  }
  if (r.unterminated) {
    reasons.push({
      code: 'csv_unterminated_quote', field: fieldOf(layout, r.unterminatedField),
      message: `the quote opened in ${columnLabel(layout, r.unterminatedField)} is not closed before the end of the file`,
    });
  }
  if (r.quoteErrorField > 0) {
    reasons.push({
      code: 'csv_quote', field: fieldOf(layout, r.quoteErrorField),
      message: `${columnLabel(layout, r.quoteErrorField)}: a closing quote is followed by other characters`,
    });
  }
  if (options.undecodable) {
    reasons.push({ code: 'undecodable_bytes', field: '*', message: `bytes that are not valid ${ENCODING_NAMES[options.encoding]}: check connector.encoding` });
  }
  if (r.tooLong || r.unterminated) return reasons;
  const named = layout.names.length;
  if (r.whitespaceOnly && named > 1) {
    reasons.push({ code: 'csv_whitespace_line', field: '*', message: 'the line holds only spaces or tabs' });
  } else if (r.fields < named) {
    reasons.push({ code: 'csv_column_count', field: '*', message: `expected ${named} columns, found ${r.fields}` });
  } else if (r.filled > layout.width) {
    reasons.push({ code: 'csv_column_count', field: '*', message: `expected ${named} columns, found ${r.fields}` });
  } else if (r.filled > named) {
    reasons.push({ code: 'csv_unnamed_value', field: '*', message: `column ${r.filled} holds a value but the header gives it no name` });
  }
  return reasons;
}
