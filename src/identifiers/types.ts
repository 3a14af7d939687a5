/**
 * Shapes shared by the identifier classifiers. A classification is data, never an exception:
 * a bad value comes back with `status: 'invalid'` and reasons that say what is wrong.
 */

/** The kinds of identifier onecode recognises. */
export type IdentifierKind = 'resident_id' | 'uscc' | 'org_code' | 'business_reg_no';

/**
 * - `valid`: conforms to its standard (possibly after normalisation, see `reasons`).
 * - `nonconforming`: structurally right but breaks a rule real registries are known to break.
 *   No classifier emits it yet; it is kept so downstream code handles it from the start.
 * - `invalid`: cannot be the identifier it claims to be; `normalized` is null.
 */
export type IdentifierStatus = 'valid' | 'nonconforming' | 'invalid';

/**
 * Why a value is invalid or nonconforming, or a note on how a valid value was normalised.
 * `code` is stable snake_case (see {@link REASON_CODES}); `message` is for people.
 */
export interface Reason {
  code: string;
  message: string;
}

/** What a resident identity number identifies (GB 11643-1999; residence permits; NIA 2023). */
export type ResidentIdSubtype =
  | 'citizen'
  | 'hk_macao_residence_permit'
  | 'taiwan_residence_permit'
  | 'foreign_permanent_resident';

/** The outcome of classifying one input value. */
export interface Classification {
  /** The value exactly as given. */
  input: string;
  kind: IdentifierKind;
  status: IdentifierStatus;
  /** Canonical form (upper case, no spaces, 18-character resident id); null when invalid. */
  normalized: string | null;
  /** Failures first (invalid/nonconforming), then normalisation notes. */
  reasons: Reason[];
  /** Resident ids only: what the number identifies. */
  subtype?: ResidentIdSubtype;
  /** Legacy value kept beside `normalized`, e.g. the 15-digit number that was upgraded. */
  alias?: string;
  /** Other kinds the input's shape could also be (set by `classify()` without a kind). */
  alternatives?: IdentifierKind[];
  /** Valid resident ids: birth date, YYYY-MM-DD. */
  birthDate?: string;
  /** Valid resident ids: from the sequence code, odd = male, even = female. */
  sex?: 'male' | 'female';
  /** Valid resident ids: the 6-digit address code (GB/T 2260). */
  regionCode?: string;
}
