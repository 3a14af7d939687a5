/**
 * The linkage the index should find for suppliers written with only a legacy code, worked out
 * from the population and the cases of the other exports, and recorded on each such case
 * (rule: {@link ExpectedLinkage}).
 */
import { ACCOUNTING_STAFF_LAYOUT } from './exports/accounting-staff.ts';
import { BOOKKEEPING_AGENCIES_LAYOUT } from './exports/bookkeeping-agencies.ts';
import { PROCUREMENT_SUPPLIERS_LAYOUT } from './exports/procurement-suppliers.ts';
import type { ExpectedLinkage, InjectedCase, InjectionKind } from './injections.ts';
import type { Population } from './population.ts';

/** Supplier kinds that leave only a legacy code. */
export const LEGACY_CODE_ONLY_KINDS: readonly InjectionKind[] = ['orgCodeOnly', 'hyphenatedOrgCodeOnly', 'registrationNumberOnly'];

/**
 * USCC faults that keep a row from showing its USCC: an empty or wrong-check-character USCC is
 * quarantined. Lower case, full width and surrounding spaces are repaired by normalisation.
 */
export const USCC_FAULTS_THAT_HIDE: readonly InjectionKind[] = ['missingCode', 'wrongCheckCharacter'];

/**
 * Identity-number faults that get an accounting-staff row quarantined, so the employer USCC it
 * carries (单位统一社会信用代码, always written clean) is not shown to the index.
 */
export const RESIDENT_ID_FAULTS_THAT_HIDE: readonly InjectionKind[] = ['missingCode', 'wrongCheckCharacter', 'impossibleBirthDate'];

/**
 * Sets `linkage` on every legacy-code-only case of procurement-suppliers in `cases`, following
 * the index's rules (src/index/linkage.ts):
 * - an organisation code links once any system shows the USCC that embeds it: the
 *   organisation's agency row (bookkeeping-agencies, 统一社会信用代码), or a loaded row of
 *   accounting-staff naming it as employer (单位统一社会信用代码); the agency row is preferred
 *   as `via`;
 * - a registration number links only through the agency row that carries it with the USCC.
 * Agencies are the first organisations, so agency row n (1-based) is organisation n − 1;
 * accounting-staff row n is the population's accounting staff member n − 1.
 * @throws Error if a case's clean USCC is no organisation of the population.
 */
export function recordExpectedLinkage(population: Population, cases: readonly InjectedCase[]): void {
  const agencies = BOOKKEEPING_AGENCIES_LAYOUT.system;
  const byUscc = new Map(population.organisations.map((org) => [org.uscc, org]));
  const hidden = new Set(
    cases
      .filter((c) => c.system === agencies && c.field === '统一社会信用代码' && USCC_FAULTS_THAT_HIDE.includes(c.kind))
      .map((c) => c.row),
  );
  const hiddenStaff = new Set(
    cases
      .filter((c) => c.system === ACCOUNTING_STAFF_LAYOUT.system && c.field === '身份证号' && RESIDENT_ID_FAULTS_THAT_HIDE.includes(c.kind))
      .map((c) => c.row),
  );
  /** Organisation index → first accounting-staff row (1-based) that shows its USCC as employer. */
  const employerRow = new Map<number, number>();
  population.accountingStaff.forEach((person, i) => {
    const org = population.employers.get(person.index);
    if (org && !hiddenStaff.has(i + 1) && !employerRow.has(org.index)) employerRow.set(org.index, i + 1);
  });
  for (const c of cases) {
    if (c.system !== PROCUREMENT_SUPPLIERS_LAYOUT.system || !LEGACY_CODE_ONLY_KINDS.includes(c.kind)) continue;
    const org = byUscc.get(c.clean ?? '');
    if (!org) throw new Error(`supplier row ${c.row}: ${c.clean} is no organisation of the population`);
    const agencyRow = org.agency ? org.index + 1 : undefined;
    const field = c.kind === 'registrationNumberOnly' ? '工商注册号' : '统一社会信用代码';
    const byAgency =
      agencyRow !== undefined &&
      !hidden.has(agencyRow) &&
      (c.kind !== 'registrationNumberOnly' || population.licenceRegistrationNumbers.has(org.index));
    const byEmployer = c.kind !== 'registrationNumberOnly' ? employerRow.get(org.index) : undefined;
    const linkage: ExpectedLinkage = byAgency
      ? { outcome: 'linked', via: { system: agencies, row: agencyRow, field }, agencyRow }
      : byEmployer !== undefined
        ? { outcome: 'linked', via: { system: ACCOUNTING_STAFF_LAYOUT.system, row: byEmployer, field: '单位统一社会信用代码' }, ...(agencyRow !== undefined ? { agencyRow } : {}) }
        : { outcome: 'unlinked', ...(agencyRow !== undefined ? { agencyRow } : {}) };
    c.linkage = linkage;
  }
}
