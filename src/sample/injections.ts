/**
 * The dirt put into the sample exports: kinds, their rates, and how rows are chosen for them.
 *
 * A rate is a share of an export's rows before duplicates; the count injected is exactly
 * `Math.round(rate × rows)` (fewer only if too few rows are eligible), so counts grow linearly
 * with the scale; where one kind is split over several pools of rows (registration-number-only
 * suppliers, see procurement-suppliers.ts) the pools' counts add up to that. Within one export the kinds are exclusive: a row carries at most one, and a
 * dirty value is dirty in exactly one way. {@link UNSAFE_INTEGER_ID_RATE} is the one exception:
 * it concerns the supplier's own key, not the identifier being indexed, and is allocated apart.
 * Duplicated rows are copies of rows that carry nothing.
 */
import type { Prng } from './prng.ts';

/** 18-digit resident identity number written in its 15-digit 1989 form (born 1950–1999). */
export const LEGACY_15_ID_RATE = 0.015;
/** Lower-case letters: check character `x` of an identity number (only rows whose number ends in X); all letters of a USCC. */
export const LOWER_CASE_RATE = 0.01;
/** Digits (and letters) in full-width form, `３５０１…`. */
export const FULL_WIDTH_RATE = 0.01;
/** One or two ASCII spaces before, after or around the code. */
export const SURROUNDING_SPACES_RATE = 0.02;
/** Right shape, wrong check character. */
export const WRONG_CHECK_CHARACTER_RATE = 0.01;
/** Identity number with a birth date that does not exist (0230, 0431, month 13, 19000229) and a correct check character. */
export const IMPOSSIBLE_BIRTH_DATE_RATE = 0.005;
/** The identifier field is empty. */
export const MISSING_CODE_RATE = 0.01;
/** A whole row repeated (appended after the last row). */
export const DUPLICATE_ROW_RATE = 0.01;
/** A person in the accounting registry written under a variant of their name (`陈 明`, `陳明`). */
export const NAME_VARIANT_RATE = 0.03;
/** A text field containing a comma, so it is quoted (工作单位 `…有限公司, 财务部`). */
export const COMMA_IN_FIELD_RATE = 0.02;
/** A text field containing a line feed, so it is quoted (注册地址 over two lines). */
export const NEWLINE_IN_FIELD_RATE = 0.02;
/** A bank account number with leading zeros (`000123456789`) that must stay a string. */
export const LEADING_ZERO_ACCOUNT_RATE = 0.03;
/**
 * A date in a non-ISO form: `2024/3/1`, `20240301`, `2024年3月1日` or the Excel serial day number
 * `45352` (1900 date system: 1899-12-30 + n days), each as likely. Subsidy 发放日期 and
 * registry 出生日期 (where the day is the true birth date: no mismatch).
 */
export const NON_ISO_DATE_RATE = 0.15;
/** Supplier with only its 9-character organisation code (`MA2Y8K3P3`), no USCC. */
export const ORG_CODE_ONLY_RATE = 0.02;
/** Supplier with only its organisation code in hyphenated form (`MA2Y8K3P-3`), no USCC. */
export const HYPHENATED_ORG_CODE_ONLY_RATE = 0.015;
/** Supplier with only its 15-digit business registration number, no USCC. */
export const REGISTRATION_NUMBER_ONLY_RATE = 0.015;
/** Supplier with its USCC and, consistent with it, its organisation code and registration number. */
export const WITH_LEGACY_CODES_RATE = 0.05;
/** Registry row whose 性别 disagrees with the parity of its (clean) identity number's sequence code. */
export const STATED_SEX_MISMATCH_RATE = 0.01;
/** Registry row whose 出生日期 (ISO) is a different real day from its (clean) identity number's birth date. */
export const STATED_BIRTH_DATE_MISMATCH_RATE = 0.01;
/** Supplier whose `supplier_id` is an integer above 2^53 (odd, so a double cannot hold it). */
export const UNSAFE_INTEGER_ID_RATE = 0.1;

/** Identity number in a number cell of the workbook with all 18 digits stored (`350102198503170015`): read as written (only numbers ending in a digit, and not in `000`). */
export const ID_NUMBER_AS_NUMBER_RATE = 0.03;
/** Identity number in a number cell as Excel keeps it, cut to 15 significant digits (`3.50102198503171E+17`): its last digits are lost, so the row is quarantined. */
export const ID_PRECISION_LOST_RATE = 0.01;
/** A workbook date typed as text, `2025年3月1日`, instead of a date cell. */
export const DATE_AS_TEXT_RATE = 0.04;
/** A workbook figure typed as text with two decimals and thousands separators (`12.50`, `1,171.00`) instead of a number cell. */
export const NUMBER_AS_TEXT_RATE = 0.03;
/** An empty sheet row between two data rows of the workbook (the case's row is the data row after it). */
export const BLANK_ROW_RATE = 0.002;

/** A licence whose validity ended before the reference date (有效期截止 in the past): on file, not valid. */
export const LICENCE_EXPIRED_RATE = 0.1;
/** A licence the issuer cancelled (证照状态 注销): on file, not valid. */
export const LICENCE_REVOKED_RATE = 0.03;
/** A licence identifier with a wrong ISO 7064 MOD 37,36 check character: quarantined. */
export const LICENCE_WRONG_CHECK_RATE = 0.02;
/** An organisation's licence naming its holder by the organisation code only (持证主体代码 empty): linked to the USCC embedding it. */
export const LICENCE_LEGACY_HOLDER_RATE = 0.06;

/** Every kind of injection, with its rate. */
export const INJECTION_RATES = {
  legacy15Id: LEGACY_15_ID_RATE,
  lowerCase: LOWER_CASE_RATE,
  fullWidth: FULL_WIDTH_RATE,
  surroundingSpaces: SURROUNDING_SPACES_RATE,
  wrongCheckCharacter: WRONG_CHECK_CHARACTER_RATE,
  impossibleBirthDate: IMPOSSIBLE_BIRTH_DATE_RATE,
  missingCode: MISSING_CODE_RATE,
  duplicateRow: DUPLICATE_ROW_RATE,
  nameVariant: NAME_VARIANT_RATE,
  commaInField: COMMA_IN_FIELD_RATE,
  newlineInField: NEWLINE_IN_FIELD_RATE,
  leadingZeroAccount: LEADING_ZERO_ACCOUNT_RATE,
  nonIsoDate: NON_ISO_DATE_RATE,
  orgCodeOnly: ORG_CODE_ONLY_RATE,
  hyphenatedOrgCodeOnly: HYPHENATED_ORG_CODE_ONLY_RATE,
  registrationNumberOnly: REGISTRATION_NUMBER_ONLY_RATE,
  withLegacyCodes: WITH_LEGACY_CODES_RATE,
  statedSexMismatch: STATED_SEX_MISMATCH_RATE,
  statedBirthDateMismatch: STATED_BIRTH_DATE_MISMATCH_RATE,
  unsafeIntegerId: UNSAFE_INTEGER_ID_RATE,
  idNumberAsNumber: ID_NUMBER_AS_NUMBER_RATE,
  idPrecisionLost: ID_PRECISION_LOST_RATE,
  dateAsText: DATE_AS_TEXT_RATE,
  numberAsText: NUMBER_AS_TEXT_RATE,
  blankRow: BLANK_ROW_RATE,
  licenceExpired: LICENCE_EXPIRED_RATE,
  licenceRevoked: LICENCE_REVOKED_RATE,
  licenceWrongCheck: LICENCE_WRONG_CHECK_RATE,
  licenceLegacyHolder: LICENCE_LEGACY_HOLDER_RATE,
} as const;

export type InjectionKind = keyof typeof INJECTION_RATES;

/** Every kind, in a fixed order. */
export const INJECTION_KINDS = Object.keys(INJECTION_RATES) as InjectionKind[];

/**
 * What the index should make of a supplier written with only a legacy code (`orgCodeOnly`,
 * `hyphenatedOrgCodeOnly`, `registrationNumberOnly`) once all the sample's pipelines have run. Each
 * organisation is a supplier at most once, so the only other legal-person record that can link
 * it is its row in bookkeeping-agencies, if it is an agency:
 * - an organisation code links to the USCC embedding it (positions 9-17) when that row shows
 *   the USCC: clean, or dirty only in a way normalisation repairs (lower case, full width,
 *   surrounding spaces), but not empty or with a wrong check character (quarantined);
 * - a registration number links only when that row carries both it (工商注册号) and the USCC
 *   (such rows always have a clean USCC); showing the USCC alone is not enough.
 * Otherwise the supplier waits as `unlinked`.
 */
export interface ExpectedLinkage {
  outcome: 'linked' | 'unlinked';
  /** When linked: the record and the column that link it (`统一社会信用代码`, `工商注册号` or an accounting-staff row's `单位统一社会信用代码`). */
  via?: { system: string; row: number; field: string };
  /** The organisation's 1-based row in bookkeeping-agencies when it is an agency, linked or not. */
  agencyRow?: number;
}

/** One injected value, as written, with the clean value it stands for. */
export interface InjectedCase {
  kind: InjectionKind;
  /** Source system, e.g. `accounting-staff`. */
  system: string;
  /** 1-based data row (CSV record after the header, NDJSON line, or workbook data row: blank rows not counted). */
  row: number;
  /** Column or JSON key that carries the injection; absent for a duplicated row. */
  field?: string;
  /** The value as written (`null` for an absent JSON key). */
  dirty?: string | null;
  /**
   * The value the row stands for: the clean identifier (for a legacy code, the USCC it belongs
   * to), name, address or ISO date; for a stated-fact mismatch, what the identity number says
   * (`男`/`女`, ISO birth date). Absent where there is none (leading-zero account, unsafe id,
   * duplicate row).
   */
  clean?: string | null;
  /** Sub-form, e.g. `spaced` for a name variant, `february30` for a birth date, `excelSerial` for a date. */
  form?: string;
  /** For a duplicated row: the row it repeats. */
  duplicateOf?: number;
  /** For a supplier with only a legacy code: whether the index should link it to `clean`. */
  linkage?: ExpectedLinkage;
}

/** One kind to allocate, with the rows it may go to. */
export interface InjectionPlanEntry {
  kind: InjectionKind;
  /** Share of rows; defaults to {@link INJECTION_RATES}[kind]. */
  rate?: number;
  /** Exact number of rows instead of a rate (to split one kind's count over several pools). */
  count?: number;
  /** Rows the kind can apply to (0-based); all rows if absent. */
  eligible?: (row: number) => boolean;
}

/**
 * Chooses which rows carry which kind: for each plan entry in order, `count` or
 * `Math.round(rate × rows)` rows not yet taken and eligible, uniformly at random. Put
 * constrained entries first.
 * @returns per row (0-based) its kind, or undefined for a clean row.
 */
export function allocateInjections(rng: Prng, rows: number, plan: readonly InjectionPlanEntry[]): (InjectionKind | undefined)[] {
  const order = rng.shuffle(Array.from({ length: rows }, (_, i) => i));
  const assigned: (InjectionKind | undefined)[] = new Array(rows).fill(undefined);
  for (const entry of plan) {
    let wanted = entry.count ?? Math.round((entry.rate ?? INJECTION_RATES[entry.kind]) * rows);
    for (let k = 0; k < rows && wanted > 0; k++) {
      const row = order[k]!;
      if (assigned[row] !== undefined || (entry.eligible && !entry.eligible(row))) continue;
      assigned[row] = entry.kind;
      wanted--;
    }
  }
  return assigned;
}

/**
 * Appends exact copies of `Math.round(DUPLICATE_ROW_RATE × rows)` rows chosen among those
 * for which `pristine` holds, and records a `duplicateRow` case for each.
 * @returns the rows with the copies appended (a new array).
 */
export function appendDuplicateRows<T>(
  rng: Prng,
  rows: readonly T[],
  pristine: (row: number) => boolean,
  system: string,
  cases: InjectedCase[],
): T[] {
  const candidates = rng.shuffle(rows.map((_, i) => i).filter(pristine));
  const wanted = Math.min(candidates.length, Math.round(DUPLICATE_ROW_RATE * rows.length));
  const out = [...rows];
  for (const source of candidates.slice(0, wanted)) {
    out.push(rows[source]!);
    cases.push({ kind: 'duplicateRow', system, row: out.length, duplicateOf: source + 1 });
  }
  return out;
}
