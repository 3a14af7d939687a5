import { isLosslessNumber, parse, stringify } from 'lossless-json';

/*
 * The value rules of the JSON connectors (ndjson: one object per line; http: pages of records):
 * numbers keep their text, nested values their JSON text (listed in `nonScalar`), a key repeated
 * with another value or a lone surrogate makes the record unreadable, and no message carries a
 * value.
 */

/**
 * Stands where a JSON object repeats a key with different values (RFC 8259 §4: names SHOULD be
 * unique; JSON.parse would silently keep the last). Holds every value in document order, so a
 * record's raw text loses none of them (it serialises as the array of the values); `position` is
 * the 1-based character of the second occurrence's key in the page text.
 */
export class DuplicateValues {
  constructor(readonly position: number, readonly values: unknown[]) {}
  toJSON(): unknown[] {
    return this.values;
  }
}

/**
 * Parses a page body with lossless-json: numbers become LosslessNumber (their exact text, never a
 * double); a key repeated with a different value becomes a DuplicateValues in place of its value
 * (the same value twice is no conflict and is kept once). Throws lossless-json's SyntaxError for
 * text that is not JSON (see `syntaxFault`).
 */
export function parseJsonText(text: string): unknown {
  return parse(text, undefined, {
    onDuplicateKey: ({ position, oldValue, newValue }) => {
      if (oldValue instanceof DuplicateValues) {
        oldValue.values.push(newValue);
        return oldValue;
      }
      return new DuplicateValues(position, [oldValue, newValue]);
    },
  });
}

/**
 * Turns one JSON value into the text the index stores, as the ndjson connector does: a string
 * as is, `true`/`false`, a number as the exact text the source wrote (9007199254740993 and 0.10
 * stay so), null as null, an object or array as its JSON text (numbers in it exact too).
 */
export function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (isLosslessNumber(value)) return value.value;
  return stringify(value) ?? null;
}

/** Whether a value is a JSON object or array (not a number, which lossless-json makes an object). */
function isStructured(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !isLosslessNumber(value);
}

/** A UTF-16 surrogate without its partner: no Unicode scalar value, not storable as UTF-8. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A JSON escape of a UTF-16 surrogate, `\uD800`-`\uDFFF` (any case): the only way strictly decoded UTF-8 can hold one. */
export const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Whether any key or string at any depth of `value` holds a lone surrogate. */
export function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (value instanceof DuplicateValues) return value.values.some(holdsLoneSurrogate);
  if (!isStructured(value)) return false;
  if (Array.isArray(value)) return value.some(holdsLoneSurrogate);
  return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || holdsLoneSurrogate(v));
}

/** Whether a DuplicateValues sits anywhere inside `value`. */
function holdsDuplicate(value: unknown): boolean {
  if (value instanceof DuplicateValues) return true;
  if (!isStructured(value)) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(holdsDuplicate);
}

/** Why a record could not be read: a stable code and a message that names no value. */
export interface RecordFault {
  code: 'http_record_not_object' | 'http_json_duplicate_key' | 'http_lone_surrogate';
  message: string;
}

/** One record as read: its values as text, or its raw JSON text and why it is unreadable. */
export type ReadRecord =
  | { ok: true; record: Record<string, string | null>; nonScalar?: string[] }
  | { ok: false; raw: string; reasons: RecordFault[] };

/**
 * Reads one item of a page's records array. An object becomes a record: key → text (`toText`),
 * every key kept as an own property (a key named `__proto__` is a column); keys whose value is an
 * object or array are listed in `nonScalar`. Anything else is unreadable, with its raw JSON text:
 * not an object (`http_record_not_object`), a key repeated with another value at any depth
 * (`http_json_duplicate_key`), a key or string holding a lone UTF-16 surrogate escape, which is no
 * Unicode character (RFC 8259 §8.2) and cannot be stored as UTF-8 (`http_lone_surrogate`).
 *
 * @param label how a message names a top-level key, e.g. `column 'sfzh'` for a key the pipeline
 *   declares; keys nobody declared may themselves be data, so the default names none.
 * @param mayHoldSurrogates false when the page text has no surrogate escape (skips the walk).
 */
export function readRecord(item: unknown, label: (key: string) => string, mayHoldSurrogates: boolean): ReadRecord {
  const raw = (): string => stringify(item) ?? 'null';
  if (!isStructured(item) || Array.isArray(item)) {
    const what = Array.isArray(item) ? 'an array' : item === null ? 'null' : `a ${isLosslessNumber(item) ? 'number' : typeof item}`;
    return { ok: false, raw: raw(), reasons: [{ code: 'http_record_not_object', message: `each item of the records array must be a JSON object; this one is ${what}` }] };
  }
  const entries = Object.entries(item);
  const reasons: RecordFault[] = [];
  const duplicated = entries.find(([, v]) => holdsDuplicate(v));
  if (duplicated) {
    const where = duplicated[1] instanceof DuplicateValues ? label(duplicated[0]) : `a key nested in ${label(duplicated[0])}`;
    reasons.push({ code: 'http_json_duplicate_key', message: `${where} appears twice with different values: JSON.parse would keep the last silently (RFC 8259 §4); the raw text holds every value as an array` });
  }
  const broken = mayHoldSurrogates ? entries.find(([k, v]) => LONE_SURROGATE.test(k) || holdsLoneSurrogate(v)) : undefined;
  if (broken) {
    const where = LONE_SURROGATE.test(broken[0]) ? 'a key' : `the value of ${label(broken[0])}`;
    reasons.push({ code: 'http_lone_surrogate', message: `${where} holds a lone UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair), which is no Unicode character (RFC 8259 §8.2)` });
  }
  if (reasons.length > 0) return { ok: false, raw: raw(), reasons };
  // fromEntries defines own properties: a key named __proto__ stays a column, never a prototype.
  const record = Object.fromEntries(entries.map(([k, v]) => [k, toText(v)])) as Record<string, string | null>;
  const nonScalar = entries.filter(([, v]) => isStructured(v)).map(([k]) => k);
  return nonScalar.length === 0 ? { ok: true, record } : { ok: true, record, nonScalar };
}

/**
 * What lossless-json found wrong with a text (an NDJSON line, a page body), without the characters
 * it quotes (its messages carry the offending text): the kind of fault and the 1-based character.
 * @param unit what the text is, for the message: `line` or `body`.
 */
export function syntaxFault(message: string, unit: 'line' | 'body' = 'body'): string {
  const at = /at position (\d+)/.exec(message);
  const where = /reached end of input/.test(message) ? ` at the end of the ${unit}` : at ? ` at character ${Number(at[1]) + 1} of the ${unit}` : '';
  const kinds: [RegExp, string][] = [
    [/^Comma ',' expected/, "',' expected after a value"],
    [/^Colon ':' expected/, "':' expected after a key"],
    [/^Quoted object key or end/, "a key or '}' expected"],
    [/^Quoted object key expected/, 'a quoted key expected'],
    [/^Object value expected/, 'a value expected after a key'],
    [/^Array item or end/, "an item or ']' expected"],
    [/^Array item expected/, 'an array item expected'],
    [/^JSON value expected/, 'a JSON value expected'],
    [/^Expected end of input/, unit === 'line' ? 'text after the end of the object' : 'text after the end of the document'],
    [/^Invalid number/, 'a malformed number'],
    [/^End of string/, 'an unterminated string'],
    [/^Invalid escape character/, 'an invalid escape in a string'],
    [/^Invalid unicode character/, 'an invalid \\u escape in a string'],
    [/^Invalid character/, 'a character not allowed here (a raw control character in a string?)'],
  ];
  const kind = kinds.find(([pattern]) => pattern.test(message))?.[1] ?? 'malformed JSON';
  return `not valid JSON (RFC 8259): ${kind}${where}`;
}
