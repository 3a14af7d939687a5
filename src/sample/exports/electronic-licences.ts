/**
 * 电子证照库 exports: the licences a finance department's licence-issuing system holds, one file
 * per holder kind (UTF-8, LF), as the system hands them to the licence library:
 * - `licences-persons.csv`: 会计专业技术资格证书 held by persons of the accounting registry
 *   (holder code type 111, a resident identity number);
 * - `licences-organisations.csv`: 代理记账许可证书 and 代理记账机构信用评价证书 held by bookkeeping
 *   agencies that are not procurement suppliers (holder code type 001, a USCC), so that the USCCs these licences show
 *   never change how a supplier's legacy code links (legacy-code-linkage.ts).
 * Every identifier is generated: `1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>`,
 * type code = a generated authority's USCC + 3 digits, issuer = a generated finance bureau's USCC,
 * check character ISO 7064 MOD 37,36 (src/identifiers/licence-identifier.ts).
 *
 * Dirt, exclusive per row: `licenceExpired` (有效期截止 before the reference date),
 * `licenceRevoked` (证照状态 注销), `licenceWrongCheck` (the identifier's check character
 * changed: quarantined), and a holder known only by a legacy code: `legacy15Id` (persons: the
 * 15-digit number, upgraded on load) or `licenceLegacyHolder` (organisations: 持证主体代码 empty,
 * 组织机构代码 filled: linked to the agency's USCC that embeds it); and clean rows sent twice
 * (`duplicateRow`). Clean licences are valid until at least 800 days after the reference date.
 */
import { mod37_36CheckCharacter } from '../../identifiers/check-characters.ts';
import { LICENCE_IDENTIFIER_PREFIX } from '../../identifiers/licence-identifier.ts';
import { csvText } from '../csv-writer.ts';
import { dayNumber, isoDate } from '../dates.ts';
import { dirtyIdentifier, identifierKindApplies } from '../dirty-values.ts';
import { allocateInjections, appendDuplicateRows, type InjectedCase, type InjectionKind, type InjectionPlanEntry } from '../injections.ts';
import { organizationCode, unifiedSocialCreditCode } from '../organisations.ts';
import type { Prng } from '../prng.ts';
import type { BuiltExport, ExportContext, ExportLayout } from './sample-export.ts';

const COLUMNS = [
  '证照标识', '证照名称', '证照编号', '证照类型代码', '持证主体', '持证主体代码类型', '持证主体代码', '颁证单位', '颁证单位代码',
  '管辖属地代码', '颁证日期', '有效期起始', '有效期截止', '证照状态',
] as const;

export const LICENCES_PERSONS_LAYOUT: ExportLayout = {
  system: 'licences-persons',
  title: '电子证照（个人）',
  path: 'licences-persons.csv',
  format: 'csv',
  encoding: 'utf-8',
  bom: false,
  lineEnding: 'LF',
  columns: COLUMNS,
};

export const LICENCES_ORGANISATIONS_LAYOUT: ExportLayout = {
  ...LICENCES_PERSONS_LAYOUT,
  system: 'licences-organisations',
  title: '电子证照（机构）',
  path: 'licences-organisations.csv',
  columns: [...COLUMNS, '组织机构代码'],
};

/** Share of the accounting registry holding a 会计专业技术资格证书 in the library. */
export const PERSON_LICENCE_SHARE = 0.2;
/** Validity of a licence, in days (five years). */
const VALIDITY_DAYS = 5 * 365;
/** First issue date of the licences. */
const FIRST_ISSUE_DATE = '2016-01-01';

/** The licence types of the sample, as a service item names them (`onecode materials --needs`). */
export interface SampleLicenceType {
  name: string;
  /** 3-digit number after the defining authority's USCC. */
  number: string;
  /** Start of the serials and numbers of the type. */
  prefix: string;
}
export const PERSON_LICENCE_TYPE: SampleLicenceType = { name: '会计专业技术资格证书', number: '101', prefix: 'KJZG' };
/** Every agency holds one licence of each type (two rows per agency). */
export const AGENCY_LICENCE_TYPES: readonly SampleLicenceType[] = [
  { name: '代理记账许可证书', number: '201', prefix: 'DLJZ' },
  { name: '代理记账机构信用评价证书', number: '202', prefix: 'XYPJ' },
];

/** Codes shared by both files: the defining authority (national, category 11) and a finance bureau per issuing region. */
function authorities(rng: Prng): { typeCode: (t: SampleLicenceType) => string; issuer: (regionCode: string) => string } {
  const authority = unifiedSocialCreditCode('11', '100000', organizationCode(rng.fork('authority')));
  const issuers = new Map<string, string>();
  return {
    typeCode: (t) => authority + t.number,
    issuer: (regionCode) => {
      if (!issuers.has(regionCode)) issuers.set(regionCode, unifiedSocialCreditCode('11', regionCode, organizationCode(rng.fork(`issuer-${regionCode}`))));
      return issuers.get(regionCode)!;
    },
  };
}

/** The identifier of a licence: prefix, parts, MOD 37,36 check character. */
export function licenceIdentifier(typeCode: string, issuerCode: string, serial: string, version: string): string {
  return `${LICENCE_IDENTIFIER_PREFIX}${typeCode}.${issuerCode}.${serial}.${version}.${mod37_36CheckCharacter(typeCode + issuerCode + serial + version)}`;
}

/** The identifier with another check character (one of MOD 37,36's alphabet). */
function withWrongCheck(rng: Prng, identifier: string): string {
  const right = identifier.at(-1)!;
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.replace(right, '');
  return identifier.slice(0, -1) + alphabet[rng.below(alphabet.length)];
}

/** One licence before its dirt. */
interface LicenceDraft {
  type: SampleLicenceType;
  holderName: string;
  holderCodeType: '111' | '001';
  holderCode: string;
  issuerName: string;
  issuerRegion: string;
  serial: string;
  number: string;
  /** An organisation's organisation code, written instead of its USCC by `licenceLegacyHolder`. */
  legacyCode?: string;
}

/** The dirt plan common to both files; `extra` goes first (constrained kinds). */
function licencePlan(extra: InjectionPlanEntry[]): InjectionPlanEntry[] {
  return [...extra, { kind: 'licenceWrongCheck' }, { kind: 'licenceRevoked' }, { kind: 'licenceExpired' }];
}

/**
 * Writes the rows of `drafts` with the kinds `assigned`: dates, status and identifier per the
 * kind (see the module comment); `holderDirt` writes a holder-code kind and returns the row's
 * holder columns.
 */
function licenceRows(
  context: ExportContext,
  layout: ExportLayout,
  drafts: readonly LicenceDraft[],
  assigned: readonly (InjectionKind | undefined)[],
  holderDirt: (kind: InjectionKind, draft: LicenceDraft, row: number, cases: InjectedCase[]) => { code: string; codeType: string; legacy?: string },
): { rows: string[][]; cases: InjectedCase[] } {
  const { rng, runDay } = context;
  const codes = authorities(rng.fork('authorities'));
  const firstIssue = dayNumber(FIRST_ISSUE_DATE);
  const cases: InjectedCase[] = [];
  const system = layout.system;
  const rows = drafts.map((d, i) => {
    const kind = assigned[i];
    const row = i + 1;
    // clean: valid until 800-1800 days after the reference date (so still valid when a reader runs it a year later)
    let validTo = kind === 'licenceExpired' ? runDay - rng.between(1, 700) : runDay + rng.between(800, 1800);
    let issueDay = Math.max(firstIssue, validTo - VALIDITY_DAYS);
    if (issueDay > runDay - 30) issueDay = runDay - 30;
    if (kind === 'licenceExpired') {
      issueDay = validTo - VALIDITY_DAYS;
      cases.push({ kind, system, row, field: '有效期截止', dirty: isoDate(validTo), clean: null });
    }
    const issuer = codes.issuer(d.issuerRegion);
    const typeCode = codes.typeCode(d.type);
    let identifier = licenceIdentifier(typeCode, issuer, d.serial, '001');
    let status = '有效';
    if (kind === 'licenceRevoked') {
      status = '注销';
      cases.push({ kind, system, row, field: '证照状态', dirty: status, clean: null });
    } else if (kind === 'licenceWrongCheck') {
      const dirty = withWrongCheck(rng, identifier);
      cases.push({ kind, system, row, field: '证照标识', dirty, clean: identifier });
      identifier = dirty;
    }
    const holder = kind !== undefined && kind !== 'licenceExpired' && kind !== 'licenceRevoked' && kind !== 'licenceWrongCheck'
      ? holderDirt(kind, d, row, cases)
      : { code: d.holderCode, codeType: d.holderCodeType };
    validTo = Math.max(validTo, issueDay + 1);
    const cells = [
      identifier, d.type.name, d.number, typeCode, d.holderName, holder.codeType, holder.code, `${d.issuerName}财政局`, issuer,
      d.issuerRegion, isoDate(issueDay), isoDate(issueDay), isoDate(validTo), status,
    ];
    return layout.columns.length > COLUMNS.length ? [...cells, holder.legacy ?? ''] : cells;
  });
  return { rows, cases };
}

/** The export of `built`'s rows with exact copies of clean rows appended (`duplicateRow`: a licence sent twice). */
function withDuplicates(
  context: ExportContext,
  layout: ExportLayout,
  built: { rows: string[][]; cases: InjectedCase[] },
  assigned: readonly (InjectionKind | undefined)[],
  plan: readonly InjectionPlanEntry[],
): BuiltExport {
  const rows = appendDuplicateRows(context.rng.fork('duplicates'), built.rows, (i) => assigned[i] === undefined, layout.system, built.cases);
  const kinds: InjectionKind[] = [...plan.map((p) => p.kind), 'duplicateRow'];
  return { layout, text: csvText(layout.columns, rows, layout.lineEnding), rows: rows.length, kinds, cases: built.cases };
}

/** Builds the persons' licences: a share of the accounting registry, issued by the province. */
export function buildLicencesPersons(context: ExportContext): BuiltExport {
  const { rng, population } = context;
  const layout = LICENCES_PERSONS_LAYOUT;
  const holders = rng.fork('holders').shuffle([...population.accountingStaff]).slice(0, Math.round(PERSON_LICENCE_SHARE * population.accountingStaff.length));
  const drafts: LicenceDraft[] = holders.map((p, i) => ({
    type: PERSON_LICENCE_TYPE, holderName: p.name, holderCodeType: '111', holderCode: p.idNumber,
    issuerName: '福建省', issuerRegion: '350000', serial: `${PERSON_LICENCE_TYPE.prefix}${String(i + 1).padStart(8, '0')}`, number: `350000KJ${String(i + 1).padStart(8, '0')}`,
  }));
  const plan = licencePlan([{ kind: 'legacy15Id', eligible: (row) => identifierKindApplies('legacy15Id', drafts[row]!.holderCode, 'residentId') }]);
  const assigned = allocateInjections(rng.fork('allocate'), drafts.length, plan);
  const built = licenceRows(context, layout, drafts, assigned, (kind, d, row, out) => {
    const dirty = dirtyIdentifier(rng, 'legacy15Id', d.holderCode, 'residentId');
    out.push({ kind, system: layout.system, row, field: '持证主体代码', dirty: dirty.value, clean: d.holderCode });
    return { code: dirty.value, codeType: d.holderCodeType };
  });
  return withDuplicates(context, layout, built, assigned, plan);
}

/** Builds the agencies' licences: the agencies that are not suppliers, each holding one licence of each agency type, issued by its city. */
export function buildLicencesOrganisations(context: ExportContext): BuiltExport {
  const { rng, population } = context;
  const layout = LICENCES_ORGANISATIONS_LAYOUT;
  const suppliers = new Set(population.suppliers);
  const holders = population.agencies.filter((o) => !suppliers.has(o));
  const drafts: LicenceDraft[] = holders.flatMap((o, i) => AGENCY_LICENCE_TYPES.map((type) => ({
    type, holderName: o.name, holderCodeType: '001' as const, holderCode: o.uscc, legacyCode: o.organizationCode,
    issuerName: o.office.cityName, issuerRegion: o.office.cityCode, serial: `${type.prefix}${o.office.cityCode}${String(i + 1).padStart(4, '0')}`,
    number: `${type.prefix}${o.office.cityCode}${String(i + 1).padStart(5, '0')}`,
  })));
  const plan = licencePlan([{ kind: 'licenceLegacyHolder' }]);
  const assigned = allocateInjections(rng.fork('allocate'), drafts.length, plan);
  const built = licenceRows(context, layout, drafts, assigned, (kind, d, row, out) => {
    const legacy = d.legacyCode!;
    out.push({ kind, system: layout.system, row, field: '组织机构代码', dirty: legacy, clean: d.holderCode });
    return { code: '', codeType: '', legacy };
  });
  return withDuplicates(context, layout, built, assigned, plan);
}
