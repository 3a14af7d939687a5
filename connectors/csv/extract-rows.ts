import type { FileReadContext, Extracted } from '../types.ts';
import { splitFields } from './fields.ts';
import { readHeader, type HeaderLayout } from './header.ts';
import type { CsvOptions } from './options.ts';
import { readRecords } from './read-records.ts';

/**
 * The CSV connector's rows, one at a time: each data record as a row (every value a string,
 * an empty field `null`) or as unreadable with its raw text and reasons, at the physical line
 * where it starts. Blank lines are no rows; they count as lines.
 * @param layout the header if already read (readHeader); read here otherwise.
 * @throws ExtractError from readHeader, and `encoding_mismatch` after the last row when most
 *   rows did not decode (encoding-check.ts).
 */
export async function* extractRows(ctx: FileReadContext, options: CsvOptions, layout?: HeaderLayout): AsyncGenerator<Extracted> {
  const header = layout ?? (await readHeader(ctx, options));
  const { names } = header;
  const pending: Extracted[] = [];
  const records = readRecords(ctx, options, header, {
    row(record, text) {
      const values = splitFields(text!, options.delimiter, record.hasQuote);
      const fields: Record<string, string | null> = {};
      for (let i = 0; i < names.length; i++) fields[names[i]!] = values[i] || null;
      pending.push({ kind: 'row', line: record.line, fields });
    },
    unreadable(reject) {
      pending.push({ kind: 'unreadable', line: reject.line, raw: reject.raw, reasons: reject.reasons });
    },
  }, 'text');
  let step = await records.next();
  while (!step.done) {
    yield* pending.splice(0);
    step = await records.next();
  }
  yield* pending.splice(0);
  if (step.value.encodingError) throw step.value.encodingError;
}
