/** Classifier for 15-digit business registration numbers (GS 15-2006). */
import { businessRegistrationNumberCheckDigit } from './check-characters.ts';
import { invalidResult, validResult } from './classification-result.ts';
import { normalizeInput } from './normalize-input.ts';
import { reason } from './reason-codes.ts';
import type { Classification } from './types.ts';

/**
 * Classifies a business registration number (工商注册号, GS 15-2006): 15 digits, the first 6
 * the registering authority's region code, the last a check digit under ISO 7064 MOD 11,10.
 * Numbers of this kind were replaced by the USCC from 2015 but remain in older records.
 * Failures: `empty`, `wrong_length`, `invalid_character`, `check_character_mismatch`.
 */
export function classifyBusinessRegistrationNumber(input: string): Classification {
  const { value, notes } = normalizeInput(input);
  if (value === '') return invalidResult(input, 'business_reg_no', [reason('empty', 'the value is empty')], notes);
  if (value.length !== 15) {
    return invalidResult(input, 'business_reg_no', [
      reason('wrong_length', `a business registration number has 15 digits, found ${value.length} characters`),
    ], notes);
  }
  if (!/^\d{15}$/.test(value)) {
    return invalidResult(input, 'business_reg_no', [reason('invalid_character', 'a business registration number is all digits')], notes);
  }
  const expected = businessRegistrationNumberCheckDigit(value.slice(0, 14));
  if (value[14] !== expected) {
    return invalidResult(input, 'business_reg_no', [
      reason('check_character_mismatch', 'check digit (position 15) does not match the ISO 7064 MOD 11,10 check of positions 1-14'),
    ], notes);
  }
  return validResult(input, 'business_reg_no', value, notes);
}
