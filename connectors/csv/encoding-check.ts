import { isUtf8 } from 'node:buffer';
import { ExtractError } from '../../src/errors.ts';
import { decodeRecord } from './raw-text.ts';
import type { CsvEncoding } from './options.ts';

/** Undecodable records whose bytes are kept to guess the encoding, and bytes kept of each. */
const SAMPLE_RECORDS = 50;
const SAMPLE_BYTES = 4096;
/** Lines named in the error message. */
const FIRST_LINES = 5;

const LABEL: Record<CsvEncoding, string> = { 'utf-8': 'UTF-8', gbk: 'GBK', gb18030: 'GB18030' };

/**
 * Watches a file's records for the sign of a wrong `connector.encoding`: more than half of the
 * data rows not decoding. Then the run fails (nothing is loaded from a file read in the wrong
 * encoding) with a message naming the encoding their bytes do decode in, if any; a few
 * undecodable rows among good ones are quarantined as usual.
 */
export class EncodingCheck {
  private records = 0;
  private undecodable = 0;
  private readonly lines: number[] = [];
  private readonly sample: Buffer[] = [];

  constructor(private readonly file: string, private readonly encoding: CsvEncoding) {}

  /** Counts one data record (header excluded); `raw` is read only for an undecodable one. */
  add(line: number, undecodable: boolean, raw: () => Buffer): void {
    this.records++;
    if (!undecodable) return;
    this.undecodable++;
    if (this.lines.length < FIRST_LINES) this.lines.push(line);
    if (this.sample.length < SAMPLE_RECORDS) this.sample.push(Buffer.from(raw().subarray(0, SAMPLE_BYTES)));
  }

  /**
   * The error to fail the run with, if most rows do not decode: code `encoding_mismatch`,
   * naming the file, the count, the first lines and the likely encoding; no value.
   */
  error(): ExtractError | undefined {
    if (this.undecodable === 0 || this.undecodable * 2 <= this.records) return undefined;
    const guess = this.guess();
    const advice = guess ? `they read as ${LABEL[guess]}: set connector.encoding: ${guess}` : `check connector.encoding`;
    return new ExtractError(
      'encoding_mismatch',
      `${this.file}: ${this.undecodable} of ${this.records} rows are not valid ${LABEL[this.encoding]} (lines ${this.lines.join(', ')}${this.undecodable > this.lines.length ? ', …' : ''}); ${advice}. Nothing was loaded.`,
    );
  }

  /** The first encoding other than the declared one in which every sampled record decodes. */
  private guess(): CsvEncoding | undefined {
    const candidates: CsvEncoding[] = this.encoding === 'utf-8' ? ['gbk', 'gb18030'] : ['utf-8', ...(this.encoding === 'gbk' ? ['gb18030' as const] : [])];
    // A sample cut at SAMPLE_BYTES may end inside a character: judge the whole records only.
    const whole = this.sample.filter((b) => b.length < SAMPLE_BYTES);
    const judged = whole.length > 0 ? whole : this.sample;
    return candidates.find((encoding) => judged.every((b) => (encoding === 'utf-8' ? isUtf8(b) : decodeRecord(b, encoding) !== undefined)));
  }
}
