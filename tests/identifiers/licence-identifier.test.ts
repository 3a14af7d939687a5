/**
 * Electronic licence identifiers: the check character (ISO 7064 MOD 37,36 over type code, issuer
 * code, serial and version) against identifiers published in public source code and API
 * documentation (docs/licences.md lists where each was read), and the classification.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, classifyLicenceIdentifier, classifyUscc, mod37_36CheckCharacter } from '../../src/identifiers/index.ts';

/** Public identifiers whose issuer code is a USCC (docs/licences.md, items 1-4). */
const PUBLIC_WITH_USCC_ISSUER = [
  '1.2.156.3005.2.11100000000013338W087.11370800MB28559184.37080001202411010001.001.3',
  '1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S',
  '1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U',
  '1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0',
];
/** Hefei's platform: issuer code 340100 (the GB/T 2260 code of Hefei), not a USCC (item 5). */
const PUBLIC_HEFEI = '1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9';
/** A Swagger `example` whose check character does not match (item 6): taken as invented. */
const SWAGGER_EXAMPLE = '1.2.156.3005.2.11100000000013661B006.113700000045046442.209FA4E88F9E4C878F3E9BED2CE7EA49.001.M';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const body = fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 1, maxLength: 60 });

describe('mod37_36CheckCharacter (ISO 7064 MOD 37,36)', () => {
  it('reproduces the check character of every public identifier found but the Swagger example', () => {
    for (const id of [...PUBLIC_WITH_USCC_ISSUER, PUBLIC_HEFEI]) {
      const parts = id.slice('1.2.156.3005.2.'.length).split('.');
      expect(mod37_36CheckCharacter(parts.slice(0, 4).join('')), id).toBe(parts[4]);
    }
    expect(mod37_36CheckCharacter(SWAGGER_EXAMPLE.slice(15, -2).replaceAll('.', ''))).toBe('D');
  });

  it('catches every substitution of one character (a property of ISO 7064 hybrid systems)', () => {
    fc.assert(fc.property(body, fc.nat(), fc.nat(), (b, at, by) => {
      const i = at % b.length;
      const other = ALPHABET.replace(b[i]!, '')[by % 35]!;
      const changed = b.slice(0, i) + other + b.slice(i + 1);
      expect(mod37_36CheckCharacter(changed)).not.toBe(mod37_36CheckCharacter(b));
    }));
  });

  it('refuses a body outside its alphabet', () => {
    expect(() => mod37_36CheckCharacter('')).toThrow(RangeError);
    expect(() => mod37_36CheckCharacter('ab')).toThrow(RangeError);
  });
});

describe('classifyLicenceIdentifier', () => {
  it('a public identifier with a USCC issuer is valid, with its parts', () => {
    for (const id of PUBLIC_WITH_USCC_ISSUER) {
      const issuer = id.split('.')[6]!;
      expect(classifyUscc(issuer).status, issuer).toBe('valid');
      expect(classifyLicenceIdentifier(id), id).toMatchObject({ kind: 'licence', status: 'valid', normalized: id, reasons: [] });
    }
    expect(classifyLicenceIdentifier(PUBLIC_WITH_USCC_ISSUER[1]!).licence).toEqual({
      typeCode: '11100000000013338W011', issuerCode: '11430000006122244L', serial: '20230000403', version: '002',
    });
  });

  it("Hefei's identifier, issuer 340100, is kept: nonconforming, not invalid", () => {
    const r = classifyLicenceIdentifier(PUBLIC_HEFEI);
    expect(r).toMatchObject({ status: 'nonconforming', normalized: PUBLIC_HEFEI });
    expect(r.reasons.map((x) => x.code)).toEqual(['licence_issuer_not_uscc']);
  });

  it('the Swagger example fails its check character', () => {
    const r = classifyLicenceIdentifier(SWAGGER_EXAMPLE);
    expect(r).toMatchObject({ status: 'invalid', normalized: null });
    expect(r.reasons[0]).toEqual({ code: 'check_character_mismatch', message: 'check character (last part) does not match the ISO 7064 MOD 37,36 check over type code, issuer code, serial and version' });
  });

  it('normalises what exports do to it, with notes', () => {
    const id = PUBLIC_WITH_USCC_ISSUER[3]!;
    expect(classifyLicenceIdentifier(` ${id.toLowerCase()} `)).toMatchObject({
      status: 'valid', normalized: id, reasons: [{ code: 'whitespace_trimmed' }, { code: 'lowercase_normalised' }],
    });
  });

  it('says what is wrong with a bad shape, naming parts, not values', () => {
    const codes = (input: string) => classifyLicenceIdentifier(input).reasons.map((r) => r.code);
    expect(codes('')).toEqual(['empty']);
    expect(codes('1.2.156.3005.1.A.B.C.001.X')).toEqual(['licence_prefix_missing']);
    expect(codes('1.2.156.3005.2.A.B.C.001')).toEqual(['licence_part_missing']);
    expect(codes('1.2.156.3005.2.A..C.001.X')).toEqual(['licence_part_missing']);
    const bad = classifyLicenceIdentifier('1.2.156.3005.2.062301.1101101102.0624_001.001.U');
    expect(bad.reasons).toEqual([{ code: 'invalid_character', message: 'only digits and upper-case letters are allowed: the serial (character 5)' }]);
    expect(codes('1.2.156.3005.2.A.B.C.001.XY')).toEqual(['invalid_character']);
  });

  it('classify() recognises the shape without being told the kind', () => {
    expect(classify(PUBLIC_WITH_USCC_ISSUER[0]!, { runDate: '2026-01-01' })).toMatchObject({ kind: 'licence', status: 'valid', alternatives: [] });
  });
});
