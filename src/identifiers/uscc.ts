/** Classifier for unified social credit codes (GB 32100-2015). */
import { organizationCodeCheckCharacter, USCC_ALPHABET, usccCheckCharacter } from './check-characters.ts';
import { invalidResult, judgedResult } from './classification-result.ts';
import { normalizeInput } from './normalize-input.ts';
import { reason } from './reason-codes.ts';
import { isKnownRegisteringOfficeCode } from './region-codes.ts';
import type { Classification, Reason } from './types.ts';

/** Options of {@link classifyUscc}. */
export interface UsccOptions {
  /**
   * The value comes from an authoritative registry system (the registration authority's own
   * records, configured per pipeline): a code failing its check character or its embedded
   * organisation-code check was issued that way and is the organisation's real code, so it is
   * kept as `nonconforming` (reasons: the failed check, then `authoritative_value_kept`) with
   * `normalized` the normalised value as given, never a recomputed check character.
   * Default `false`: such a code is `invalid`.
   */
  authoritative?: boolean;
}

/**
 * Classifies a unified social credit code (GB 32100-2015 §4): 18 characters from the
 * 31-character alphabet (digits and upper-case letters without I, O, Z, S, V; §4.3, table 1):
 * - position 1: registration authority code, position 2: category code (§4; only the
 *   alphabet is checked, because the authority/category lists have grown since 2015);
 * - positions 3-8: registering office region code, 6 digits (`region_code_not_digits`), a
 *   GB/T 2260 code of any year since 1980 (`region-codes.ts`; abolished codes stay valid) or
 *   100000 for national registrations (else nonconforming, `region_code_unknown`);
 * - positions 9-17: the organisation code (GB 11714-1997), whose own check character must be
 *   right (`organization_code_check_mismatch`);
 * - position 18: check character, weights 3^(i-1) mod 31, check value 31 - (sum mod 31), 31 → `0`
 *   (§5, appendix B; `check_character_mismatch`).
 * Lower case, full-width characters and spaces (also inside the value) are normalised with
 * notes. Other failures: `empty`, `wrong_length`, `character_not_in_alphabet`,
 * `region_code_not_digits`. With `authoritative`, see {@link UsccOptions}.
 */
export function classifyUscc(input: string, { authoritative = false }: UsccOptions = {}): Classification {
  const { value, notes } = normalizeInput(input);
  if (value === '') return invalidResult(input, 'uscc', [reason('empty', 'the value is empty')], notes);
  if (value.length !== 18) {
    return invalidResult(input, 'uscc', [reason('wrong_length', `a unified social credit code has 18 characters, found ${value.length}`)], notes);
  }

  const outside = [...value].map((ch, i) => ({ ch, position: i + 1 })).filter(({ ch }) => !USCC_ALPHABET.includes(ch));
  if (outside.length > 0) {
    const listed = `the ${outside.length === 1 ? 'character at position' : 'characters at positions'} ${outside.map(({ position }) => position).join(', ')}`;
    return invalidResult(input, 'uscc', [
      reason('character_not_in_alphabet', `${listed} ${outside.length === 1 ? 'is' : 'are'} not in the 31-character USCC alphabet (digits and upper-case letters except I, O, Z, S, V)`),
    ], notes);
  }

  const failures: Reason[] = [];
  const checkFailures: Reason[] = [];
  const deviations: Reason[] = [];
  const region = value.slice(2, 8);
  if (!/^\d{6}$/.test(region)) {
    failures.push(reason('region_code_not_digits', 'registering office region code (positions 3-8) must be 6 digits'));
  } else if (!isKnownRegisteringOfficeCode(region)) {
    deviations.push(reason('region_code_unknown', `registering office code (positions 3-8) is not among the GB/T 2260 codes in force at any time since 1980, nor 100000 (national)`));
  }
  const organizationCode = value.slice(8, 17);
  const organizationCheck = organizationCodeCheckCharacter(organizationCode.slice(0, 8));
  if (organizationCode[8] !== organizationCheck) {
    checkFailures.push(reason('organization_code_check_mismatch', 'embedded organisation code (positions 9-17) fails its GB 11714 check: its check character (position 17) does not match positions 9-16'));
  }
  const expected = usccCheckCharacter(value.slice(0, 17));
  if (value[17] !== expected) {
    checkFailures.push(reason('check_character_mismatch', 'check character (position 18) does not match the GB 32100 mod-31 check of positions 1-17'));
  }

  if (checkFailures.length > 0 && authoritative && failures.length === 0) {
    const kept = reason('authoritative_value_kept', 'the value comes from an authoritative registry system: kept as given, check character not recomputed');
    return judgedResult(input, 'uscc', value, { failures: [], deviations: [...checkFailures, ...deviations], notes: [...notes, kept] });
  }
  return judgedResult(input, 'uscc', value, { failures: [...failures, ...checkFailures], deviations, notes });
}
