import { isLosslessNumber } from 'lossless-json';
import { DuplicateValues } from '../json-values.ts';

/**
 * Where a value sits inside a JSON document, written either as a JSON Pointer (RFC 6901: starts
 * with `/`, `~1` for `/` and `~0` for `~` inside a key, e.g. `/data/items`) or as a dotted path
 * (`data.items`, each segment a key or an array index; for a key holding a `.`, use a pointer).
 * The empty string (and an absent path) means the whole document (RFC 6901 §5).
 */
export type JsonPathText = string;

/**
 * Splits a path into its reference tokens (RFC 6901 §3-4 for pointers). Throws an Error whose
 * message says what is wrong (the path is configuration, so the message may quote it).
 */
export function compilePath(text: JsonPathText): string[] {
  if (text === '') return [];
  if (text.startsWith('/')) {
    return text.slice(1).split('/').map((token) => {
      if (/~(?![01])/.test(token)) throw new Error(`'${text}' is not a JSON Pointer: '~' must be followed by 0 or 1 (RFC 6901 §3)`);
      return token.replaceAll('~1', '/').replaceAll('~0', '~');
    });
  }
  const segments = text.split('.');
  if (segments.some((s) => s === '')) throw new Error(`'${text}' has an empty segment: write keys separated by single dots, or a JSON Pointer such as '/data/items'`);
  return segments;
}

/** An array index as RFC 6901 §4 writes it: `0` or digits without a leading zero. */
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** What `resolvePath` found: the value, or how far it got (`depth` tokens matched) and why it stopped. */
export type Resolved =
  | { found: true; value: unknown }
  | { found: false; depth: number; why: 'missing' | 'duplicate_key' };

/**
 * Follows `tokens` into a document parsed by `parseJsonText`: object members by own key (so
 * `__proto__` is an ordinary key), array items by index. Never throws. A member whose key the
 * document repeats with different values stops the walk (`duplicate_key`): which one was meant
 * cannot be known.
 */
export function resolvePath(document: unknown, tokens: readonly string[]): Resolved {
  let value = document;
  for (let depth = 0; depth < tokens.length; depth++) {
    const token = tokens[depth]!;
    if (value === null || typeof value !== 'object' || isLosslessNumber(value)) return { found: false, depth, why: 'missing' };
    if (Array.isArray(value)) {
      if (!ARRAY_INDEX.test(token) || Number(token) >= value.length) return { found: false, depth, why: 'missing' };
      value = value[Number(token)];
    } else {
      if (!Object.hasOwn(value, token)) return { found: false, depth, why: 'missing' };
      value = (value as Record<string, unknown>)[token];
    }
    if (value instanceof DuplicateValues) return { found: false, depth: depth + 1, why: 'duplicate_key' };
  }
  return { found: true, value };
}
