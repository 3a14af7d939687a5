/** One entry point for every identifier kind: forced kind, or chosen by the value's shape. */
import { toCalendarDate } from './birth-date.ts';
import { classifyBusinessRegistrationNumber } from './business-registration-number.ts';
import { normalizeInput } from './normalize-input.ts';
import { classifyOrganizationCode } from './organization-code.ts';
import { reason } from './reason-codes.ts';
import { classifyResidentId } from './resident-id.ts';
import type { Classification, IdentifierKind } from './types.ts';
import { classifyUscc } from './uscc.ts';

/** Options of {@link classify}. */
export interface ClassifyOptions {
  /** Force this kind; without it the kind is chosen by shape. */
  kind?: IdentifierKind;
  /** Run date for resident-id birth-date checks (`YYYY-MM-DD`, or a Date read in UTC+8). */
  runDate: Date | string;
}

/**
 * Shapes (after normalisation), in order of preference. When a shape fits several kinds, each
 * is classified; the first VALID one in this order is reported, the others go to
 * `alternatives`; if none is valid, the first one is reported.
 * - 18 digits (last may be X): resident id before USCC. A USCC of 18 digits must pass the
 *   embedded GB 11714 check and the mod-31 check, a resident id the province, date and MOD
 *   11-2 checks, so a value passing both is rare; persons far outnumber organisations.
 * - 15 digits: old resident id (GB 11643-1989) before business registration number. A random
 *   business registration number passes the resident-id province and YYMMDD checks only a few
 *   times in a hundred, while a random old id passes the MOD 11,10 check one time in ten, so when
 *   both pass the old resident id is the likelier reading.
 */
const SHAPES: ReadonlyArray<{ kind: IdentifierKind; shape: RegExp }> = [
  { kind: 'resident_id', shape: /^(\d{17}[\dX]|\d{15})$/ },
  { kind: 'uscc', shape: /^[0-9A-Z]{18}$/ },
  { kind: 'business_reg_no', shape: /^\d{15}$/ },
  { kind: 'org_code', shape: /^[0-9A-Z]{8}-?[0-9A-Z]$/ },
];

/**
 * Classifies one value as a resident identity number (GB 11643-1999), unified social credit
 * code (GB 32100-2015), organisation code (GB 11714-1997) or business registration number
 * (GS 15-2006).
 *
 * With `kind`, that kind's classifier decides. Without it, the kinds whose shape fits are tried
 * (see the preference rule on `SHAPES`) and the others are listed in `alternatives` (an empty
 * list when only one shape fits). A value that fits no shape is classified as the nearest kind
 * by length (18 → uscc, 9 or 10 → org_code, otherwise resident_id) with a leading
 * `unrecognised_shape` reason.
 * @throws RangeError only if `runDate` itself is invalid.
 */
export function classify(input: string, { kind, runDate }: ClassifyOptions): Classification {
  toCalendarDate(runDate); // reject a bad run date whatever the input's shape
  if (kind) return classifyAs(kind, input, runDate);

  const { value } = normalizeInput(input);
  const candidates = SHAPES.filter(({ shape }) => shape.test(value)).map(({ kind: k }) => k);
  if (candidates.length === 0) {
    const fallback = fallbackKind(value);
    const result = classifyAs(fallback, input, runDate);
    if (value === '') return { ...result, alternatives: [] };
    return {
      ...result,
      reasons: [
        reason('unrecognised_shape', `the value (${value.length} characters) has the shape of no identifier kind; judged as ${fallback}`),
        ...result.reasons,
      ],
      alternatives: [],
    };
  }

  const results = candidates.map((k) => classifyAs(k, input, runDate));
  const chosen = results.find((r) => r.status === 'valid') ?? results[0]!;
  return { ...chosen, alternatives: candidates.filter((k) => k !== chosen.kind) };
}

function classifyAs(kind: IdentifierKind, input: string, runDate: Date | string): Classification {
  switch (kind) {
    case 'resident_id':
      return classifyResidentId(input, { runDate });
    case 'uscc':
      return classifyUscc(input);
    case 'org_code':
      return classifyOrganizationCode(input);
    case 'business_reg_no':
      return classifyBusinessRegistrationNumber(input);
  }
}

function fallbackKind(value: string): IdentifierKind {
  if (value.length === 18) return 'uscc';
  if (value.length === 9 || value.length === 10) return 'org_code';
  return 'resident_id';
}
