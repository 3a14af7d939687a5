import { isUtf8 } from 'node:buffer';
import { allSpaces, indexOrEnd, ReusedRecordBytes, stripBom, utf8ChunkValid, type RecordBytes } from './bytes.ts';
import type { CsvEncoding } from './options.ts';

export type { RecordBytes } from './bytes.ts';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const SPACE = 0x20;

/**
 * One CSV record as framed from the file's bytes (RFC 4180: fields separated by the delimiter,
 * a field that starts with `"` is quoted, `""` inside it is one quote, records end at LF or
 * CRLF outside quotes). Lines are physical lines of the file: every LF counts, inside quotes
 * too, CRLF counts once. A record is framed whatever is wrong with it; what is wrong is
 * described here and judged by `judgeRecord` (verdict.ts).
 *
 * The object is reused from record to record: copy what you keep.
 */
export interface FramedRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  /**
   * 1-based line counting only line ends outside quotes (blank lines included): the `line`
   * DuckDB's CSV reader reports for a rejected record.
   */
  uline: number;
  /** Physical lines the record spans (1 + the line ends inside its quotes). */
  lines: number;
  /** Size in bytes of the record in the file, its line end excluded (also counted past the limit). */
  bytes: number;
  /** How the record ended: `\n`, `\r\n`, or `eof` (the last record without a line end). */
  ending: '\n' | '\r\n' | 'eof';
  /** Number of fields (delimiters outside quotes + 1). */
  fields: number;
  /** Number of fields up to the last one holding a value (a quoted `""` holds none). */
  filled: number;
  /** The record holds a quote character somewhere (fields need unquoting). */
  hasQuote: boolean;
  /** 1-based field whose closing quote is followed by something else than a delimiter or a line end; 0 if none. */
  quoteErrorField: number;
  /** The file ended inside a quoted field (the record runs to the end of the file). */
  unterminated: boolean;
  /** 1-based field whose quote was still open at the end of the file; 0 if none. */
  unterminatedField: number;
  /** The record is one field of only spaces and tabs. */
  whitespaceOnly: boolean;
  /** UTF-8 only: the record's bytes are not valid UTF-8. Other encodings: false (the caller decodes). */
  undecodable: boolean;
  /**
   * The record holds something DuckDB's reader reads differently from this framer (a lone CR,
   * spaces before an opening quote): the bulk path must not be trusted with the file.
   */
  irregular: boolean;
  /** Longer than `maxLineBytes`: only the first `rawPreviewBytes` bytes are kept. */
  tooLong: boolean;
}

/** Options of a {@link Framer}. */
export interface FramerOptions {
  /** Field delimiter: one ASCII byte other than `"`, CR or LF. */
  delimiter: number;
  encoding: CsvEncoding;
  /** Largest record, in bytes of the file without its line end; longer ones are framed as `tooLong`. */
  maxLineBytes: number;
  /** Bytes kept of a record longer than `maxLineBytes`. */
  rawPreviewBytes: number;
  /**
   * Called at the end of each record (blank lines are no records), with the record's bytes
   * (without its line end; at most `rawPreviewBytes` of a `tooLong` one). Both are valid only
   * during the call.
   */
  onRecord(record: FramedRecord, bytes: RecordBytes): void;
}

// Field states.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote seen inside a quoted field: the next byte says whether it closes the field or is doubled. */
const QUOTE_IN_QUOTED = 3;
/** After a closing quote: a delimiter or a line end must follow. */
const AFTER_CLOSE = 4;

/**
 * A push-based CSV framer over the bytes of a file: `push` each chunk in order, then `end`.
 * It keeps only the record in progress (and of a record over `maxLineBytes`, only its first
 * `rawPreviewBytes`), so memory stays bounded whatever the line lengths. UTF-8 validity is
 * checked a chunk at a time (node:buffer isUtf8), record by record only in a chunk that fails.
 * For GBK and GB18030 with a delimiter that can be a trail byte (`|`, letters, digits), lead
 * bytes are followed so that a trail byte is never taken for a delimiter.
 */
export class Framer {
  private readonly o: FramerOptions;
  private readonly special = new Uint8Array(256);
  private readonly trackGb: boolean;
  private readonly rec: FramedRecord = emptyRecord();
  private readonly bytes = new ReusedRecordBytes();

  // Position in the file.
  private line = 1;
  private uline = 1;
  private started = false;
  /** The file's first bytes, while fewer than a byte order mark. */
  private head: Buffer | undefined;

  // The record in progress.
  private inRecord = false;
  private state = FIELD_START;
  private fieldHasValue = false;
  private fieldSpacesOnly = true;
  private pendingCr = false;
  /** GB lead-byte tracking: 0 none, 1 expect a trail or a GB18030 second byte, 2 and 3 the rest of a four-byte sequence. */
  private gb = 0;
  /** Start of the record in the current chunk, or -1 when it began in an earlier chunk. */
  private recStart = -1;
  /** Bytes of the record from earlier chunks (copied), while they are kept. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** The record began in an earlier chunk (its UTF-8 validity is checked on its own bytes). */
  private spanning = false;
  private chunkValid = true;
  /** Line ends seen outside quotes, blank lines included: 1 LF, 2 CRLF. */
  private endingsSeen = 0;

  constructor(options: FramerOptions) {
    this.o = options;
    for (const b of [options.delimiter, LF, CR, QUOTE]) this.special[b] = 1;
    const d = options.delimiter;
    this.trackGb = options.encoding !== 'utf-8' && ((d >= 0x30 && d <= 0x39) || (d >= 0x40 && d <= 0x7e));
    if (this.trackGb) for (let b = 0x81; b <= 0xfe; b++) this.special[b] = 1;
  }

  /** Frames the next chunk of the file. */
  push(chunk: Buffer): void {
    let buf = chunk;
    if (!this.started) {
      // A byte order mark is up to 4 bytes: decide on it once they are here.
      this.head = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      if (this.head.length < 4) return;
      this.started = true;
      buf = stripBom(this.head, this.o.encoding);
      this.head = undefined;
    }
    const n = buf.length;
    if (n === 0) return;
    if (this.o.encoding === 'utf-8') this.chunkValid = utf8ChunkValid(buf, this.inRecord);
    const o = this.o;
    const special = this.special;
    const delim = o.delimiter;
    const r = this.rec;
    this.recStart = this.inRecord ? -1 : 0;
    let i = 0;
    // Next LF, quote and CR at or after i (n when none), for the fast path.
    let nextLf = -1;
    let nextQuote = -1;
    let nextCr = -1;
    const fast = !this.trackGb;
    while (i < n) {
      if (fast && !this.inRecord && !this.pendingCr) {
        // Fast path: a record with no quote and no lone CR that ends in this chunk.
        if (nextLf < i) nextLf = indexOrEnd(buf, LF, i);
        if (nextQuote < i) nextQuote = indexOrEnd(buf, QUOTE, i);
        if (nextCr < i) nextCr = indexOrEnd(buf, CR, i);
        if (nextLf < n && nextQuote > nextLf) {
          let e = nextLf;
          if (e > i && buf[e - 1] === CR) e--;
          if (nextCr >= e) {
            this.endingsSeen |= e === nextLf ? 1 : 2;
            if (e > i) this.frameSimple(buf, i, e, e === nextLf ? '\n' : '\r\n');
            this.line++;
            this.uline++;
            i = nextLf + 1;
            continue;
          }
        }
      }
      const b = buf[i]!;
      if (this.gb !== 0 && this.gbContinues(b)) {
        this.content(1);
        i++;
        continue;
      }
      if (this.pendingCr) {
        this.pendingCr = false;
        if (b === LF) {
          this.endLine(buf, i - 1, '\r\n');
          i++;
          continue;
        }
        // A lone CR is data; DuckDB's reader fails on it.
        r.irregular = true;
        this.content(1);
        if (this.state === AFTER_CLOSE) this.quoteError();
        else if (this.state === FIELD_START) this.state = UNQUOTED;
        this.fieldHasValue = true;
        this.fieldSpacesOnly = false;
      }
      if (!this.inRecord) this.beginRecord(i);
      switch (this.state) {
        case QUOTED: {
          // Fast inside quotes: only a quote or a line end matter.
          let j = i;
          while (j < n) {
            const c = buf[j]!;
            if (c === QUOTE) break;
            if (c === LF) this.line++;
            j++;
          }
          if (j > i) {
            this.fieldHasValue = true;
            this.content(j - i);
          }
          if (j === n) { i = n; break; }
          this.content(1);
          this.state = QUOTE_IN_QUOTED;
          i = j + 1;
          break;
        }
        case QUOTE_IN_QUOTED:
          if (b === QUOTE) {
            this.content(1);
            this.fieldHasValue = true;
            this.state = QUOTED;
            i++;
            break;
          }
          this.state = AFTER_CLOSE;
          break; // the byte is read again after the closing quote
        case AFTER_CLOSE:
          if (b === delim) { this.endField(); i++; break; }
          if (b === LF) { this.endLine(buf, i, '\n'); i++; break; }
          if (b === CR) { this.pendingCr = true; i++; break; }
          // DuckDB's reader skips spaces after a closing quote; here they are a quote error.
          if (b === SPACE) r.irregular = true;
          this.quoteError();
          break; // read again as an unquoted byte
        case FIELD_START:
          if (b === QUOTE) {
            this.content(1);
            r.hasQuote = true;
            this.state = QUOTED;
            i++;
            break;
          }
          if (b === delim) { this.endField(); i++; break; }
          if (b === LF) { this.endLine(buf, i, '\n'); i++; break; }
          if (b === CR) { this.pendingCr = true; i++; break; }
          this.state = UNQUOTED;
          break; // read again as an unquoted byte
        default: {
          // UNQUOTED: run to the next byte that matters.
          let j = i;
          while (j < n && special[buf[j]!] === 0) j++;
          if (j > i) {
            if (this.fieldSpacesOnly && !allSpaces(buf, i, j)) this.fieldSpacesOnly = false;
            this.fieldHasValue = true;
            this.content(j - i);
          }
          if (j === n) { i = n; break; }
          const c = buf[j]!;
          i = j + 1;
          if (c === delim) { this.endField(); break; }
          if (c === LF) { this.endLine(buf, j, '\n'); break; }
          if (c === CR) { this.pendingCr = true; break; }
          if (c === QUOTE) {
            // A quote inside an unquoted field is data (as DuckDB reads it); after spaces only,
            // DuckDB takes it as an opening quote.
            r.hasQuote = true;
            if (this.fieldSpacesOnly) r.irregular = true;
            this.fieldSpacesOnly = false;
            this.fieldHasValue = true;
            this.content(1);
            break;
          }
          // A GB lead byte (only when tracking): its trail bytes are data.
          this.fieldSpacesOnly = false;
          this.fieldHasValue = true;
          this.content(1);
          this.gb = 1;
          break;
        }
      }
    }
    if (this.inRecord) this.keepTail(buf);
  }

  /**
   * The file ends lines both with LF and with CRLF (outside quotes, blank lines included):
   * DuckDB's reader fails on such a file.
   */
  get mixedLineEnds(): boolean {
    return this.endingsSeen === 3;
  }

  /** Ends the file: frames the last record if it has no line end. */
  end(): void {
    if (!this.started) {
      const head = this.head ?? Buffer.alloc(0);
      this.head = undefined;
      this.started = true;
      if (head.length > 0) this.push(stripBom(head, this.o.encoding));
    }
    if (this.pendingCr) {
      // A CR at the very end closes the record like a CRLF would; DuckDB's reader fails on it.
      this.pendingCr = false;
      if (this.inRecord) this.rec.irregular = true;
      this.endLine(Buffer.alloc(0), 0, '\r\n', true);
      return;
    }
    if (!this.inRecord) return;
    if (this.state === QUOTED) {
      this.rec.unterminated = true;
      this.rec.unterminatedField = this.rec.fields;
    }
    this.endLine(Buffer.alloc(0), 0, 'eof', true);
  }

  /** Frames a record [start, end) of the chunk that holds no quote and no CR (the fast path). */
  private frameSimple(buf: Buffer, start: number, end: number, ending: FramedRecord['ending']): void {
    const r = this.rec;
    resetRecord(r);
    r.line = this.line;
    r.uline = this.uline;
    r.ending = ending;
    r.bytes = end - start;
    r.tooLong = r.bytes > this.o.maxLineBytes;
    const delim = this.o.delimiter;
    let fields = 1;
    let filled = 0;
    let fieldStart = start;
    // indexOf (memchr) per delimiter: half the CPU of a byte loop on a 155 MB export.
    for (let k = buf.indexOf(delim, start); k >= 0 && k < end; k = buf.indexOf(delim, k + 1)) {
      if (k > fieldStart) filled = fields;
      fields++;
      fieldStart = k + 1;
    }
    if (end > fieldStart) filled = fields;
    r.fields = fields;
    r.filled = filled;
    if (fields === 1 && r.bytes <= 4096) r.whitespaceOnly = allSpaces(buf, start, end);
    const bytes = this.bytes.at(buf, start, r.tooLong ? Math.min(end, start + this.o.rawPreviewBytes) : end);
    if (this.o.encoding === 'utf-8' && !r.tooLong && !this.chunkValid) r.undecodable = !isUtf8(bytes.get());
    this.o.onRecord(r, bytes);
  }

  private gbContinues(b: number): boolean {
    const gb = this.gb;
    this.gb = 0;
    if (gb === 1) {
      if ((b >= 0x40 && b <= 0x7e) || (b >= 0x80 && b <= 0xfe)) return true;
      if (this.o.encoding === 'gb18030' && b >= 0x30 && b <= 0x39) { this.gb = 2; return true; }
      return false;
    }
    if (gb === 2 && b >= 0x81 && b <= 0xfe) { this.gb = 3; return true; }
    return gb === 3 && b >= 0x30 && b <= 0x39;
  }

  private beginRecord(at: number): void {
    const r = this.rec;
    resetRecord(r);
    r.line = this.line;
    r.uline = this.uline;
    this.inRecord = true;
    this.state = FIELD_START;
    this.fieldHasValue = false;
    this.fieldSpacesOnly = true;
    this.recStart = at;
    this.parts = [];
    this.partsBytes = 0;
    this.spanning = false;
  }

  private content(count: number): void {
    const r = this.rec;
    r.bytes += count;
    if (!r.tooLong && r.bytes > this.o.maxLineBytes) r.tooLong = true;
  }

  private quoteError(): void {
    if (this.rec.quoteErrorField === 0) this.rec.quoteErrorField = this.rec.fields;
    this.state = UNQUOTED;
    this.fieldHasValue = true;
    this.fieldSpacesOnly = false;
  }

  private endField(): void {
    const r = this.rec;
    this.content(1);
    if (this.fieldHasValue) r.filled = r.fields;
    r.fields++;
    this.state = FIELD_START;
    this.fieldHasValue = false;
    this.fieldSpacesOnly = true;
  }

  /** A line end at `at` (the index of the LF, or of the CR of a CRLF) or the end of the file. */
  private endLine(buf: Buffer, at: number, ending: FramedRecord['ending'], eof = false): void {
    const r = this.rec;
    const lineEnds = ending === 'eof' ? 0 : 1;
    if (ending !== 'eof' && !eof) this.endingsSeen |= ending === '\n' ? 1 : 2;
    if (!this.inRecord || (r.bytes === 0 && r.fields === 1 && this.state === FIELD_START)) {
      // A blank line: no record, but a line.
      this.inRecord = false;
      this.line += lineEnds;
      this.uline += lineEnds;
      return;
    }
    if (this.fieldHasValue) r.filled = r.fields;
    r.ending = ending;
    r.lines = this.line - r.line + 1;
    const end = eof ? buf.length : Math.max(at, 0);
    const bytes = this.spanning
      ? this.bytes.spanning(() => this.recordBytes(buf, end))
      : this.bytes.at(buf, this.recStart, r.tooLong ? Math.min(end, this.recStart + this.o.rawPreviewBytes) : end);
    if (r.fields === 1 && !r.hasQuote && r.bytes <= 4096) {
      const b = bytes.get();
      r.whitespaceOnly = allSpaces(b, 0, b.length);
    }
    if (this.o.encoding === 'utf-8' && !r.tooLong) {
      r.undecodable = this.spanning || !this.chunkValid ? !isUtf8(bytes.get()) : false;
    }
    this.o.onRecord(r, bytes);
    this.inRecord = false;
    this.line += lineEnds;
    this.uline += lineEnds;
  }

  /** The record's bytes: kept parts, then the current chunk up to `end`; capped for a record too long. */
  private recordBytes(buf: Buffer, end: number): Buffer {
    const r = this.rec;
    const start = this.recStart < 0 ? 0 : this.recStart;
    const here = buf.subarray(start, Math.max(start, end));
    const all = this.parts.length === 0 ? here : Buffer.concat([...this.parts, here]);
    const limit = r.tooLong ? Math.min(this.o.rawPreviewBytes, r.bytes) : r.bytes;
    // A CR of a CRLF split across chunks sits at the end of the kept parts: cut to the record's size.
    return all.length > limit ? all.subarray(0, limit) : all;
  }

  /** At the end of a chunk, keeps the bytes of the record in progress (up to what may be needed). */
  private keepTail(buf: Buffer): void {
    const start = this.recStart < 0 ? 0 : this.recStart;
    this.spanning = true;
    const cap = this.rec.tooLong ? this.o.rawPreviewBytes : this.o.maxLineBytes + 2;
    if (this.partsBytes >= cap) return;
    const tail = buf.subarray(start, Math.min(buf.length, start + (cap - this.partsBytes)));
    this.parts.push(Buffer.from(tail));
    this.partsBytes += tail.length;
    if (this.rec.tooLong && this.partsBytes > this.o.rawPreviewBytes) {
      const all = Buffer.concat(this.parts).subarray(0, this.o.rawPreviewBytes);
      this.parts = [Buffer.from(all)];
      this.partsBytes = all.length;
    }
  }
}

function emptyRecord(): FramedRecord {
  const r = {} as FramedRecord;
  resetRecord(r);
  return r;
}

function resetRecord(r: FramedRecord): void {
  r.line = 0;
  r.uline = 0;
  r.lines = 1;
  r.bytes = 0;
  r.ending = '\n';
  r.fields = 1;
  r.filled = 0;
  r.hasQuote = false;
  r.quoteErrorField = 0;
  r.unterminated = false;
  r.unterminatedField = 0;
  r.whitespaceOnly = false;
  r.undecodable = false;
  r.irregular = false;
  r.tooLong = false;
}
