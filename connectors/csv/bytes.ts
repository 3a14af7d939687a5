import { isUtf8 } from 'node:buffer';
import type { CsvEncoding } from './options.ts';

const SPACE = 0x20;
const TAB = 0x09;

/**
 * The bytes of the record being reported. One object serves every record (no allocation per
 * record on the fast path): read it during the call only.
 */
export interface RecordBytes {
  /** The chunk holding the whole record, or undefined when it spans chunks (use `get`). */
  chunk: Buffer | undefined;
  /** Where the record lies in `chunk`: [start, end). */
  start: number;
  end: number;
  /** The record's bytes: a view of the chunk, or a copy of the parts it spans. */
  get(): Buffer;
}

/** The one RecordBytes object a framer hands out, pointed at each record in turn. */
export class ReusedRecordBytes implements RecordBytes {
  chunk: Buffer | undefined;
  start = 0;
  end = 0;
  private copy: Buffer | undefined;
  private make: (() => Buffer) | undefined;

  at(chunk: Buffer, start: number, end: number): this {
    this.chunk = chunk;
    this.start = start;
    this.end = end;
    this.copy = undefined;
    this.make = undefined;
    return this;
  }

  spanning(make: () => Buffer): this {
    this.chunk = undefined;
    this.start = 0;
    this.end = 0;
    this.copy = undefined;
    this.make = make;
    return this;
  }

  get(): Buffer {
    if (this.copy === undefined) {
      this.copy = this.make ? this.make() : this.chunk!.subarray(this.start, this.end);
      if (this.make) {
        this.end = this.copy.length;
      }
    }
    return this.copy;
  }
}

/** Index of `byte` in `buf` from `from`, or the buffer's length when there is none. */
export function indexOrEnd(buf: Buffer, byte: number, from: number): number {
  const at = buf.indexOf(byte, from);
  return at < 0 ? buf.length : at;
}

/** Whether bytes [from, to) are all spaces and tabs. */
export function allSpaces(buf: Buffer, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = buf[k];
    if (c !== SPACE && c !== TAB) return false;
  }
  return true;
}

/** The byte order mark of the encoding, if the file starts with it, is no part of the header. */
export function stripBom(buf: Buffer, encoding: CsvEncoding): Buffer {
  if (encoding === 'utf-8' && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3);
  if (encoding === 'gb18030' && buf[0] === 0x84 && buf[1] === 0x31 && buf[2] === 0x95 && buf[3] === 0x33) return buf.subarray(4);
  return buf;
}

/**
 * Whether the chunk is valid UTF-8 apart from its edges: a character cut by the chunk's start
 * (when a record is in progress: it belongs to that record, whose bytes are checked whole) or
 * by its end (it belongs to the record in progress there, checked the same way).
 */
export function utf8ChunkValid(buf: Buffer, inRecord: boolean): boolean {
  let a = 0;
  if (inRecord) while (a < 3 && a < buf.length && (buf[a]! & 0xc0) === 0x80) a++;
  let b = buf.length;
  let k = b - 1;
  let continuation = 0;
  while (k >= a && continuation < 3 && (buf[k]! & 0xc0) === 0x80) {
    k--;
    continuation++;
  }
  if (k >= a) {
    const lead = buf[k]!;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (need > continuation + 1) b = k;
  }
  return isUtf8(buf.subarray(a, b));
}
