import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import type { CsvEncoding } from './options.ts';

const REPLACEMENT = '\uFFFD';
/** U+FFFD as GB18030 writes it (GB 18030-2005 four-byte form 0x84 0x31 0xA4 0x37). */
const GB18030_REPLACEMENT = Buffer.from([0x84, 0x31, 0xa4, 0x37]);

const iconvName = (encoding: CsvEncoding): string => (encoding === 'utf-8' ? 'utf8' : encoding);

/**
 * Decodes a record's bytes, or returns undefined when some of them do not decode in
 * `encoding`. A decoder's U+FFFD is never passed on as text; a U+FFFD the source itself
 * writes (valid UTF-8 EF BF BD, or GB18030's own form of it) is.
 */
export function decodeRecord(bytes: Buffer, encoding: CsvEncoding): string | undefined {
  if (encoding === 'utf-8') return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
  const text = iconv.decode(bytes, encoding);
  if (!text.includes(REPLACEMENT)) return text;
  if (encoding === 'gb18030' && count(text, REPLACEMENT) === countBytes(bytes, GB18030_REPLACEMENT)) return text;
  return undefined;
}

/**
 * The raw text of a record for quarantine: its bytes decoded, each byte that does not decode
 * written as `\xNN` (two upper-case hex digits), so that nothing is lost and no U+FFFD is
 * invented. `truncated` (a preview of a longer line): a character cut at the end is dropped.
 */
export function rawText(bytes: Buffer, encoding: CsvEncoding, truncated = false): string {
  const whole = decodeRecord(bytes, encoding);
  if (whole !== undefined) return whole;
  let out = '';
  let i = 0;
  let plainFrom = 0;
  const flush = (to: number) => {
    if (to > plainFrom) out += decodeRecord(bytes.subarray(plainFrom, to), encoding) ?? '';
  };
  while (i < bytes.length) {
    const length = encoding === 'utf-8' ? utf8SequenceLength(bytes, i) : gbSequenceLength(bytes, i, encoding);
    if (length > 0) {
      i += length;
      continue;
    }
    if (length === 0 && truncated) break; // a sequence cut by the end of the preview
    flush(i);
    out += `\\x${bytes[i]!.toString(16).toUpperCase().padStart(2, '0')}`;
    i++;
    plainFrom = i;
  }
  flush(i);
  return out;
}

/**
 * Length of the valid UTF-8 sequence at `i` (RFC 3629 §4: no overlong forms, no surrogates,
 * nothing above U+10FFFF); -1 when the byte at `i` starts none; 0 when the buffer ends inside
 * an otherwise valid sequence.
 */
function utf8SequenceLength(b: Buffer, i: number): number {
  const lead = b[i]!;
  if (lead < 0x80) return 1;
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) need = 1;
  else if (lead >= 0xe0 && lead <= 0xef) {
    need = 2;
    if (lead === 0xe0) lo = 0xa0;
    if (lead === 0xed) hi = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    need = 3;
    if (lead === 0xf0) lo = 0x90;
    if (lead === 0xf4) hi = 0x8f;
  } else return -1;
  for (let k = 1; k <= need; k++) {
    if (i + k >= b.length) return 0;
    const c = b[i + k]!;
    if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return -1;
  }
  return need + 1;
}

/**
 * Length of the GBK / GB18030 character at `i` that decodes (GB 18030-2005 §6: one byte
 * 0x00-0x7F; two bytes 0x81-0xFE then 0x40-0x7E or 0x80-0xFE; four bytes 0x81-0xFE, 0x30-0x39,
 * 0x81-0xFE, 0x30-0x39, GB18030 only); -1 when none does; 0 when the buffer ends inside one.
 */
function gbSequenceLength(b: Buffer, i: number, encoding: CsvEncoding): number {
  const lead = b[i]!;
  if (lead < 0x80) return 1;
  if (lead === 0x80 || lead === 0xff) return -1;
  if (i + 1 >= b.length) return 0;
  const second = b[i + 1]!;
  if ((second >= 0x40 && second <= 0x7e) || (second >= 0x80 && second <= 0xfe)) {
    return decodeRecord(b.subarray(i, i + 2), encoding) === undefined ? -1 : 2;
  }
  if (encoding === 'gb18030' && second >= 0x30 && second <= 0x39) {
    if (i + 3 >= b.length) return 0;
    return gb18030FourBytes(b, i) ? 4 : -1;
  }
  return -1;
}

/**
 * Whether the four bytes at `i` are a GB18030 four-byte character (GB 18030-2005 §6.3: bytes
 * 0x81-0xFE, 0x30-0x39, 0x81-0xFE, 0x30-0x39, in the ranges that map the BMP, linear 0-39419,
 * or the supplementary planes, linear 189000-1237575). iconv-lite maps the ranges between
 * linearly too, to code points or lone surrogates that the standard does not define.
 */
function gb18030FourBytes(b: Buffer, i: number): boolean {
  const [b1, b2, b3, b4] = [b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!];
  if (b1 < 0x81 || b1 > 0xfe || b2 < 0x30 || b2 > 0x39 || b3 < 0x81 || b3 > 0xfe || b4 < 0x30 || b4 > 0x39) return false;
  const linear = (((b1 - 0x81) * 10 + (b2 - 0x30)) * 126 + (b3 - 0x81)) * 10 + (b4 - 0x30);
  if (!(linear <= 39419 || (linear >= 189000 && linear <= 1237575))) return false;
  const text = decodeRecord(b.subarray(i, i + 4), 'gb18030');
  return text !== undefined && !LONE_SURROGATE.test(text);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function count(text: string, part: string): number {
  let n = 0;
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length)) n++;
  return n;
}

function countBytes(bytes: Buffer, part: Buffer): number {
  let n = 0;
  for (let at = bytes.indexOf(part); at >= 0; at = bytes.indexOf(part, at + part.length)) n++;
  return n;
}

/**
 * Whether bytes [start, end) of `b` decode in GBK or GB18030 as iconv-lite decodes them,
 * judged from their structure, without decoding (GB 18030-2005 §6): bytes 0x00-0x80 alone
 * (0x80 is the euro sign in CP936); a lead 0x81-0xFE with a trail 0x40-0x7E or 0x80-0xFE (every
 * such pair has a character; tests/connectors/csv-units.test.ts holds iconv-lite to it); in
 * GB18030 a four-byte sequence, which is decoded to be sure.
 */
export function gbDecodable(b: Buffer, start: number, end: number, encoding: CsvEncoding): boolean {
  let i = start;
  while (i < end) {
    const lead = b[i]!;
    if (lead <= 0x80) {
      i++;
      continue;
    }
    if (lead === 0xff || i + 1 >= end) return false;
    const trail = b[i + 1]!;
    if (trail >= 0x40 && trail <= 0xfe && trail !== 0x7f) {
      i += 2;
      continue;
    }
    if (encoding !== 'gb18030' || trail < 0x30 || trail > 0x39 || i + 3 >= end) return false;
    if (!gb18030FourBytes(b, i)) return false;
    i += 4;
  }
  return true;
}
