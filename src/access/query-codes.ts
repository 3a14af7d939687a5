/**
 * The one codes an access is about, for access_log.codes: those a query result or exported text
 * shows, and those its SQL text names (a steward's `WHERE id_number = '…'` is about that person even
 * when the result shows only a name and a phone), so that an audit of a code finds the queries
 * and exports that showed it or asked for it, not only its lookups.
 */
import { classify } from '../identifiers/classify.ts';

/** Most distinct codes one result is searched for; past it the search stops (access_log keeps 1,000 of them anyway). */
export const MAX_CODES_SEARCHED = 100_000;

/**
 * A run standing alone (no letter or digit either side) of 18 digits and capital letters (the
 * last may be a lowercase x: GB 11643-1999 §5.2 writes X, sources do not always), the shape of a
 * resident identity number and of a USCC, or of 15 digits, the shape of a GB 11643-1989 resident
 * identity number.
 */
const CANDIDATE = /(?<![0-9A-Za-z])(?:[0-9A-Z]{17}[0-9A-Zx]|[0-9]{15})(?![0-9A-Za-z])/g;

/** Collects one codes: {@link add} each value, then read {@link codes}. */
export interface CodeCollector {
  /** Searches one value: a string (any candidate run in it), or a list or object (every string in it). */
  add(value: unknown): void;
  /** The codes found (normalised), in the order first met, at most {@link MAX_CODES_SEARCHED}. */
  readonly codes: ReadonlySet<string>;
}

/**
 * The one code a candidate run stands for, or undefined: a resident identity number (GB
 * 11643-1999; a 15-digit GB 11643-1989 number as the 18-character number it upgrades to, as
 * lookup resolves it) or a USCC (GB 32100-2015), `valid` or `nonconforming` (a known registry
 * fault such as an unknown region code: still someone's code), normalised by src/identifiers.
 */
function oneCodeOf(token: string, runDate: Date | string): string | undefined {
  const id = classify(token, { runDate });
  if (id.status !== 'valid' && id.status !== 'nonconforming') return undefined;
  if (id.kind !== 'resident_id' && id.kind !== 'uscc') return undefined;
  return id.normalized ?? undefined;
}

/**
 * A collector of one codes: every candidate run (anywhere in a text, so a code inside a JSON
 * payload or a literal of SQL counts) that {@link oneCodeOf} finds a one code, kept in its
 * normalised 18-character form. Each run is classified once.
 * @param runDate the date birth dates are checked against.
 */
export function createCodeCollector(runDate: Date | string = new Date()): CodeCollector {
  const codes = new Set<string>();
  const seen = new Map<string, string | null>();
  const searchText = (text: string) => {
    for (const [token] of text.matchAll(CANDIDATE)) {
      if (codes.size >= MAX_CODES_SEARCHED) return;
      let code = seen.get(token);
      if (code === undefined) {
        code = oneCodeOf(token, runDate) ?? null;
        if (seen.size < 4 * MAX_CODES_SEARCHED) seen.set(token, code);
      }
      if (code !== null) codes.add(code);
    }
  };
  const add = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= 15) searchText(value);
    } else if (Array.isArray(value)) {
      for (const item of value) add(item);
    } else if (value !== null && typeof value === 'object') {
      for (const item of Object.values(value)) add(item);
    }
  };
  return { add, codes };
}
