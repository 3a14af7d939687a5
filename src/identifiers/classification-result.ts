/** Builders for {@link Classification} values, so every classifier shapes its results alike. */
import type { Classification, IdentifierKind, Reason } from './types.ts';

/** An invalid result: failures first, then the normalisation notes (they explain the shown value). */
export function invalidResult(input: string, kind: IdentifierKind, failures: Reason[], notes: Reason[]): Classification {
  return { input, kind, status: 'invalid', normalized: null, reasons: [...failures, ...notes] };
}

/** A valid result; `extra` carries the kind-specific facts (subtype, alias, birth date …). */
export function validResult(
  input: string,
  kind: IdentifierKind,
  normalized: string,
  notes: Reason[],
  extra: Partial<Classification> = {},
): Classification {
  return { input, kind, status: 'valid', normalized, reasons: notes, ...extra };
}

/** The first character not matching `allowed`, as `the character at position n` (1-based; the character itself is not quoted), or null. */
export function firstDisallowed(value: string, allowed: (ch: string, index: number) => boolean): string | null {
  for (let i = 0; i < value.length; i++) {
    if (!allowed(value[i]!, i)) return `the character at position ${i + 1}`;
  }
  return null;
}

/**
 * The result of a value that passed the shape checks: `invalid` when there is any failure,
 * `nonconforming` when there are only deviations (known registry faults: kept and flagged),
 * otherwise `valid`. Reasons are failures, then deviations, then notes; `normalized` and the
 * facts in `extra` are dropped when invalid.
 */
export function judgedResult(
  input: string,
  kind: IdentifierKind,
  normalized: string,
  { failures, deviations, notes }: { failures: Reason[]; deviations: Reason[]; notes: Reason[] },
  extra: Partial<Classification> = {},
): Classification {
  if (failures.length > 0) return invalidResult(input, kind, [...failures, ...deviations], notes);
  if (deviations.length > 0) return { input, kind, status: 'nonconforming', normalized, reasons: [...deviations, ...notes], ...extra };
  return validResult(input, kind, normalized, notes, extra);
}
