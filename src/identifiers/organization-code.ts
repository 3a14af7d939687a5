/** Classifier for organisation codes (GB 11714-1997). */
import { organizationCodeCheckCharacter } from './check-characters.ts';
import { invalidResult, validResult } from './classification-result.ts';
import { normalizeInput } from './normalize-input.ts';
import { reason } from './reason-codes.ts';
import type { Classification, Reason } from './types.ts';

/**
 * Classifies an organisation code (GB 11714-1997 §4-5): an 8-character body of digits or
 * upper-case letters and a check character (`0`–`9` or `X`, weights 3 7 9 10 5 8 4 2,
 * 11 - (sum mod 11), 10 → X, 11 → 0). Printed codes often carry a hyphen before the check
 * character (`MA2Y8K3P-3`); it is accepted and removed with the note `hyphen_removed`, so
 * `normalized` is always the 9 characters. Failures: `empty`, `wrong_length`,
 * `invalid_character`, `check_character_mismatch`.
 */
export function classifyOrganizationCode(input: string): Classification {
  const normalised = normalizeInput(input);
  const notes: Reason[] = [...normalised.notes];
  let value = normalised.value;
  if (value.length === 10 && value[8] === '-') {
    value = value.slice(0, 8) + value.slice(9);
    notes.push(reason('hyphen_removed', 'the hyphen before the check character was removed'));
  }

  if (value === '') return invalidResult(input, 'org_code', [reason('empty', 'the value is empty')], notes);
  if (value.length !== 9) {
    return invalidResult(input, 'org_code', [
      reason('wrong_length', `an organisation code has 9 characters (10 with the hyphen before the check character), found ${value.length}`),
    ], notes);
  }
  if (!/^[0-9A-Z]{8}[0-9X]$/.test(value)) {
    return invalidResult(input, 'org_code', [
      reason('invalid_character', 'an organisation code is 8 digits or upper-case letters followed by a check character 0-9 or X'),
    ], notes);
  }
  const expected = organizationCodeCheckCharacter(value.slice(0, 8));
  if (value[8] !== expected) {
    return invalidResult(input, 'org_code', [
      reason('check_character_mismatch', 'organisation code check character (position 9) does not match the GB 11714 check of positions 1-8'),
    ], notes);
  }
  return validResult(input, 'org_code', value, notes);
}
