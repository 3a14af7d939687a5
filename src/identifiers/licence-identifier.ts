/** Classifier for electronic licence identifiers (电子证照标识). */
import { mod37_36CheckCharacter } from './check-characters.ts';
import { invalidResult, judgedResult } from './classification-result.ts';
import { normalizeInput } from './normalize-input.ts';
import { reason } from './reason-codes.ts';
import type { Classification, LicenceIdentifierParts, Reason } from './types.ts';
import { classifyUscc } from './uscc.ts';

/** The object identifier arc every electronic licence identifier starts with, with its dot. */
export const LICENCE_IDENTIFIER_PREFIX = '1.2.156.3005.2.';

const PART_NAMES = ['type code', 'issuer code', 'serial', 'version', 'check character'] as const;

/**
 * Classifies an electronic licence identifier:
 * `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`, as the national
 * electronic licence standards lay it out (GB/T 36903-2018 family; the licence type standards
 * of the national government service platform, appendix A.2, e.g. the one quoted in
 * docs/licences.md):
 * - the prefix `1.2.156.3005.2.` (`licence_prefix_missing` otherwise);
 * - five parts separated by dots, none empty (`licence_part_missing`), each of digits and
 *   upper-case letters, the check character one of them (`invalid_character`, naming the part);
 * - the check character: ISO 7064 MOD 37,36 over type code, issuer code, serial and version
 *   concatenated without dots (`check_character_mismatch`), see mod37_36CheckCharacter;
 * - the issuer code is normally the issuing authority's USCC (GB 32100-2015); one that is no
 *   valid USCC (a region code, as Hefei's platform writes) keeps the identifier, flagged
 *   nonconforming (`licence_issuer_not_uscc`): the identifier is as issued and is the licence's
 *   real identifier.
 * Lower case, full-width characters and spaces are normalised with notes (normalize-input.ts).
 * `licence` of the result holds the four parts of a valid or nonconforming identifier.
 */
export function classifyLicenceIdentifier(input: string): Classification {
  const { value, notes } = normalizeInput(input);
  if (value === '') return invalidResult(input, 'licence', [reason('empty', 'the value is empty')], notes);
  if (!value.startsWith(LICENCE_IDENTIFIER_PREFIX)) {
    return invalidResult(input, 'licence', [reason('licence_prefix_missing', `an electronic licence identifier starts with ${LICENCE_IDENTIFIER_PREFIX}`)], notes);
  }
  const parts = value.slice(LICENCE_IDENTIFIER_PREFIX.length).split('.');
  if (parts.length !== 5 || parts.some((p) => p === '')) {
    return invalidResult(input, 'licence', [
      reason('licence_part_missing', `after the prefix an electronic licence identifier has 5 non-empty parts separated by dots (${PART_NAMES.join(', ')}), found ${parts.filter((p) => p !== '').length} non-empty of ${parts.length}`),
    ], notes);
  }
  const bad = parts.flatMap((part, i) => {
    const at = [...part].findIndex((ch) => !/[0-9A-Z]/.test(ch));
    return at < 0 ? [] : [`the ${PART_NAMES[i]} (character ${at + 1})`];
  });
  if (parts[4]!.length !== 1) bad.push('the check character (one character expected)');
  if (bad.length > 0) {
    return invalidResult(input, 'licence', [reason('invalid_character', `only digits and upper-case letters are allowed: ${bad.join(', ')}`)], notes);
  }
  const [typeCode, issuerCode, serial, version, check] = parts as [string, string, string, string, string];
  const failures: Reason[] = [];
  const deviations: Reason[] = [];
  const expected = mod37_36CheckCharacter(typeCode + issuerCode + serial + version);
  if (check !== expected) failures.push(reason('check_character_mismatch', 'check character (last part) does not match the ISO 7064 MOD 37,36 check over type code, issuer code, serial and version'));
  if (classifyUscc(issuerCode).status !== 'valid') {
    deviations.push(reason('licence_issuer_not_uscc', `the issuer code (${issuerCode.length} characters) is not a valid unified social credit code`));
  }
  const licence: LicenceIdentifierParts = { typeCode, issuerCode, serial, version };
  return judgedResult(input, 'licence', value, { failures, deviations, notes }, { licence });
}
