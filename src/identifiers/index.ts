/** Public surface of the identifier rules: classifiers, their types, and the SQL fast path. */
export type {
  Classification,
  IdentifierKind,
  IdentifierStatus,
  LicenceIdentifierParts,
  Reason,
  ResidentIdSubtype,
} from './types.ts';
export { REASON_CODES, type ReasonCode } from './reason-codes.ts';
export { normalizeInput, type NormalizedInput } from './normalize-input.ts';
export { classify, type ClassifyOptions } from './classify.ts';
export { classifyResidentId, type ResidentIdOptions } from './resident-id.ts';
export { classifyUscc, type UsccOptions } from './uscc.ts';
export { classifyForeignPermanentResidence2017, type ForeignPermanentResidence2017Options } from './foreign-permanent-residence-2017.ts';
export { checkStatedFacts, type StatedFacts } from './stated-facts.ts';
export { classifyOrganizationCode } from './organization-code.ts';
export { classifyLicenceIdentifier, LICENCE_IDENTIFIER_PREFIX } from './licence-identifier.ts';
export { classifyBusinessRegistrationNumber } from './business-registration-number.ts';
export { EARLIEST_BIRTH_DATE } from './birth-date.ts';
export { PROVINCE_CODES, RESIDENCE_PERMIT_ADDRESS_CODES, isProvinceCode } from './province-codes.ts';
export {
  isKnownRegionCode,
  isKnownRegisteringOfficeCode,
  knownRegionCodes,
  NATIONAL_REGISTERING_OFFICE_CODE,
} from './region-codes.ts';
export { alpha3OfNumeric, isIsoAlpha3, isIsoNumeric } from './nationality-codes.ts';
export {
  businessRegistrationNumberCheckDigit,
  foreignPermanentResidence2017CheckDigit,
  mod37_36CheckCharacter,
  organizationCodeCheckCharacter,
  residentIdCheckCharacter,
  usccCheckCharacter,
  USCC_ALPHABET,
} from './check-characters.ts';
export { IDENTIFIER_SQL_MACROS } from './sql.ts';
