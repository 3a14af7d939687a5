import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classify,
  classifyResidentId,
  classifyUscc,
  isKnownRegionCode,
  isKnownRegisteringOfficeCode,
  knownRegionCodes,
  organizationCodeCheckCharacter,
  residentIdCheckCharacter,
  usccCheckCharacter,
} from '../../src/identifiers/index.ts';
import { charsFrom, compactDateBetween, digits, RUN_DATE, unknownAddressCode } from './arbitraries.ts';

const classifyAt = (input: string) => classifyResidentId(input, { runDate: RUN_DATE });
const withCheck = (body: string) => body + residentIdCheckCharacter(body);
/** A valid-by-checks USCC with the given registering office code. */
const usccWithOffice = (office: string, head = '91', body = 'MA2Y8K3P') => {
  const first17 = head + office + body + organizationCodeCheckCharacter(body);
  return first17 + usccCheckCharacter(first17);
};

describe('GB/T 2260 table (region-codes.ts)', () => {
  it('is loaded once and kept', () => {
    expect(knownRegionCodes()).toBe(knownRegionCodes());
    expect(knownRegionCodes().size).toBeGreaterThan(3400);
    expect([...knownRegionCodes()].every((code) => /^[1-8]\d{5}$/.test(code))).toBe(true);
  });

  it('holds the codes of 2020 and the changes of 2021, not codes abolished before 2021', () => {
    for (const code of ['350102', '110105', '350000', '350100', '350101', '350604', '654203', '350681', '710000', '810000', '820000']) {
      expect(isKnownRegionCode(code), code).toBe(true);
    }
    for (const code of ['110103', '110104', '440524', '371202', '000000', '351101']) expect(isKnownRegionCode(code), code).toBe(false);
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
  it('keeps a number with an abolished county code as nonconforming, with its derived facts', () => {
    const id = withCheck('11010319850317123'); // 110103 崇文区, abolished 2010
    expect(classifyAt(id)).toMatchObject({
      kind: 'resident_id',
      status: 'nonconforming',
      normalized: id,
      subtype: 'citizen',
      birthDate: '1985-03-17',
      sex: 'male',
      regionCode: '110103',
      reasons: [{ code: 'region_code_unknown' }],
    });
  });

  it('upgrades a 15-digit number with an unknown county and keeps it nonconforming', () => {
    const result = classifyAt('110103850317123');
    expect(result).toMatchObject({ status: 'nonconforming', normalized: withCheck('11010319850317123'), alias: '110103850317123' });
    expect(result.reasons.map((r) => r.code)).toEqual(['region_code_unknown', 'upgraded_from_15_digits']);
  });

  it('still rejects a province that never existed, and lists the other faults beside an unknown county', () => {
    expect(classifyAt(withCheck('00010219850317123')).reasons.map((r) => r.code)).toEqual(['unknown_province']);
    const both = classifyAt(withCheck('11010319850230123'));
    expect(both.status).toBe('invalid');
    expect(both.reasons.map((r) => r.code)).toEqual(['birth_date_impossible', 'region_code_unknown']);
    expect(classifyAt(withCheck('11010319850317123').slice(0, 17) + 'Y').status).toBe('invalid');
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

  it('keeps a code with an unknown office as nonconforming', () => {
    const code = usccWithOffice('110103');
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
