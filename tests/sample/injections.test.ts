import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessRegistrationNumberCheckDigit, organizationCodeCheckCharacter } from '../../src/identifiers/check-characters.ts';
import { classifyLicenceIdentifier } from '../../src/identifiers/licence-identifier.ts';
import { BIRTH_DATE_MISMATCH_FORMS, NON_ISO_DATE_FORMS } from '../../src/sample/dirty-values.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { INJECTION_RATES, type InjectedCase, type InjectionKind } from '../../src/sample/injections.ts';
import type { SampleManifest } from '../../src/sample/manifest.ts';
import { AGENCY_LICENCES_WITH_REGISTRATION_NUMBER } from '../../src/sample/population.ts';
import {
  count,
  fileOf,
  idBirthDate,
  idSex,
  isCalendarDate,
  normaliseCode,
  readCases,
  readCsv,
  readNdjson,
  readSampleDate,
  regionCodes,
  readWorkbook,
  repeatedRecords,
  residentIdStatus,
  usccStatus,
  type SupplierRecord,
  type WorkbookRow,
} from './read-sample.ts';

/** What the exports contain, read back from disk. */
let outDir: string;
let manifest: SampleManifest;
let cases: InjectedCase[];
let staff: string[][];
let agencies: string[][];
let suppliers: SupplierRecord[];
let payments: string[][];
let training: WorkbookRow[];
let licences: Record<string, string[][]>;
const codes = regionCodes();

const casesOf = (system: string): InjectedCase[] => cases.filter((c) => c.system === system);
const injectedRows = (system: string): Set<number> => new Set(casesOf(system).map((c) => c.row));
const expected = (system: string, kind: string): number =>
  (fileOf(manifest, system).injections as Record<string, number>)[kind] ?? Number.NaN;
/** Index of a column of an export, by its header name. */
const col = (system: string, name: string): number => {
  const index = fileOf(manifest, system).columns.indexOf(name);
  if (index < 0) throw new Error(`${system} has no column ${name}`);
  return index;
};
const DAY_MS = 86_400_000;
const daysBetween = (a: string, b: string): number => (Date.parse(b) - Date.parse(a)) / DAY_MS;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'onecode-sample-'));
  manifest = await generateSample({ outDir, seed: 1 });
  cases = await readCases(outDir, manifest);
  staff = (await readCsv(outDir, fileOf(manifest, 'accounting-staff'))).records;
  agencies = (await readCsv(outDir, fileOf(manifest, 'bookkeeping-agencies'))).records;
  licences = {};
  for (const system of ['licences-persons', 'licences-organisations']) licences[system] = (await readCsv(outDir, fileOf(manifest, system))).records;
  suppliers = await readNdjson(outDir, fileOf(manifest, 'procurement-suppliers'));
  payments = (await readCsv(outDir, fileOf(manifest, 'subsidy-payments'))).records;
  training = (await readWorkbook(outDir, fileOf(manifest, 'continuing-education'))).records;
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

/** Registry name by the registry row's identity number, the clean one where the row's is dirty. */
function registryNames(): Map<string, string> {
  const cleanId = new Map(casesOf('accounting-staff').filter((c) => c.field === '身份证号').map((c) => [c.row, c.clean!]));
  return new Map(staff.map((r, i) => [cleanId.get(i + 1) ?? r[0]!, r[1]!]));
}

/** Counts of each identity-number fault in a column, as a pipeline would see them. */
function residentIdFaults(ids: readonly string[]) {
  return {
    legacy15Id: count(ids, (id) => /^\d{15}$/.test(id)),
    lowerCase: count(ids, (id) => /^\d{17}x$/.test(id)),
    fullWidth: count(ids, (id) => /[０-９Ｘ]/.test(id)),
    surroundingSpaces: count(ids, (id) => id !== '' && id !== id.trim()),
    missingCode: count(ids, (id) => id === ''),
    wrongCheckCharacter: count(ids, (id) => residentIdStatus(id) === 'check'),
    impossibleBirthDate: count(ids, (id) => residentIdStatus(id) === 'date'),
  };
}

describe('the licence library', () => {
  it('writes identifiers that pass MOD 37,36 but where a wrong check character is injected, and states and holders as the cases say', () => {
    for (const system of ['licences-persons', 'licences-organisations']) {
      const rows = licences[system]!;
      const at = (name: string) => col(system, name);
      const kindOf = new Map(casesOf(system).filter((c) => c.kind !== 'duplicateRow').map((c) => [c.row, c.kind]));
      expect(kindOf.size, system).toBeGreaterThan(5);
      rows.forEach((r, i) => {
        const kind = kindOf.get(i + 1);
        const id = classifyLicenceIdentifier(r[at('证照标识')]!);
        expect(id.status, `${system} row ${i + 1}`).toBe(kind === 'licenceWrongCheck' ? 'invalid' : 'valid');
        if (id.licence) expect([r[at('证照类型代码')], r[at('颁证单位代码')]]).toEqual([id.licence.typeCode, id.licence.issuerCode]);
        const validTo = r[at('有效期截止')]!;
        if (kind === 'licenceExpired') expect(validTo < manifest.runDate).toBe(true);
        else expect(daysBetween(manifest.runDate, validTo)).toBeGreaterThanOrEqual(800);
        expect(r[at('证照状态')]).toBe(kind === 'licenceRevoked' ? '注销' : '有效');
        const holder = r[at('持证主体代码')]!;
        if (kind === 'legacy15Id') expect(holder).toMatch(/^\d{15}$/);
        else if (kind === 'licenceLegacyHolder') expect([holder, r[at('组织机构代码')]!.length]).toEqual(['', 9]);
        else expect(system === 'licences-persons' ? residentIdStatus(holder) : usccStatus(holder)).toBe('valid');
      });
    }
  });
});

describe('manifest and cases', () => {
  it('has one case per injected row, matching the value in the file', () => {
    expect(cases.length).toBe(manifest.cases.count);
    const column = (system: string, field: string): ((row: number) => string | null | undefined) => {
      if (system === 'procurement-suppliers') return (row) => suppliers[row - 1]![field];
      const file = fileOf(manifest, system);
      if (system === 'continuing-education') return (row) => training[row - 1]!.cells[file.columns.indexOf(field)];
      const records = { 'accounting-staff': staff, 'bookkeeping-agencies': agencies, 'subsidy-payments': payments, ...licences }[system]!;
      const index = file.columns.indexOf(field);
      return (row) => records[row - 1]![index];
    };
    for (const c of cases) {
      if (c.kind === 'duplicateRow' || c.kind === 'blankRow') continue;
      expect(column(c.system, c.field!)(c.row), JSON.stringify(c)).toBe(c.dirty);
    }
    for (const file of manifest.files) {
      for (const [kind, n] of Object.entries(file.injections)) {
        expect(count(casesOf(file.system), (c) => c.kind === kind), `${file.system} ${kind}`).toBe(n);
      }
    }
  });

  it('injects exactly Math.round(rate × rows) of every kind, rows counted before duplicates', () => {
    expect(manifest.rates).toEqual(INJECTION_RATES);
    for (const file of manifest.files) {
      const rows = file.rows - file.injections.duplicateRow!;
      for (const [kind, n] of Object.entries(file.injections)) {
        expect(n, `${file.system} ${kind}`).toBe(Math.round(INJECTION_RATES[kind as InjectionKind] * rows));
      }
    }
    expect(fileOf(manifest, 'accounting-staff').injections).toMatchObject({ statedSexMismatch: 15, statedBirthDateMismatch: 15, nonIsoDate: 225 });
  });

  it('writes every non-ISO date as a form that reads back as its clean date', () => {
    const dates = cases.filter((c) => c.kind === 'nonIsoDate');
    expect(new Set(dates.map((c) => c.system))).toEqual(new Set(['accounting-staff', 'subsidy-payments']));
    for (const system of ['accounting-staff', 'subsidy-payments']) {
      expect(new Set(dates.filter((c) => c.system === system).map((c) => c.form)), system).toEqual(new Set(NON_ISO_DATE_FORMS));
    }
    const shapes: Record<string, RegExp> = {
      slash: /^\d{4}\/\d{1,2}\/\d{1,2}$/,
      compact: /^\d{8}$/,
      chinese: /^\d{4}年\d{1,2}月\d{1,2}日$/,
      excelSerial: /^\d{5}$/,
    };
    for (const c of dates) {
      expect(c.dirty, JSON.stringify(c)).toMatch(shapes[c.form!]!);
      expect(c.clean).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(readSampleDate(c.dirty!), JSON.stringify(c)).toBe(c.clean);
      if (c.form === 'excelSerial') expect(Date.UTC(1899, 11, 30) + Number(c.dirty) * DAY_MS).toBe(Date.parse(c.clean!));
    }
  });

  it('keeps clean rows the majority and injects at most one kind per row', () => {
    for (const file of manifest.files) {
      const rows = casesOf(file.system).filter((c) => c.kind !== 'unsafeIntegerId').map((c) => c.row);
      expect(new Set(rows).size, file.system).toBe(rows.length);
      expect(rows.length / file.rows).toBeLessThan(0.35);
    }
  });
});

describe('accounting-staff', () => {
  const system = 'accounting-staff';

  it('has exactly the injected identity-number faults, comma fields, stated-fact mismatches, dates and duplicates', () => {
    const faults = residentIdFaults(staff.map((r) => r[0]!));
    for (const [kind, n] of Object.entries(faults)) expect(n, kind).toBe(expected(system, kind));
    expect(count(staff, (r) => r[5]!.includes(','))).toBe(expected(system, 'commaInField'));
    expect(repeatedRecords(staff)).toBe(expected(system, 'duplicateRow'));
    expect(expected(system, 'legacy15Id')).toBeGreaterThan(0);
    expect(expected(system, 'lowerCase')).toBeGreaterThan(0);

    // Read as the index would: only a valid identity number has facts to compare with.
    const valid = staff.filter((r) => residentIdStatus(r[0]!) === 'valid');
    expect(count(valid, (r) => r[2] !== idSex(r[0]!))).toBe(expected(system, 'statedSexMismatch'));
    expect(count(valid, (r) => readSampleDate(r[3]!) !== idBirthDate(r[0]!))).toBe(expected(system, 'statedBirthDateMismatch'));
    expect(count(staff, (r) => !/^\d{4}-\d{2}-\d{2}$/.test(r[3]!))).toBe(expected(system, 'nonIsoDate'));
    for (const r of staff) {
      expect(['男', '女']).toContain(r[2]);
      expect(readSampleDate(r[3]!), r[3]).not.toBeNull();
    }
  });

  it('has valid Fujian identity numbers consistent with 性别 and 出生日期, except where injected', () => {
    const caseOf = new Map(casesOf(system).map((c) => [c.row, c]));
    let checked = 0;
    staff.forEach((r, i) => {
      const c = caseOf.get(i + 1);
      expect(usccStatus(r[6]!)).toBe('valid');
      expect(r[8]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(r[8]! < '2026-01-01').toBe(true);
      if (c?.field === '身份证号') return;
      const id = r[0]!;
      expect(residentIdStatus(id), id).toBe('valid');
      expect(id.startsWith('35') && codes.has(id.slice(0, 6)), id).toBe(true);
      if (c?.kind !== 'statedSexMismatch') expect(r[2]).toBe(idSex(id));
      if (c?.kind !== 'statedBirthDateMismatch') expect(readSampleDate(r[3]!)).toBe(idBirthDate(id));
      if (c?.kind !== 'nonIsoDate' && c?.kind !== 'statedBirthDateMismatch') expect(r[3]).toBe(idBirthDate(id));
      checked++;
    });
    expect(checked).toBeGreaterThan(0.9 * staff.length);
  });

  it('states a sex that really differs from the identity number, on rows whose number is clean', () => {
    const mismatches = casesOf(system).filter((c) => c.kind === 'statedSexMismatch');
    expect(mismatches.length).toBe(expected(system, 'statedSexMismatch'));
    for (const c of mismatches) {
      const r = staff[c.row - 1]!;
      expect(c.field).toBe('性别');
      expect(residentIdStatus(r[0]!), JSON.stringify(c)).toBe('valid');
      expect(c.clean).toBe(idSex(r[0]!));
      expect(c.dirty).toBe(c.clean === '男' ? '女' : '男');
    }
    expect(new Set(mismatches.map((c) => c.dirty))).toEqual(new Set(['男', '女']));
  });

  it('states a birth date that is another real day than the identity number says, on rows whose number is clean', () => {
    const mismatches = casesOf(system).filter((c) => c.kind === 'statedBirthDateMismatch');
    expect(mismatches.length).toBe(expected(system, 'statedBirthDateMismatch'));
    for (const c of mismatches) {
      const r = staff[c.row - 1]!;
      expect(c.field).toBe('出生日期');
      expect(residentIdStatus(r[0]!), JSON.stringify(c)).toBe('valid');
      expect(c.clean).toBe(idBirthDate(r[0]!));
      expect(c.dirty).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(readSampleDate(c.dirty!), c.dirty!).toBe(c.dirty);
      expect(c.dirty).not.toBe(c.clean);
      const [y, m, d] = c.clean!.split('-');
      if (c.form === 'dayShift') expect(Math.abs(daysBetween(c.clean!, c.dirty!))).toBeLessThanOrEqual(3);
      if (c.form === 'yearShift') expect([`${Number(y) + 1}-${m}-${d}`, `${Number(y) - 1}-${m}-${d}`]).toContain(c.dirty);
      if (c.form === 'monthDaySwap') expect(c.dirty).toBe(`${y}-${d}-${m}`);
      expect(BIRTH_DATE_MISMATCH_FORMS).toContain(c.form);
    }
  });

  it('writes a non-ISO 出生日期 only for the right day, on rows whose identity number is clean', () => {
    for (const c of casesOf(system).filter((c) => c.kind === 'nonIsoDate')) {
      const id = staff[c.row - 1]![0]!;
      expect(c.field).toBe('出生日期');
      expect(residentIdStatus(id)).toBe('valid');
      expect(c.clean).toBe(idBirthDate(id));
    }
  });

  it('writes the 15-digit form only for persons born 1950–1999', () => {
    for (const c of casesOf(system).filter((c) => c.kind === 'legacy15Id')) {
      expect(c.clean!.slice(6, 8)).toBe('19');
      expect(c.dirty).toBe(c.clean!.slice(0, 6) + c.clean!.slice(8, 17));
    }
  });
});

describe('bookkeeping-agencies', () => {
  const system = 'bookkeeping-agencies';
  const USCC = () => col(system, '统一社会信用代码');
  const REG_NO = () => col(system, '工商注册号');
  const REP = () => col(system, '法定代表人');
  const REP_ID = () => col(system, '法定代表人身份证号');

  it('has exactly the injected USCC faults, name variants, multi-line addresses and duplicates', () => {
    const usccs = agencies.map((r) => r[USCC()]!);
    expect(count(usccs, (u) => /[a-z]/.test(u))).toBe(expected(system, 'lowerCase'));
    expect(count(usccs, (u) => /[０-９Ａ-Ｚ]/.test(u))).toBe(expected(system, 'fullWidth'));
    expect(count(usccs, (u) => u !== '' && u !== u.trim())).toBe(expected(system, 'surroundingSpaces'));
    expect(count(usccs, (u) => u === '')).toBe(expected(system, 'missingCode'));
    expect(count(usccs, (u) => usccStatus(u) === 'check')).toBe(expected(system, 'wrongCheckCharacter'));
    expect(count(agencies, (r) => r[col(system, '注册地址')]!.includes('\n'))).toBe(expected(system, 'newlineInField'));
    expect(repeatedRecords(agencies)).toBe(expected(system, 'duplicateRow'));

    const registryName = registryNames();
    const variants = count(agencies, (r) => registryName.has(r[REP_ID()]!) && registryName.get(r[REP_ID()]!) !== r[REP()]);
    expect(variants).toBe(expected(system, 'nameVariant'));
    expect(variants).toBeGreaterThan(0);
  });

  it('has legal representatives who are mostly also in the accounting registry', () => {
    const registry = new Set(staff.map((r) => r[0]!));
    const reps = agencies.map((r) => r[REP_ID()]!);
    for (const id of reps) expect(residentIdStatus(id)).toBe('valid');
    expect(count(reps, (id) => registry.has(id)) / reps.length).toBeGreaterThan(0.8);
  });

  it('has valid USCCs registered by Fujian offices in every other row', () => {
    const injected = injectedRows(system);
    agencies.forEach((r, i) => {
      if (injected.has(i + 1)) return;
      const uscc = r[USCC()]!;
      expect(usccStatus(uscc), uscc).toBe('valid');
      expect(uscc.slice(0, 2)).toBe('91');
      expect(codes.has(uscc.slice(2, 8)) && uscc.startsWith('35', 2)).toBe(true);
      expect(r[col(system, '许可证号')]).toMatch(/^DLJZ35\d{13}$/);
    });
  });

  it('carries the registration number for the documented share of agencies, always beside a clean USCC', () => {
    const originals = agencies.slice(0, manifest.population.agencies);
    const withRegNo = originals.filter((r) => r[REG_NO()] !== '');
    expect(withRegNo.length).toBe(Math.round(AGENCY_LICENCES_WITH_REGISTRATION_NUMBER * manifest.population.agencies));
    expect(new Set(withRegNo.map((r) => r[REG_NO()])).size).toBe(withRegNo.length);
    const usccFaultRows = new Set(casesOf(system).filter((c) => c.field === '统一社会信用代码').map((c) => c.row));
    originals.forEach((r, i) => {
      const regNo = r[REG_NO()]!;
      if (regNo === '') return;
      expect(regNo).toMatch(/^\d{15}$/);
      expect(businessRegistrationNumberCheckDigit(regNo.slice(0, 14))).toBe(regNo[14]);
      expect(usccStatus(r[USCC()]!)).toBe('valid');
      expect(regNo.slice(0, 6), 'registered by the office that issued the USCC').toBe(r[USCC()]!.slice(2, 8));
      expect(usccFaultRows.has(i + 1)).toBe(false);
    });
  });
});

describe('procurement-suppliers', () => {
  const system = 'procurement-suppliers';

  it('has supplier ids beyond 2^53 written as JSON integers', () => {
    const ids = suppliers.map((s) => BigInt(s.supplier_id!));
    expect(count(ids, (id) => id > 2n ** 53n)).toBe(expected(system, 'unsafeIntegerId'));
    expect(expected(system, 'unsafeIntegerId')).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length - expected(system, 'duplicateRow'));
  });

  it('has exactly the injected legacy-code-only suppliers and USCC faults', () => {
    const noUscc = suppliers.filter((s) => s.uscc === null);
    expect(count(noUscc, (s) => /^[0-9A-Z]{9}$/.test(s.org_code ?? ''))).toBe(expected(system, 'orgCodeOnly'));
    expect(count(noUscc, (s) => /^[0-9A-Z]{8}-[0-9X]$/.test(s.org_code ?? ''))).toBe(expected(system, 'hyphenatedOrgCodeOnly'));
    expect(count(noUscc, (s) => s.org_code === null && /^\d{15}$/.test(s.reg_no ?? ''))).toBe(expected(system, 'registrationNumberOnly'));
    expect(noUscc.length).toBe(
      expected(system, 'orgCodeOnly') + expected(system, 'hyphenatedOrgCodeOnly') + expected(system, 'registrationNumberOnly'),
    );
    const usccs = suppliers.map((s) => s.uscc).filter((u): u is string => u !== null);
    expect(count(usccs, (u) => /[a-z]/.test(u))).toBe(expected(system, 'lowerCase'));
    expect(count(usccs, (u) => /[０-９Ａ-Ｚ]/.test(u))).toBe(expected(system, 'fullWidth'));
    expect(count(usccs, (u) => u !== '' && u !== u.trim())).toBe(expected(system, 'surroundingSpaces'));
    expect(count(usccs, (u) => u === '')).toBe(expected(system, 'missingCode'));
    expect(count(usccs, (u) => usccStatus(u) === 'check')).toBe(expected(system, 'wrongCheckCharacter'));
  });

  it('has legacy codes that are valid and consistent with the USCC', () => {
    const withLegacy = suppliers.filter((s) => s.uscc !== null && s.org_code !== null);
    expect(withLegacy.length).toBe(expected(system, 'withLegacyCodes'));
    for (const s of withLegacy) {
      expect(s.org_code).toBe(s.uscc!.slice(8, 17));
      if (s.reg_no !== null) expect(s.reg_no.slice(0, 6)).toBe(s.uscc!.slice(2, 8));
    }
    for (const s of suppliers) {
      const org = s.org_code?.replace('-', '');
      if (org) expect(organizationCodeCheckCharacter(org.slice(0, 8))).toBe(org[8]);
      if (s.reg_no) expect(businessRegistrationNumberCheckDigit(s.reg_no.slice(0, 14))).toBe(s.reg_no[14]);
      if (s.reg_no) expect(codes.has(s.reg_no.slice(0, 6))).toBe(true);
      expect(s.registered_capital).toMatch(/^\d+\.\d{2}$/);
    }
  });

  it('shares many organisations with the bookkeeping agencies, through the USCC or the organisation code', () => {
    const agencyUscc = new Set(agencies.map((r) => r[0]!).filter((u) => usccStatus(u) === 'valid'));
    expect(count(suppliers, (s) => agencyUscc.has(s.uscc ?? ''))).toBeGreaterThan(200);
    const agencyOrgCodes = new Set([...agencyUscc].map((u) => u.slice(8, 17)));
    const legacyOnly = casesOf(system).filter((c) => c.kind === 'orgCodeOnly' || c.kind === 'hyphenatedOrgCodeOnly');
    for (const c of legacyOnly) {
      expect(c.dirty!.replace('-', '')).toBe(c.clean!.slice(8, 17));
    }
    expect(count(legacyOnly, (c) => agencyOrgCodes.has(c.dirty!.replace('-', '')))).toBeGreaterThan(0);
  });

  it('records on each legacy-code-only case the linkage the files imply', () => {
    const agencySystem = 'bookkeeping-agencies';
    const [USCC, REG_NO, NAME] = ['统一社会信用代码', '工商注册号', '机构名称'].map((name) => col(agencySystem, name));
    // From the agency file alone: which row shows which USCC (after normalisation), which carries
    // which registration number beside a valid USCC, and which row is which agency (by name).
    const showsUscc = new Map<string, number>();
    const carriesBoth = new Map<string, { row: number; uscc: string }>();
    const agencyRowByName = new Map<string, number>();
    agencies.forEach((r, i) => {
      const uscc = normaliseCode(r[USCC!]!);
      if (usccStatus(uscc) === 'valid' && !showsUscc.has(uscc)) showsUscc.set(uscc, i + 1);
      if (r[REG_NO!] !== '' && usccStatus(uscc) === 'valid') carriesBoth.set(r[REG_NO!]!, { row: i + 1, uscc });
      if (!agencyRowByName.has(r[NAME!]!)) agencyRowByName.set(r[NAME!]!, i + 1);
    });
    // Accounting-staff rows that load (identity number valid after normalisation, or a 15-digit
    // legacy number) show their employer's USCC too.
    const [STAFF_ID, EMPLOYER_USCC] = ['身份证号', '单位统一社会信用代码'].map((name) => col('accounting-staff', name));
    const staffShows = new Map<string, number>();
    staff.forEach((r, i) => {
      const id = normaliseCode(r[STAFF_ID!]!);
      const uscc = normaliseCode(r[EMPLOYER_USCC!]!);
      if ((/^\d{15}$/.test(id) || residentIdStatus(id) === 'valid') && usccStatus(uscc) === 'valid' && !staffShows.has(uscc)) staffShows.set(uscc, i + 1);
    });
    const legacyOnly = casesOf(system).filter((c) => ['orgCodeOnly', 'hyphenatedOrgCodeOnly', 'registrationNumberOnly'].includes(c.kind));
    expect(legacyOnly.length).toBe(expected(system, 'orgCodeOnly') + expected(system, 'hyphenatedOrgCodeOnly') + expected(system, 'registrationNumberOnly'));
    for (const c of legacyOnly) {
      const what = JSON.stringify(c);
      expect(c.linkage, what).toBeDefined();
      expect(c.linkage!.agencyRow, what).toBe(agencyRowByName.get(suppliers[c.row - 1]!.name));
      let via: { system: string; row: number; field: string } | undefined;
      if (c.kind === 'registrationNumberOnly') {
        const both = carriesBoth.get(c.dirty!);
        if (both) {
          expect(both.uscc, what).toBe(c.clean);
          via = { system: agencySystem, row: both.row, field: '工商注册号' };
        }
      } else {
        const code = c.dirty!.replace('-', '');
        const usccs = [...showsUscc.keys()].filter((u) => u.slice(8, 17) === code);
        const byStaff = [...staffShows.keys()].filter((u) => u.slice(8, 17) === code);
        expect(usccs.length, what).toBeLessThanOrEqual(1);
        expect(byStaff.length, what).toBeLessThanOrEqual(1);
        if (usccs.length === 1) {
          expect(usccs[0], what).toBe(c.clean);
          via = { system: agencySystem, row: showsUscc.get(usccs[0]!)!, field: '统一社会信用代码' };
        } else if (byStaff.length === 1) {
          expect(byStaff[0], what).toBe(c.clean);
          via = { system: 'accounting-staff', row: staffShows.get(byStaff[0]!)!, field: '单位统一社会信用代码' };
        }
      }
      if (via) expect(c.linkage, what).toMatchObject({ outcome: 'linked', via });
      else expect(c.linkage!.outcome, what).toBe('unlinked');
      if (via?.system === agencySystem) expect(c.linkage!.agencyRow, what).toBe(via.row);
    }

    // Registration numbers: some link, some wait although the agency row shows their USCC.
    const byRegNo = legacyOnly.filter((c) => c.kind === 'registrationNumberOnly');
    const linked = byRegNo.filter((c) => c.linkage!.outcome === 'linked');
    const waitingAgencies = byRegNo.filter((c) => c.linkage!.outcome === 'unlinked' && c.linkage!.agencyRow !== undefined);
    const notAgencies = byRegNo.filter((c) => c.linkage!.agencyRow === undefined);
    expect(linked.length).toBe(Math.round(byRegNo.length / 2));
    expect(waitingAgencies.length).toBe(Math.round((byRegNo.length - linked.length) / 2));
    expect(count(waitingAgencies, (c) => showsUscc.has(c.clean!)), 'USCC shown, registration number not').toBeGreaterThan(0);
    expect(notAgencies.length).toBe(byRegNo.length - linked.length - waitingAgencies.length);
    expect(notAgencies.length).toBeGreaterThan(0);
    // Organisation codes: some link through an agency row, some through a staff member's
    // employer (most organisations employ someone in the registry, so few or none wait).
    const byOrgCode = legacyOnly.filter((c) => c.kind !== 'registrationNumberOnly');
    expect(count(byOrgCode, (c) => c.linkage!.via?.system === 'bookkeeping-agencies')).toBeGreaterThan(0);
    expect(count(byOrgCode, (c) => c.linkage!.via?.system === 'accounting-staff')).toBeGreaterThan(0);
    // No other case carries a linkage.
    expect(count(cases, (c) => c.linkage !== undefined)).toBe(legacyOnly.length);
  });
});

describe('subsidy-payments', () => {
  const system = 'subsidy-payments';

  it('has exactly the injected faults, name variants, leading-zero accounts, dates and duplicates', () => {
    const faults = residentIdFaults(payments.map((r) => r[1]!));
    for (const [kind, n] of Object.entries(faults)) expect(n, kind).toBe(expected(system, kind));
    expect(count(payments, (r) => r[5]!.startsWith('0'))).toBe(expected(system, 'leadingZeroAccount'));
    expect(count(payments, (r) => !/^\d{4}-\d{2}-\d{2}$/.test(r[6]!))).toBe(expected(system, 'nonIsoDate'));
    for (const r of payments) expect(readSampleDate(r[6]!), r[6]).not.toBeNull();
    expect(count(payments, (r) => /^\d{5}$/.test(r[6]!)), 'Excel serial dates').toBeGreaterThan(0);
    expect(repeatedRecords(payments)).toBe(expected(system, 'duplicateRow'));
    expect(new Set(payments.map((r) => r[0])).size).toBe(payments.length - expected(system, 'duplicateRow'));

    const registryName = registryNames();
    expect(count(payments, (r) => registryName.has(r[1]!) && registryName.get(r[1]!) !== r[2])).toBe(expected(system, 'nameVariant'));
  });

  it('has valid identity numbers, Fujian region codes and amounts in every other row', () => {
    const injected = injectedRows(system);
    payments.forEach((r, i) => {
      expect(r[7]!.startsWith('35') && codes.has(r[7]!), r[7]).toBe(true);
      expect(r[4]).toMatch(/^\d+\.\d{2}$/);
      expect(r[5]).toMatch(/^\d{12,19}$/);
      if (injected.has(i + 1)) return;
      expect(residentIdStatus(r[1]!), r[1]).toBe('valid');
      expect(r[1]!.slice(0, 6)).toBe(r[7]);
      expect(isCalendarDate(r[6]!.replace(/-/g, ''))).toBe(true);
    });
  });

  it('lets one identity number find records in two or more systems', () => {
    const registry = new Set(staff.map((r) => r[0]!));
    const recipients = new Set(payments.map((r) => r[1]!));
    const reps = new Set(agencies.map((r) => r[col('bookkeeping-agencies', '法定代表人身份证号')]!));
    const inTwo = [...registry].filter((id) => recipients.has(id));
    const inThree = inTwo.filter((id) => reps.has(id));
    expect(inTwo.length).toBeGreaterThan(500);
    expect(inThree.length).toBeGreaterThan(50);
  });
});

describe('continuing-education', () => {
  const system = 'continuing-education';
  const at = (name: string) => col(system, name);

  it('has exactly the injected Excel faults: IDs in number cells, 15-digit cut IDs, text dates and hours, blank rows, repeats', () => {
    const ids = training.map((r) => r.cells[at('身份证号')]!);
    expect(count(ids, (id) => /^\d{17}x$/.test(id))).toBe(expected(system, 'lowerCase'));
    // cut to 15 significant digits: only these rows are unreadable, and for that reason only
    const unreadable = training.filter((r) => r.unreadable);
    expect(unreadable.length).toBe(expected(system, 'idPrecisionLost'));
    for (const r of unreadable) {
      expect(r.unreadable).toEqual(['xlsx_number_precision_lost']);
      expect(r.cells[at('身份证号')]).toMatch(/^\d\.\d{1,14}E\+17$/);
    }
    const dates = training.map((r) => r.cells[at('培训日期')]!);
    expect(count(dates, (d) => /^\d{4}年\d{1,2}月\d{1,2}日$/.test(d))).toBe(expected(system, 'dateAsText'));
    expect(count(dates, (d) => /^\d{4}-\d{2}-\d{2}$/.test(d))).toBe(training.length - expected(system, 'dateAsText'));
    const hours = training.map((r) => r.cells[at('学时')]!);
    expect(count(hours, (h) => /^\d{1,3}(,\d{3})*\.\d{2}$/.test(h))).toBe(expected(system, 'numberAsText'));
    expect(count(hours, (h) => /^\d+(\.5)?$/.test(h))).toBe(training.length - expected(system, 'numberAsText'));
    for (const r of training) expect(r.cells[at('登记时间')]).toMatch(/^\d{4}-\d{2}-\d{2} (0[89]|1[0-8]):\d{2}:\d{2}$/);
    // blank rows: gaps in the sheet row numbers, just before the rows the cases name
    const gaps = training.flatMap((r, i) => (i > 0 && r.sheetRow - training[i - 1]!.sheetRow === 2 ? [i + 1] : []));
    expect(gaps).toEqual(casesOf(system).filter((c) => c.kind === 'blankRow').map((c) => c.row).sort((a, b) => a - b));
    expect(gaps.length).toBe(expected(system, 'blankRow'));
    expect(repeatedRecords(training.map((r) => JSON.stringify(r.cells)))).toBe(expected(system, 'duplicateRow'));
    expect(new Set(training.map((r) => r.cells[0])).size).toBe(training.length - expected(system, 'duplicateRow'));
  });

  it('writes persons of the accounting registry under their registry name, IDs in number cells with all 18 digits', () => {
    const registryName = registryNames();
    const cleanId = new Map(casesOf(system).filter((c) => c.field === '身份证号').map((c) => [c.row, c.clean!]));
    training.forEach((r, i) => {
      const id = cleanId.get(i + 1) ?? r.cells[at('身份证号')]!;
      expect(residentIdStatus(id)).toBe('valid');
      expect(registryName.get(id)).toBe(r.cells[at('姓名')]);
    });
    for (const c of casesOf(system).filter((c) => c.kind === 'idNumberAsNumber')) expect(c.dirty).toBe(c.clean);
    for (const c of casesOf(system).filter((c) => c.kind === 'dateAsText')) expect(readSampleDate(c.dirty!)).toBe(c.clean);
  });
});
