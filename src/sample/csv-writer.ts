/**
 * CSV text per RFC 4180 and its encoding to bytes. A field is quoted when it contains a comma,
 * a double quote, CR or LF; quotes inside are doubled. Surrounding spaces are part of the
 * field (RFC 4180 §2.4) and are written as they are.
 */
import iconv from 'iconv-lite';

/** Line ending between records. Line breaks inside quoted fields are written as given. */
export type LineEnding = 'LF' | 'CRLF';

/** Character encodings the sample files use. */
export type TextEncoding = 'utf-8' | 'gbk';

/** One field, quoted if needed (RFC 4180 §2.5–2.7). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One record with its line ending. */
export function csvRecord(fields: readonly string[], lineEnding: LineEnding): string {
  return fields.map(csvField).join(',') + (lineEnding === 'CRLF' ? '\r\n' : '\n');
}

/** A header and records as CSV text; every record, the last included, ends with a line ending. */
export function csvText(header: readonly string[], records: readonly (readonly string[])[], lineEnding: LineEnding): string {
  let text = csvRecord(header, lineEnding);
  for (const record of records) text += csvRecord(record, lineEnding);
  return text;
}

/** Options of {@link encodeText}. */
export interface EncodeTextOptions {
  encoding: TextEncoding;
  /** Prefix the UTF-8 byte order mark EF BB BF. Only for UTF-8. Default false. */
  bom?: boolean;
}

/**
 * Text as bytes. GBK goes through iconv-lite (CP936), which writes `?` for a character GBK
 * lacks, so this throws instead if the round trip loses anything.
 * @throws RangeError if a BOM is asked for with GBK, or the text has a character GBK lacks.
 */
export function encodeText(text: string, options: EncodeTextOptions): Buffer {
  if (options.encoding === 'utf-8') {
    const body = Buffer.from(text, 'utf8');
    return options.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
  }
  if (options.bom) throw new RangeError('a byte order mark is only written for UTF-8');
  const bytes = iconv.encode(text, 'gbk');
  if (iconv.decode(bytes, 'gbk') !== text) throw new RangeError('text has characters that GBK cannot encode');
  return bytes;
}
