import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessRegistrationNumberCheckDigit, organizationCodeCheckCharacter } from '../../src/identifiers/check-characters.ts';
import { generateSample } from '../../src/sample/generate.ts';
import type { InjectedCase } from '../../src/sample/injections.ts';
import type { SampleManifest } from '../../src/sample/manifest.ts';
import {
  count,
  fileOf,
  isCalendarDate,
  readCases,
  readCsv,
  readNdjson,
  regionCodes,
  repeatedRecords,
  residentIdStatus,
  usccStatus,
  type SupplierRecord,
} from './read-sample.ts';

/** What the exports contain, read back from disk. */
let outDir: string;
let manifest: SampleManifest;
let cases: InjectedCase[];
let staff: string[][];
let agencies: string[][];
let suppliers: SupplierRecord[];
let payments: string[][];
const codes = regionCodes();

const casesOf = (system: string): InjectedCase[] => cases.filter((c) => c.system === system);
const injectedRows = (system: string): Set<number> => new Set(casesOf(system).map((c) => c.row));
const expected = (system: string, kind: string): number =>
  (fileOf(manifest, system).injections as Record<string, number>)[kind] ?? Number.NaN;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'onecode-sample-'));
  manifest = await generateSample({ outDir, seed: 1 });
  cases = await readCases(outDir, manifest);
  staff = (await readCsv(outDir, fileOf(manifest, 'accounting-staff'))).records;
  agencies = (await readCsv(outDir, fileOf(manifest, 'bookkeeping-agencies'))).records;
  suppliers = await readNdjson(outDir, fileOf(manifest, 'procurement-suppliers'));
  payments = (await readCsv(outDir, fileOf(manifest, 'subsidy-payments'))).records;
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

describe('manifest and cases', () => {
  it('has one case per injected row, matching the value in the file', () => {
    expect(cases.length).toBe(manifest.cases.count);
    const column = (system: string, field: string): ((row: number) => string | null | undefined) => {
      if (system === 'procurement-suppliers') return (row) => suppliers[row - 1]![field];
      const file = fileOf(manifest, system);
      const records = { 'accounting-staff': staff, 'bookkeeping-agencies': agencies, 'subsidy-payments': payments }[system]!;
      const index = file.columns.indexOf(field);
      return (row) => records[row - 1]![index];
    };
    for (const c of cases) {
      if (c.kind === 'duplicateRow') continue;
      expect(column(c.system, c.field!)(c.row), JSON.stringify(c)).toBe(c.dirty);
    }
    for (const file of manifest.files) {
      for (const [kind, n] of Object.entries(file.injections)) {
        expect(count(casesOf(file.system), (c) => c.kind === kind), `${file.system} ${kind}`).toBe(n);
      }
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

  it('has exactly the injected identity-number faults, comma fields and duplicates', () => {
    const faults = residentIdFaults(staff.map((r) => r[0]!));
    for (const [kind, n] of Object.entries(faults)) expect(n, kind).toBe(expected(system, kind));
    expect(count(staff, (r) => r[5]!.includes(','))).toBe(expected(system, 'commaInField'));
    expect(repeatedRecords(staff)).toBe(expected(system, 'duplicateRow'));
    expect(expected(system, 'legacy15Id')).toBeGreaterThan(0);
    expect(expected(system, 'lowerCase')).toBeGreaterThan(0);
  });

  it('has valid Fujian identity numbers consistent with 性别 and 出生日期 in every other row', () => {
    const injected = injectedRows(system);
    let checked = 0;
    staff.forEach((r, i) => {
      if (injected.has(i + 1)) return;
      const id = r[0]!;
      expect(residentIdStatus(id), id).toBe('valid');
      expect(id.startsWith('35') && codes.has(id.slice(0, 6)), id).toBe(true);
      expect(r[2]).toBe(Number(id[16]) % 2 === 1 ? '男' : '女');
      expect(r[3]).toBe(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`);
      expect(usccStatus(r[6]!)).toBe('valid');
      expect(r[8]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(r[8]! < '2026-01-01').toBe(true);
      checked++;
    });
    expect(checked).toBeGreaterThan(0.85 * staff.length);
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

  it('has exactly the injected USCC faults, name variants, multi-line addresses and duplicates', () => {
    const usccs = agencies.map((r) => r[0]!);
    expect(count(usccs, (u) => /[a-z]/.test(u))).toBe(expected(system, 'lowerCase'));
    expect(count(usccs, (u) => /[０-９Ａ-Ｚ]/.test(u))).toBe(expected(system, 'fullWidth'));
    expect(count(usccs, (u) => u !== '' && u !== u.trim())).toBe(expected(system, 'surroundingSpaces'));
    expect(count(usccs, (u) => u === '')).toBe(expected(system, 'missingCode'));
    expect(count(usccs, (u) => usccStatus(u) === 'check')).toBe(expected(system, 'wrongCheckCharacter'));
    expect(count(agencies, (r) => r[5]!.includes('\n'))).toBe(expected(system, 'newlineInField'));
    expect(repeatedRecords(agencies)).toBe(expected(system, 'duplicateRow'));

    const registryName = registryNames();
    const variants = count(agencies, (r) => registryName.has(r[3]!) && registryName.get(r[3]!) !== r[2]);
    expect(variants).toBe(expected(system, 'nameVariant'));
    expect(variants).toBeGreaterThan(0);
  });

  it('has legal representatives who are mostly also in the accounting registry', () => {
    const registry = new Set(staff.map((r) => r[0]!));
    const reps = agencies.map((r) => r[3]!);
    for (const id of reps) expect(residentIdStatus(id)).toBe('valid');
    expect(count(reps, (id) => registry.has(id)) / reps.length).toBeGreaterThan(0.8);
  });

  it('has valid USCCs registered by Fujian offices in every other row', () => {
    const injected = injectedRows(system);
    agencies.forEach((r, i) => {
      if (injected.has(i + 1)) return;
      expect(usccStatus(r[0]!), r[0]).toBe('valid');
      expect(r[0]!.slice(0, 2)).toBe('91');
      expect(codes.has(r[0]!.slice(2, 8)) && r[0]!.startsWith('35', 2)).toBe(true);
      expect(r[4]).toMatch(/^DLJZ35\d{13}$/);
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
});

describe('subsidy-payments', () => {
  const system = 'subsidy-payments';

  it('has exactly the injected faults, name variants, leading-zero accounts, dates and duplicates', () => {
    const faults = residentIdFaults(payments.map((r) => r[1]!));
    for (const [kind, n] of Object.entries(faults)) expect(n, kind).toBe(expected(system, kind));
    expect(count(payments, (r) => r[5]!.startsWith('0'))).toBe(expected(system, 'leadingZeroAccount'));
    expect(count(payments, (r) => !/^\d{4}-\d{2}-\d{2}$/.test(r[6]!))).toBe(expected(system, 'nonIsoDate'));
    for (const r of payments) expect(r[6]).toMatch(/^(\d{4}-\d{2}-\d{2}|\d{4}\/\d{1,2}\/\d{1,2}|\d{8}|\d{4}年\d{1,2}月\d{1,2}日)$/);
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
    const reps = new Set(agencies.map((r) => r[3]!));
    const inTwo = [...registry].filter((id) => recipients.has(id));
    const inThree = inTwo.filter((id) => reps.has(id));
    expect(inTwo.length).toBeGreaterThan(500);
    expect(inThree.length).toBeGreaterThan(50);
  });
});
