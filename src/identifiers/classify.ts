/** One entry point for every identifier kind: the field's kind first, the value's shape second. */
import { toCalendarDate } from './birth-date.ts';
import { classifyBusinessRegistrationNumber } from './business-registration-number.ts';
import { classifyForeignPermanentResidence2017 } from './foreign-permanent-residence-2017.ts';
import { classifyLicenceIdentifier } from './licence-identifier.ts';
import { normalizeInput } from './normalize-input.ts';
import { classifyOrganizationCode } from './organization-code.ts';
import { reason } from './reason-codes.ts';
import { classifyResidentId } from './resident-id.ts';
import type { Classification, IdentifierKind } from './types.ts';
import { classifyUscc } from './uscc.ts';

/** Options of {@link classify}. */
export interface ClassifyOptions {
  /**
   * The kind the field holds (a pipeline's `uscc` column holds USCCs): that kind's classifier
   * decides and the result is always of this kind. Without it the kind is chosen by shape.
   */
  kind?: IdentifierKind;
  /** Run date for birth-date checks (`YYYY-MM-DD`, or a Date read in UTC+8). */
  runDate: Date | string;
  /**
   * The value comes from an authoritative registry system (configured per pipeline). Passed to
   * {@link classifyUscc}: a USCC failing its check character or embedded organisation-code check
   * is then `nonconforming`, kept as given, instead of `invalid`. Other kinds ignore it.
   * Default `false`.
   */
  authoritative?: boolean;
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
 * - 3 letters and 12 digits: the 2017 foreigner permanent residence number, fitting no other kind.
 * - starting with 1.2.156.3005.2.: an electronic licence identifier, fitting no other kind.
 */
const SHAPES: ReadonlyArray<{ kind: IdentifierKind; shape: RegExp }> = [
  { kind: 'resident_id', shape: /^(\d{17}[\dX]|\d{15})$/ },
  { kind: 'uscc', shape: /^[0-9A-Z]{18}$/ },
  { kind: 'business_reg_no', shape: /^\d{15}$/ },
  { kind: 'org_code', shape: /^[0-9A-Z]{8}-?[0-9A-Z]$/ },
  { kind: 'foreign_permanent_residence_2017', shape: /^[A-Z]{3}\d{12}$/ },
  { kind: 'licence', shape: /^1\.2\.156\.3005\.2\./ },
];

/**
 * Classifies one value as a resident identity number (GB 11643-1999), unified social credit
 * code (GB 32100-2015), organisation code (GB 11714-1997), business registration number
 * (GS 15-2006) or 2017 foreigner permanent residence number.
 *
 * By field first: with `kind`, that kind's classifier decides and the result is of that kind,
 * even when the value would be valid as another kind (an 18-digit resident id passes the mod-31
 * USCC check about once in 31 and the embedded organisation-code check once in 11). When the
 * kind is `uscc` and the value is also a valid resident identity number, the USCC result (of
 * whatever status) gets the note `also_valid_resident_id`, so a person's number in an
 * organisation's field can be found. No such note is given the other way round: about one valid
 * resident id in 341 is also a valid USCC, too many for a note to mean anything.
 *
 * By shape second: without `kind`, the kinds whose shape fits are tried (see `SHAPES`) and the
 * others are listed in `alternatives` (an empty list when only one shape fits); an 18-digit
 * value valid as both is a resident id. A value that fits no shape is classified as the nearest
 * kind by length (18 → uscc, 9 or 10 → org_code, 15 starting with a letter → the 2017
 * foreigner number, otherwise resident_id) with a leading `unrecognised_shape` reason.
 * @throws RangeError only if `runDate` itself is invalid.
 */
export function classify(input: string, options: ClassifyOptions): Classification {
  const { kind, runDate } = options;
  toCalendarDate(runDate); // reject a bad run date whatever the input's shape
  if (kind) return classifyAs(kind, input, options);

  const { value } = normalizeInput(input);
  const candidates = SHAPES.filter(({ shape }) => shape.test(value)).map(({ kind: k }) => k);
  if (candidates.length === 0) {
    const fallback = fallbackKind(value);
    const result = classifyAs(fallback, input, options);
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

  const results = candidates.map((k) => classifyAs(k, input, options));
  const chosen = results.find((r) => r.status === 'valid') ?? results[0]!;
  return { ...chosen, alternatives: candidates.filter((k) => k !== chosen.kind) };
}

function classifyAs(kind: IdentifierKind, input: string, { runDate, authoritative }: ClassifyOptions): Classification {
  switch (kind) {
    case 'resident_id':
      return classifyResidentId(input, { runDate });
    case 'uscc':
      return withResidentIdNote(classifyUscc(input, { authoritative }), runDate);
    case 'org_code':
      return classifyOrganizationCode(input);
    case 'business_reg_no':
      return classifyBusinessRegistrationNumber(input);
    case 'foreign_permanent_residence_2017':
      return classifyForeignPermanentResidence2017(input, { runDate });
    case 'licence':
      return classifyLicenceIdentifier(input);
  }
}

/** Adds `also_valid_resident_id` to a USCC result whose value is also a valid 18-character resident id. */
function withResidentIdNote(result: Classification, runDate: Date | string): Classification {
  if (!/^\d{17}[\dX]$/.test(normalizeInput(result.input).value)) return result;
  const asResidentId = classifyResidentId(result.input, { runDate });
  if (asResidentId.status !== 'valid') return result;
  return {
    ...result,
    reasons: [
      ...result.reasons,
      reason('also_valid_resident_id', 'the value is also a valid resident identity number: check that the field really holds an organisation\'s code'),
    ],
  };
}

function fallbackKind(value: string): IdentifierKind {
  if (value.length === 18) return 'uscc';
  if (value.length === 9 || value.length === 10) return 'org_code';
  if (value.length === 15 && /^[A-Z]/.test(value)) return 'foreign_permanent_residence_2017';
  return 'resident_id';
}
