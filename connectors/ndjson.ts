import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parse, isLosslessNumber } from 'lossless-json';
import { holdsLoneSurrogate, LONE_SURROGATE, SURROGATE_ESCAPE, syntaxFault, toText } from './json-values.ts';
import { NdjsonConnectorOptions, type Pipeline } from '../schemas/pipeline.ts';
import { ExtractError } from '../src/errors.ts';
import { describeFile, fileCapabilities, openChosenFile } from './file-source.ts';
import type { Connector, Extracted, FileReadContext, SourceColumn, UnreadableRow } from './types.ts';

type NdjsonOptions = (typeof NdjsonConnectorOptions)['_output'];


/**
 * The physical lines of a file as bytes, split at LF (0x0A) only, so that line n is what
 * `sed -n np` shows: a lone CR, U+2028 or U+2029 does not end a line. The LF is not included.
 * Yielded in batches (the lines completed by one read), which halves the cost of the generator.
 */
async function* physicalLines(sourcePath: string): AsyncGenerator<Buffer[]> {
  let pending: Buffer[] = [];
  for await (const chunk of createReadStream(sourcePath) as AsyncIterable<Buffer>) {
    const lines: Buffer[] = [];
    let start = 0;
    for (let lf = chunk.indexOf(0x0a, start); lf >= 0; lf = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, lf);
      lines.push(pending.length === 0 ? piece : Buffer.concat([...pending, piece]));
      pending = [];
      start = lf + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
    if (lines.length > 0) yield lines;
  }
  if (pending.length > 0) yield [Buffer.concat(pending)];
}

/** A line holding nothing but JSON whitespace (RFC 8259 §2: space, tab, CR; LF ends the line). */
const BLANK = /^[ \t\r]*$/;


/**
 * How a message names a key of a line: by name when the pipeline declares that column (mapping,
 * source_key or classification, all configuration), else generically: a key nobody declared may
 * itself be data (an object keyed by ID numbers), and messages never carry source values.
 */
function columnLabel(pipeline: Pipeline, key: string): string {
  const declared = Object.values(pipeline.mapping ?? {}).includes(key)
    || (pipeline.source_key ?? []).includes(key)
    || Object.hasOwn(pipeline.classification ?? {}, key);
  return declared ? `column '${key}'` : 'a column the pipeline does not name';
}


/**
 * The NDJSON connector: one JSON object per physical line (UTF-8, RFC 8259 §8.1; a BOM on the
 * first line stripped; lines end at LF, a CR before it is dropped). Lines that are empty or hold
 * only spaces, tabs or CRs are skipped and not counted as rows; their line numbers stay used, so
 * `line` is always the physical line. Numbers are read losslessly with lossless-json, never
 * through IEEE 754 doubles. A key named `__proto__` is an ordinary column.
 *
 * Yielded as unreadable, with the line's text (reason codes): bytes that are not UTF-8
 * (`invalid_encoding`); text that is not JSON (`json_malformed`); a key repeated with another
 * value, which plain JSON.parse would silently resolve (`json_duplicate_key`); a JSON value that
 * is not an object (`json_not_object`); a string or key holding a lone UTF-16 surrogate escape
 * such as `"\ud800"`, which is no Unicode character (RFC 8259 §8.2) and cannot be stored as
 * UTF-8 (`lone_surrogate`). Messages name the column and the fault, never a value.
 *
 * A value that is a JSON object or array arrives as its JSON text, and its column is listed in
 * the row's `nonScalar` (see SourceRow).
 */
export const ndjsonConnector: Connector<NdjsonOptions> = {
  kind: 'ndjson',
  options: NdjsonConnectorOptions,
  capabilities: fileCapabilities,
  describe: (pipeline, options) => describeFile({ file: pipeline.file, connector: options }),

  open: (ctx, options) => openChosenFile(ctx, options, 'line', async (file) => {
    const seen = new Map<string, SourceColumn>();
    return { extract: () => readLines(file, seen), columnsSeen: () => [...seen.values()] };
  }),
};

/** The rows of one NDJSON file; every key seen is added to `seen` (the columns of the read, in order of first sight). */
async function* readLines(ctx: FileReadContext, seen: Map<string, SourceColumn>): AsyncGenerator<Extracted> {
  {
    try {
      await stat(ctx.sourcePath);
    } catch {
      throw new ExtractError('source_missing', `${ctx.sourcePath}: file not found (pipeline ${ctx.pipeline.name}, connector.path)`);
    }
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const lenient = new TextDecoder('utf-8', { ignoreBOM: true });
    const unreadable = (line: number, raw: string, code: string, message: string): UnreadableRow =>
      ({ kind: 'unreadable', line, raw, reasons: [{ code, message }] });
    let line = 0;
    for await (const batch of physicalLines(ctx.sourcePath)) for (const bytes of batch) {
      line++;
      let text: string;
      try {
        text = strict.decode(bytes);
      } catch {
        yield unreadable(line, lenient.decode(bytes).replace(/\r$/, ''), 'invalid_encoding', 'bytes that are not valid UTF-8: NDJSON is UTF-8 (RFC 8259 §8.1); was the file written as GBK?');
        continue;
      }
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (BLANK.test(text)) continue;
      let value: unknown;
      try {
        value = parse(text);
      } catch (error) {
        const message = (error as Error).message;
        const duplicate = /^Duplicate key '(.*)' encountered at position (\d+)$/s.exec(message);
        yield duplicate
          ? unreadable(line, text, 'json_duplicate_key', `${columnLabel(ctx.pipeline, duplicate[1]!)} appears twice with different values (character ${Number(duplicate[2])} of the line): JSON.parse would keep the last silently`)
          : unreadable(line, text, 'json_malformed', syntaxFault(message, 'line'));
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value) || isLosslessNumber(value)) {
        yield unreadable(line, text, 'json_not_object', 'each line must be one JSON object');
        continue;
      }
      const entries = Object.entries(value as Record<string, unknown>);
      // Strictly decoded UTF-8 holds no surrogate: only a \uD800-\uDFFF escape can make one.
      const broken = SURROGATE_ESCAPE.test(text) ? entries.find(([k, v]) => LONE_SURROGATE.test(k) || holdsLoneSurrogate(v)) : undefined;
      if (broken) {
        const where = LONE_SURROGATE.test(broken[0]) ? 'a key' : `the value of ${columnLabel(ctx.pipeline, broken[0])}`;
        yield unreadable(line, text, 'lone_surrogate', `${where} holds a lone UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair), which is no Unicode character (RFC 8259 §8.2)`);
        continue;
      }
      // fromEntries defines own properties: a key named __proto__ stays a column, never a prototype.
      const fields = Object.fromEntries(entries.map(([k, v]) => [k, toText(v)])) as Record<string, string | null>;
      for (const [k] of entries) if (!seen.has(k)) seen.set(k, { name: k });
      const nonScalar = entries.filter(([, v]) => v !== null && typeof v === 'object' && !isLosslessNumber(v)).map(([k]) => k);
      yield nonScalar.length === 0 ? { kind: 'row', line, fields } : { kind: 'row', line, fields, nonScalar };
    }
  }
}
