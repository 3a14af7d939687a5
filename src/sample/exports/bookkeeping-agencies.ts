/**
 * 代理记账机构 licence export: one row per licensed agency, UTF-8 with BOM, CRLF. Identifier
 * dirt goes into 统一社会信用代码; 法定代表人 is sometimes a name variant of the same person in
 * the accounting registry; 注册地址 sometimes spans two lines (LF inside the quoted field).
 * 工商注册号, the agency's 15-digit business registration number, is filled for the agencies
 * of `population.licenceRegistrationNumbers` (AGENCY_LICENCES_WITH_REGISTRATION_NUMBER, 30%) and
 * empty otherwise; a row that carries it always has a clean USCC, so it links the registration
 * number to the USCC without doubt (see ExpectedLinkage).
 */
import { csvText } from '../csv-writer.ts';
import { dayNumber, isoDate } from '../dates.ts';
import { USCC_INJECTION_KINDS, dirtyIdentifier, identifierKindApplies, type IdentifierInjectionKind } from '../dirty-values.ts';
import { allocateInjections, appendDuplicateRows, type InjectedCase, type InjectionKind } from '../injections.ts';
import { nameVariant } from '../names.ts';
import type { BuiltExport, ExportContext, ExportLayout } from './sample-export.ts';

export const BOOKKEEPING_AGENCIES_LAYOUT: ExportLayout = {
  system: 'bookkeeping-agencies',
  title: '代理记账机构',
  path: 'bookkeeping-agencies.csv',
  format: 'csv',
  encoding: 'utf-8',
  bom: true,
  lineEnding: 'CRLF',
  columns: ['统一社会信用代码', '工商注册号', '机构名称', '法定代表人', '法定代表人身份证号', '许可证号', '注册地址', '发证日期'],
};

/** First issue date of the licences. */
const FIRST_ISSUE_DATE = '2016-01-01';

/** Builds the agency licences from the population's agencies and their legal representatives. */
export function buildBookkeepingAgencies(context: ExportContext): BuiltExport {
  const { rng, population, runDay } = context;
  const layout = BOOKKEEPING_AGENCIES_LAYOUT;
  const agencies = population.agencies;
  const repOf = (row: number) => population.legalRepresentatives[agencies[row]!.index]!;
  const carriesRegistrationNumber = (row: number) => population.licenceRegistrationNumbers.has(agencies[row]!.index);
  const plan = [
    ...USCC_INJECTION_KINDS.map((kind) => ({
      kind,
      eligible: (row: number) => !carriesRegistrationNumber(row) && identifierKindApplies(kind, agencies[row]!.uscc, 'uscc'),
    })),
    { kind: 'nameVariant' as const, eligible: (row: number) => population.inRegistry(repOf(row)) },
    { kind: 'newlineInField' as const },
  ];
  const assigned = allocateInjections(rng.fork('allocate'), agencies.length, plan);
  const cases: InjectedCase[] = [];
  const firstIssue = dayNumber(FIRST_ISSUE_DATE);
  const system = layout.system;
  const records = agencies.map((org, i): string[] => {
    const rep = repOf(i);
    const kind = assigned[i];
    const row = i + 1;
    let uscc = org.uscc;
    let repName = rep.name;
    const building = rng.chance(0.4) || kind === 'newlineInField' ? `示例大厦${rng.between(2, 28)}层` : '';
    let address = org.address + building;
    if (kind === 'nameVariant') {
      const variant = nameVariant(rep.name, rng);
      cases.push({ kind, system, row, field: '法定代表人', dirty: variant.name, clean: rep.name, form: variant.form });
      repName = variant.name;
    } else if (kind === 'newlineInField') {
      cases.push({ kind, system, row, field: '注册地址', dirty: `${org.address}\n${building}`, clean: address });
      address = `${org.address}\n${building}`;
    } else if (kind !== undefined) {
      const dirty = dirtyIdentifier(rng, kind as IdentifierInjectionKind, uscc, 'uscc');
      cases.push({ kind, system, row, field: '统一社会信用代码', dirty: dirty.value, clean: uscc, ...(dirty.form ? { form: dirty.form } : {}) });
      uscc = dirty.value;
    }
    const issueDay = rng.between(firstIssue, runDay - 30);
    const licence = `DLJZ${org.office.cityCode}${isoDate(issueDay).slice(0, 4)}${String(row).padStart(5, '0')}`;
    const registrationNumber = carriesRegistrationNumber(i) ? org.registrationNumber! : '';
    return [uscc, registrationNumber, org.name, repName, rep.idNumber, licence, address, isoDate(issueDay)];
  });
  const rows = appendDuplicateRows(rng.fork('duplicates'), records, (i) => assigned[i] === undefined, system, cases);
  const kinds: InjectionKind[] = [...plan.map((p) => p.kind), 'duplicateRow'];
  return { layout, text: csvText(layout.columns, rows, layout.lineEnding), rows: rows.length, kinds, cases };
}
