import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classify,
  classifyForeignPermanentResidence2017,
  classifyResidentId,
  foreignPermanentResidence2017CheckDigit,
  residentIdCheckCharacter,
} from '../../src/identifiers/index.ts';
import { charsFrom, compactDateBetween, digits, RUN_DATE, singleSubstitutions, validForeignerId } from './arbitraries.ts';
import { icao9303CheckDigit } from './reference-check-characters.ts';

const classify2017 = (input: string) => classifyForeignPermanentResidence2017(input, { runDate: RUN_DATE });
const codes2017 = (input: string) => classify2017(input).reasons.map((r) => r.code);
const withCheck = (body: string) => body + residentIdCheckCharacter(body);
/** A 2017 number from its first 14 characters, the check digit by the test's own ICAO 9303 implementation. */
const with2017Check = (first14: string) => first14 + icao9303CheckDigit(first14);

describe('2017 foreigner permanent residence number: check digit (position 15)', () => {
  it('reproduces the number the National Immigration Administration published (2023 adaptation notes)', () => {
    expect(foreignPermanentResidence2017CheckDigit('KAZ11009012310')).toBe('5');
    expect(classify2017('KAZ110090123105')).toMatchObject({ status: 'valid', normalized: 'KAZ110090123105', nationality: 'KAZ', regionCode: '110000', reasons: [] });
  });

  it('rejects a wrong check digit and names the right one', () => {
    expect(classify2017('KAZ110090123107')).toMatchObject({
      status: 'invalid',
      normalized: null,
      reasons: [{ code: 'check_character_mismatch', message: 'check digit (position 15) does not match the ICAO Doc 9303 7-3-1 check of positions 1-14' }],
    });
    expect(classify('KAZ110090123107', { runDate: RUN_DATE })).toMatchObject({ kind: 'foreign_permanent_residence_2017', status: 'invalid' });
    expect(foreignPermanentResidence2017CheckDigit('KAZ11009012310')).toBe('5');
  });

  it('the reference ICAO 9303 check digit reproduces the specimen passport of ICAO Doc 9303 part 4', () => {
    // machine-readable zone of the specimen: document number L898902C3 (check 6), birth 740812 (check 2), expiry 120415 (check 9)
    expect(icao9303CheckDigit('L898902C3')).toBe('6');
    expect(icao9303CheckDigit('740812')).toBe('2');
    expect(icao9303CheckDigit('120415')).toBe('9');
  });

  it('property: the project computes what the reference computes', () => {
    fc.assert(
      fc.property(charsFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 3), digits(11), (letters, rest) => {
        expect(foreignPermanentResidence2017CheckDigit(letters + rest)).toBe(icao9303CheckDigit(letters + rest));
      }),
    );
  });

  it('property: every change of one digit (positions 4-15) is caught', () => {
    fc.assert(
      fc.property(charsFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 3), digits(11), (letters, rest) => {
        const value = with2017Check(letters + rest);
        for (const changed of singleSubstitutions(value.slice(3), '0123456789')) {
          const result = classify2017(letters + changed);
          expect(result.reasons.map((r) => r.code)).toContain('check_character_mismatch');
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('2017 foreigner permanent residence number (3 letters + 12 digits)', () => {
  it('accepts a real nationality, province and birth date', () => {
    expect(classify2017('USA350085061516')).toMatchObject({
      kind: 'foreign_permanent_residence_2017',
      status: 'valid',
      normalized: 'USA350085061516',
      nationality: 'USA',
      regionCode: '350000',
      reasons: [],
    });
    expect(classify2017('USA350085061516').birthDate).toBeUndefined(); // century unknown
  });

  it('reads the birth date in either century, not after the run date', () => {
    expect(classify2017('KOR110012073118').status).toBe('valid'); // 2012-07-31
    expect(classify2017('KOR110000022913').status).toBe('valid'); // 2000-02-29 (1900-02-29 does not exist)
    expect(classify2017('KOR110030010111').status).toBe('valid'); // 2030 is ahead, so 1930
    expect(codes2017('KOR110085023010')).toEqual(['birth_date_impossible']);
    expect(codes2017('KOR110085130114')).toEqual(['birth_date_impossible']);
  });

  it('rejects an issuing province that never existed and China as a nationality', () => {
    expect(codes2017('USA990085061510')).toEqual(['unknown_province']);
    expect(codes2017('CHN350085061510')).toEqual(['invalid_nationality_code']);
  });

  it('keeps a nationality code outside ISO 3166-1 as nonconforming', () => {
    expect(classify2017('XXA350085061512')).toMatchObject({ status: 'nonconforming', normalized: 'XXA350085061512', nationality: 'XXA' });
    expect(codes2017('XXA350085061512')).toEqual(['nationality_code_unknown']);
  });

  it('normalises case, width and spaces; names shape faults', () => {
    expect(classify2017(' usa 3500 85061516')).toMatchObject({ status: 'valid', normalized: 'USA350085061516' });
    expect(codes2017('')).toEqual(['empty']);
    expect(codes2017('USA35008506151')).toEqual(['wrong_length']);
    expect(codes2017('US1350085061516')).toEqual(['invalid_character']);
    expect(classify2017('US1350085061516').reasons[0]!.message).toMatch(/^the character at position 3 is not allowed/);
  });

  it('is found by shape without a kind', () => {
    expect(classify('USA350085061516', { runDate: RUN_DATE })).toMatchObject({ kind: 'foreign_permanent_residence_2017', status: 'valid', alternatives: [] });
    expect(classify('USA3500850615', { runDate: RUN_DATE }).kind).not.toBe('foreign_permanent_residence_2017');
    expect(classify('U2A350085061516', { runDate: RUN_DATE })).toMatchObject({ kind: 'foreign_permanent_residence_2017', status: 'invalid' });
  });

  it('property: letters + real province + real date + right check digit is never invalid', () => {
    fc.assert(
      fc.property(
        charsFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 3).filter((n) => n !== 'CHN'),
        fc.constantFrom('11', '35', '44', '65', '81'),
        digits(2),
        compactDateBetween('1930-01-01', RUN_DATE),
        digits(1),
        (nationality, province, city, date, sequence) => {
          expect(classify2017(with2017Check(nationality + province + city + date.slice(2) + sequence)).status).not.toBe('invalid');
        },
      ),
    );
  });
});

describe('2023 foreigner permanent residence number: nationality against ISO 3166-1 numeric', () => {
  it('derives the alpha-3 nationality', () => {
    expect(classifyResidentId('935410198806100048', { runDate: RUN_DATE })).toMatchObject({ status: 'valid', nationality: 'KOR' });
  });

  it('rejects 000 and China (156); keeps an unassigned code as nonconforming', () => {
    const at = (body: string) => classifyResidentId(withCheck(body), { runDate: RUN_DATE });
    expect(at('93500019880610004').reasons.map((r) => r.code)).toEqual(['invalid_nationality_code']);
    expect(at('93515619880610004').reasons.map((r) => r.code)).toEqual(['invalid_nationality_code']);
    expect(at('93500119880610004')).toMatchObject({ status: 'nonconforming', nationality: '001', reasons: [{ code: 'nationality_code_unknown' }] });
  });

  it('property: generated numbers with ISO nationalities are valid foreigner numbers', () => {
    fc.assert(
      fc.property(validForeignerId, (id) => {
        const result = classifyResidentId(id, { runDate: RUN_DATE });
        expect(result).toMatchObject({ status: 'valid', subtype: 'foreign_permanent_resident' });
        expect(result.nationality).toMatch(/^[A-Z]{3}$/);
      }),
    );
  });
});
