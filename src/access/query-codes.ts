/**
 * The one codes a query result shows in clear, for access_log.codes (a steward's query: an audit
 * of a code then finds the queries that showed it, not only its lookups).
 */
import { classify } from '../identifiers/classify.ts';

/** Most distinct codes one result is searched for; past it the search stops (access_log keeps 1,000 of them anyway). */
export const MAX_CODES_SEARCHED = 100_000;

/** An 18-character run of digits and capital letters standing alone: the shape of a resident identity number and of a USCC. */
const CANDIDATE = /(?<![0-9A-Za-z])[0-9A-Z]{18}(?![0-9A-Za-z])/g;

/** Collects the one codes in query results: {@link add} each value, then read {@link codes}. */
export interface CodeCollector {
  /** Searches one value: a string (any 18-character run in it), or a list or object (every string in it). */
  add(value: unknown): void;
  /** The codes found, in the order first met, at most {@link MAX_CODES_SEARCHED}. */
  readonly codes: ReadonlySet<string>;
}

/**
 * A collector of one codes: every run of 18 digits and capital letters (anywhere in a text, so
 * a code inside a JSON payload counts) that src/identifiers classify finds a valid resident
 * identity number (GB 11643-1999) or USCC (GB 32100-2015). Each run is classified once.
 * @param runDate the date birth dates are checked against.
 */
export function createCodeCollector(runDate: Date | string = new Date()): CodeCollector {
  const codes = new Set<string>();
  const seen = new Map<string, boolean>();
  const searchText = (text: string) => {
    for (const [token] of text.matchAll(CANDIDATE)) {
      if (codes.size >= MAX_CODES_SEARCHED) return;
      let isCode = seen.get(token);
      if (isCode === undefined) {
        const id = classify(token, { runDate });
        isCode = id.status === 'valid' && (id.kind === 'resident_id' || id.kind === 'uscc') && id.normalized === token;
        if (seen.size < 4 * MAX_CODES_SEARCHED) seen.set(token, isCode);
      }
      if (isCode) codes.add(token);
    }
  };
  const add = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= 18) searchText(value);
    } else if (Array.isArray(value)) {
      for (const item of value) add(item);
    } else if (value !== null && typeof value === 'object') {
      for (const item of Object.values(value)) add(item);
    }
  };
  return { add, codes };
}
