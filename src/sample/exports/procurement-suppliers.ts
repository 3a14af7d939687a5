/**
 * 政府采购供应商 export: NDJSON, UTF-8, LF, one object per supplier with keys in the order of
 * {@link PROCUREMENT_SUPPLIERS_LAYOUT}.columns. `supplier_id` is a JSON integer, some above
 * 2^53; codes absent from the source are `null`, a missing USCC is `""`. Some suppliers carry
 * only a legacy code (organisation code, plain or hyphenated, or business registration
 * number); some carry the USCC and legacy codes consistent with it.
 *
 * The registration-number-only suppliers are drawn from three pools, so that every sample has
 * each outcome of linkage (ExpectedLinkage): half (rounded) are agencies whose licence row
 * carries that number (they link); half of the rest (rounded) are agencies whose licence row
 * shows the USCC but not the number (they must wait: the USCC alone does not link a
 * registration number); the rest are suppliers that are not agencies (they wait).
 */
import { isoDateTimeCst } from '../dates.ts';
import { USCC_INJECTION_KINDS, dirtyIdentifier, identifierKindApplies, type IdentifierInjectionKind } from '../dirty-values.ts';
import {
  INJECTION_RATES,
  allocateInjections,
  appendDuplicateRows,
  type InjectedCase,
  type InjectionKind,
  type InjectionPlanEntry,
} from '../injections.ts';
import type { BuiltExport, ExportContext, ExportLayout } from './sample-export.ts';

export const PROCUREMENT_SUPPLIERS_LAYOUT: ExportLayout = {
  system: 'procurement-suppliers',
  title: '政府采购供应商',
  path: 'procurement-suppliers.ndjson',
  format: 'ndjson',
  encoding: 'utf-8',
  bom: false,
  lineEnding: 'LF',
  columns: ['supplier_id', 'uscc', 'org_code', 'reg_no', 'name', 'legal_rep', 'registered_capital', 'updated_at'],
};

/** First `supplier_id` of the ordinary (safe-integer) ids; row n gets this + n. */
export const FIRST_SUPPLIER_ID = 1_000_000;
/** First unsafe `supplier_id`: 2^53 + 1, the smallest integer a double cannot hold. */
export const FIRST_UNSAFE_SUPPLIER_ID = 9_007_199_254_740_993n;

interface SupplierLine {
  supplierId: string;
  uscc: string | null;
  orgCode: string | null;
  regNo: string | null;
  name: string;
  legalRep: string;
  registeredCapital: string;
  updatedAt: string;
}

function ndjsonLine(s: SupplierLine): string {
  const j = JSON.stringify;
  return (
    `{"supplier_id":${s.supplierId},"uscc":${j(s.uscc)},"org_code":${j(s.orgCode)},"reg_no":${j(s.regNo)},` +
    `"name":${j(s.name)},"legal_rep":${j(s.legalRep)},"registered_capital":${j(s.registeredCapital)},"updated_at":${j(s.updatedAt)}}\n`
  );
}

/** Builds the supplier list from the population's suppliers. */
export function buildProcurementSuppliers(context: ExportContext): BuiltExport {
  const { rng, population, runDay } = context;
  const layout = PROCUREMENT_SUPPLIERS_LAYOUT;
  const system = layout.system;
  const suppliers = population.suppliers;
  const onLicence = (row: number) => population.licenceRegistrationNumbers.has(suppliers[row]!.index);
  const registrationNumberOnly = Math.round(INJECTION_RATES.registrationNumberOnly * suppliers.length);
  const linkable = Math.round(registrationNumberOnly / 2);
  const agencyWithout = Math.round((registrationNumberOnly - linkable) / 2);
  const plan: InjectionPlanEntry[] = [
    { kind: 'registrationNumberOnly', count: linkable, eligible: onLicence },
    { kind: 'registrationNumberOnly', count: agencyWithout, eligible: (row) => suppliers[row]!.agency && !onLicence(row) },
    {
      kind: 'registrationNumberOnly',
      count: registrationNumberOnly - linkable - agencyWithout,
      eligible: (row) => !suppliers[row]!.agency && suppliers[row]!.registrationNumber !== undefined,
    },
    ...USCC_INJECTION_KINDS.map((kind) => ({
      kind,
      eligible: (row: number) => identifierKindApplies(kind, suppliers[row]!.uscc, 'uscc'),
    })),
    { kind: 'orgCodeOnly' },
    { kind: 'hyphenatedOrgCodeOnly' },
    { kind: 'withLegacyCodes' },
  ];
  const assigned = allocateInjections(rng.fork('allocate'), suppliers.length, plan);
  const unsafe = allocateInjections(rng.fork('allocate-ids'), suppliers.length, [{ kind: 'unsafeIntegerId' }]);
  const cases: InjectedCase[] = [];
  let nextUnsafe = FIRST_UNSAFE_SUPPLIER_ID;
  const lines = suppliers.map((org, i): string => {
    const row = i + 1;
    const line: SupplierLine = {
      supplierId: String(FIRST_SUPPLIER_ID + row),
      uscc: org.uscc,
      orgCode: null,
      regNo: null,
      name: org.name,
      legalRep: population.legalRepresentatives[org.index]!.name,
      registeredCapital: org.registeredCapital,
      updatedAt: isoDateTimeCst(runDay - rng.between(1, 365), rng.between(0, 86_399)),
    };
    if (unsafe[i] === 'unsafeIntegerId') {
      line.supplierId = String(nextUnsafe);
      nextUnsafe += 2n;
      cases.push({ kind: 'unsafeIntegerId', system, row, field: 'supplier_id', dirty: line.supplierId });
    }
    const kind = assigned[i];
    const hyphenated = `${org.organizationCode.slice(0, 8)}-${org.organizationCode.slice(8)}`;
    switch (kind) {
      case undefined:
        break;
      case 'registrationNumberOnly':
        line.uscc = null;
        line.regNo = org.registrationNumber!;
        cases.push({ kind, system, row, field: 'reg_no', dirty: line.regNo, clean: org.uscc });
        break;
      case 'orgCodeOnly':
      case 'hyphenatedOrgCodeOnly':
        line.uscc = null;
        line.orgCode = kind === 'orgCodeOnly' ? org.organizationCode : hyphenated;
        cases.push({ kind, system, row, field: 'org_code', dirty: line.orgCode, clean: org.uscc });
        break;
      case 'withLegacyCodes':
        line.orgCode = org.organizationCode;
        line.regNo = org.registrationNumber ?? null;
        cases.push({ kind, system, row, field: 'org_code', dirty: line.orgCode, clean: org.uscc });
        break;
      default: {
        const dirty = dirtyIdentifier(rng, kind as IdentifierInjectionKind, org.uscc, 'uscc');
        line.uscc = dirty.value;
        cases.push({ kind, system, row, field: 'uscc', dirty: dirty.value, clean: org.uscc, ...(dirty.form ? { form: dirty.form } : {}) });
      }
    }
    return ndjsonLine(line);
  });
  const pristine = (i: number): boolean => assigned[i] === undefined && unsafe[i] === undefined;
  const rows = appendDuplicateRows(rng.fork('duplicates'), lines, pristine, system, cases);
  const kinds: InjectionKind[] = [...new Set(plan.map((p) => p.kind)), 'unsafeIntegerId', 'duplicateRow'];
  return { layout, text: rows.join(''), rows: rows.length, kinds, cases };
}
