import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse, stringify, isLosslessNumber } from 'lossless-json';
import { NdjsonConnectorOptions } from '../schemas/pipeline.ts';
import { ExtractError } from '../src/errors.ts';
import type { Connector, Extracted } from './types.ts';

type NdjsonOptions = (typeof NdjsonConnectorOptions)['_output'];

/**
 * Turns one JSON value into the string the index stores. Numbers keep the exact text the source
 * wrote (so 9007199254740993 stays 9007199254740993 and an 18-digit ID number written as a number
 * arrives as its 18 characters); nested objects and arrays keep their JSON text.
 */
function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (isLosslessNumber(value)) return value.value;
  return stringify(value) ?? null;
}

/**
 * The NDJSON connector: one JSON object per line (UTF-8, BOM stripped, blank lines skipped).
 * Numbers are read losslessly with lossless-json: never through IEEE 754 doubles. A line that is
 * not a JSON object, or repeats a key (which plain JSON.parse would silently resolve), is yielded
 * as unreadable with its raw text.
 */
export const ndjsonConnector: Connector<NdjsonOptions> = {
  kind: 'ndjson',
  options: NdjsonConnectorOptions,

  async *extract(ctx): AsyncGenerator<Extracted> {
    try {
      await stat(ctx.sourcePath);
    } catch {
      throw new ExtractError('source_missing', `${ctx.sourcePath}: file not found (pipeline ${ctx.pipeline.name}, connector.path)`);
    }
    const lines = createInterface({ input: createReadStream(ctx.sourcePath, { encoding: 'utf8' }), crlfDelay: Infinity });
    let line = 0;
    for await (let text of lines) {
      line++;
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() === '') continue;
      if (text.includes('\uFFFD')) {
        yield { kind: 'unreadable', line, raw: text, reasons: [{ code: 'invalid_encoding', message: 'line is not valid UTF-8' }] };
        continue;
      }
      let value: unknown;
      try {
        value = parse(text, null, (n: string) => n);
      } catch (error) {
        const message = (error as Error).message;
        const code = /duplicate key/i.test(message) ? 'json_duplicate_key' : 'json_malformed';
        yield { kind: 'unreadable', line, raw: text, reasons: [{ code, message }] };
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield { kind: 'unreadable', line, raw: text, reasons: [{ code: 'json_not_object', message: 'each line must be one JSON object' }] };
        continue;
      }
      const fields: Record<string, string | null> = {};
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) fields[key] = toText(v);
      yield { kind: 'row', line, fields };
    }
  },
};
