/**
 * Shapes shared by the identifier classifiers. A classification is data, never an exception:
 * a bad value comes back with `status: 'invalid'` and reasons that say what is wrong.
 */

/**
 * The kinds of identifier onecode recognises. `foreign_permanent_residence_2017` is the
 * 15-character number of the 2017 foreigner permanent residence card (3 letters + 12 digits);
 * the 2023 card's 18-digit number is a `resident_id` (subtype `foreign_permanent_resident`).
 * `licence` is an electronic licence identifier (`1.2.156.3005.2.…`, licence-identifier.ts): the
 * identifier of a licence, never a one code.
 */
export type IdentifierKind = 'resident_id' | 'uscc' | 'org_code' | 'business_reg_no' | 'foreign_permanent_residence_2017' | 'licence';

/**
 * - `valid`: conforms to its standard (possibly after normalisation, see `reasons`).
 * - `nonconforming`: structurally right but breaks a rule real registries are known to break:
 *   a region code never in force in GB/T 2260, an unknown nationality code, or (from an authoritative
 *   registry only) a wrong USCC check character; a licence identifier whose issuer code is no USCC. `normalized` is set (never corrected) and the
 *   reasons say what deviates.
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

/** The parts of an electronic licence identifier (licence-identifier.ts), the check character left out. */
export interface LicenceIdentifierParts {
  /** Licence type code, e.g. the defining authority's USCC and a 3-digit number. */
  typeCode: string;
  /** Issuing authority's code: its USCC, or (nonconforming) another code. */
  issuerCode: string;
  /** The issuer's serial of the licence. */
  serial: string;
  /** Version of the licence, e.g. `001`. */
  version: string;
}

/** The outcome of classifying one input value. */
export interface Classification {
  /** The value exactly as given. */
  input: string;
  kind: IdentifierKind;
  status: IdentifierStatus;
  /** Canonical form (upper case, no spaces, 18-character resident id); null when invalid. Never a "corrected" check character. */
  normalized: string | null;
  /** Failures first (what makes it invalid), then deviations (what makes it nonconforming), then notes. */
  reasons: Reason[];
  /** Resident ids only: what the number identifies. */
  subtype?: ResidentIdSubtype;
  /** Legacy value kept beside `normalized`, e.g. the 15-digit number that was upgraded. */
  alias?: string;
  /** Other kinds the input's shape could also be (set by `classify()` without a kind). */
  alternatives?: IdentifierKind[];
  /** Valid or nonconforming resident ids: birth date, YYYY-MM-DD. */
  birthDate?: string;
  /** Valid or nonconforming resident ids: from the sequence code, odd = male, even = female. */
  sex?: 'male' | 'female';
  /**
   * Valid or nonconforming resident ids: the 6-digit address code (GB/T 2260); foreigner
   * permanent residence numbers (both forms): the issuing province's code padded to 6 digits.
   */
  regionCode?: string;
  /** Foreigner permanent residence numbers (both forms): nationality, ISO 3166-1 alpha-3 where known, else the code as written. */
  nationality?: string;
  /** Valid or nonconforming electronic licence identifiers: their parts. */
  licence?: LicenceIdentifierParts;
}
