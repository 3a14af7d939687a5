/**
 * Synthetic legal persons with valid codes: unified social credit code (GB 32100-2015),
 * the organisation code inside it (GB 11714-1997) and, for market entities, the 15-digit
 * business registration number they had before 2015.
 */
import {
  businessRegistrationNumberCheckDigit,
  organizationCodeCheckCharacter,
  usccCheckCharacter,
} from '../identifiers/check-characters.ts';
import { organisationName, type OrganisationNameKind } from './names.ts';
import type { Prng } from './prng.ts';
import type { Region } from './regions.ts';

/**
 * Kinds of legal person and their registration authority + category codes (GB 32100-2015
 * §4.1, table 2 of appendix A): 9-1 enterprise, 1-2 public institution, 5-2 private
 * non-enterprise unit, 9-3 farmers' specialised cooperative.
 */
export const ORGANISATION_CATEGORIES = {
  enterprise: '91',
  publicInstitution: '12',
  privateNonEnterprise: '52',
  farmersCooperative: '93',
} as const;

export type OrganisationCategory = keyof typeof ORGANISATION_CATEGORIES;

/** A synthetic legal person. */
export interface Organisation {
  /** Position in the generated set (0-based). */
  index: number;
  /** 18-character USCC. */
  uscc: string;
  /** 9-character organisation code, equal to USCC positions 9–17. */
  organizationCode: string;
  /** 15-digit business registration number; only enterprises and cooperatives have one. */
  registrationNumber: string | undefined;
  name: string;
  category: OrganisationCategory;
  /** True for the bookkeeping agencies (enterprises licensed under 代理记账管理办法). */
  agency: boolean;
  /** Registering office (city or county); its code is USCC positions 3–8. */
  office: Region;
  /** County of the registered address. */
  county: Region;
  /** Registered address without floor, e.g. `福建省福州市鼓楼区示例路88号`. */
  address: string;
  /** Registered capital in yuan with two decimals, e.g. `1200000.00`. */
  registeredCapital: string;
}

/**
 * Organisation-code body characters: digits and upper-case letters without I, O, Z, S, V, so
 * that the organisation code also fits the USCC alphabet (GB 32100-2015 §4.3).
 */
export const ORGANIZATION_CODE_BODY_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/**
 * A USCC (GB 32100-2015 §4): registration authority + category (2), registering office's
 * GB/T 2260 code (6), organisation code (9), check character.
 * @param categoryCode e.g. `91`.
 * @param officeCode six-digit division code.
 * @param organizationCode nine characters, body plus GB 11714 check character.
 */
export function unifiedSocialCreditCode(categoryCode: string, officeCode: string, organizationCode: string): string {
  const body = `${categoryCode}${officeCode}${organizationCode}`;
  return body + usccCheckCharacter(body);
}

/**
 * An organisation code (GB 11714-1997): 8 body characters + check character. About half
 * are post-2015 style `MA` + 6 characters, the rest 8 digits.
 */
export function organizationCode(rng: Prng): string {
  let body = '';
  if (rng.chance(0.5)) {
    body = 'MA';
    while (body.length < 8) body += ORGANIZATION_CODE_BODY_ALPHABET[rng.below(ORGANIZATION_CODE_BODY_ALPHABET.length)];
  } else {
    while (body.length < 8) body += String(rng.below(10));
  }
  return body + organizationCodeCheckCharacter(body);
}

/**
 * A 15-digit business registration number (GS 15-2006): registering office code (6),
 * sequence (8), ISO 7064 MOD 11,10 check digit.
 */
export function businessRegistrationNumber(rng: Prng, officeCode: string): string {
  const body = officeCode + String(rng.below(100_000_000)).padStart(8, '0');
  return body + businessRegistrationNumberCheckDigit(body);
}

/** Shares of categories among organisations that are not agencies. */
const CATEGORY_SHARES: ReadonlyArray<[OrganisationCategory, number]> = [
  ['enterprise', 0.8],
  ['publicInstitution', 0.08],
  ['privateNonEnterprise', 0.06],
  ['farmersCooperative', 0.06],
];

function pickCategory(rng: Prng): OrganisationCategory {
  let u = rng.next();
  for (const [category, share] of CATEGORY_SHARES) {
    if (u < share) return category;
    u -= share;
  }
  return 'enterprise';
}

/** Options of {@link generateOrganisations}. */
export interface GenerateOrganisationsOptions {
  /** How many organisations. */
  count: number;
  /** The first `agencies` are bookkeeping agencies (enterprises). Default 0. */
  agencies?: number;
  /** Counties for addresses. */
  counties: readonly Region[];
}

/**
 * Generates organisations with distinct names, organisation codes, USCCs and registration
 * numbers. Registering office: the county's regulator for 60%, the city's for the rest.
 */
export function generateOrganisations(rng: Prng, options: GenerateOrganisationsOptions): Organisation[] {
  const { count, agencies = 0, counties } = options;
  const names = new Set<string>();
  const codes = new Set<string>();
  const regNos = new Set<string>();
  const organisations: Organisation[] = [];
  for (let index = 0; index < count; index++) {
    const agency = index < agencies;
    const category: OrganisationCategory = agency ? 'enterprise' : pickCategory(rng);
    const county = rng.pick(counties);
    const office: Region = rng.chance(0.6)
      ? county
      : { code: county.cityCode, name: county.cityName, cityCode: county.cityCode, cityName: county.cityName };
    const nameKind: OrganisationNameKind = agency ? 'agency' : category;
    let name = organisationName(rng, nameKind, county);
    for (let n = 2; names.has(name); n++) name = organisationName(rng, nameKind, county).replace('示例', `示例${n}`);
    names.add(name);
    let orgCode = organizationCode(rng);
    while (codes.has(orgCode)) orgCode = organizationCode(rng);
    codes.add(orgCode);
    let registrationNumber: string | undefined;
    if (category === 'enterprise' || category === 'farmersCooperative') {
      do registrationNumber = businessRegistrationNumber(rng, office.code);
      while (regNos.has(registrationNumber));
      regNos.add(registrationNumber);
    }
    organisations.push({
      index,
      uscc: unifiedSocialCreditCode(ORGANISATION_CATEGORIES[category], office.code, orgCode),
      organizationCode: orgCode,
      registrationNumber,
      name,
      category,
      agency,
      office,
      county,
      address: `福建省${county.cityName}${county.name}示例路${rng.between(1, 300)}号`,
      registeredCapital: `${rng.between(10, 2000) * 10_000}.00`,
    });
  }
  return organisations;
}
