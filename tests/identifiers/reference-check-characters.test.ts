/**
 * The test's own check-character implementations (reference-check-characters.ts) against
 * published vectors, so the generators that use them are right independently of the project's
 * code; then the project's functions against them on many values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  businessRegistrationNumberCheckDigit,
  organizationCodeCheckCharacter,
  residentIdCheckCharacter,
  usccCheckCharacter,
} from '../../src/identifiers/index.ts';
import { charsFrom, digits } from './arbitraries.ts';
import {
  gb11714CheckCharacter,
  gb32100CheckCharacter,
  icao9303CheckDigit,
  mod11x10CheckDigit,
  mod11x2CheckCharacter,
  USCC_CHARACTERS,
} from './reference-check-characters.ts';

describe('reference implementations reproduce published vectors', () => {
  it('MOD 11-2: the example numbers of GB 11643-1999 appendix A', () => {
    expect(mod11x2CheckCharacter('11010519491231002')).toBe('X');
    expect(mod11x2CheckCharacter('44052418800101001')).toBe('4');
    // the 2023 foreigner permanent residence card example of the NIA's adaptation notes
    expect(mod11x2CheckCharacter('93268219850101001')).toBe('7');
  });

  it('GB 32100 and GB 11714: the hand-made cases (handed.tsv), including a check value of 31 written 0', () => {
    expect(gb32100CheckCharacter('91350100MA2Y8K3P3')).toBe('P');
    expect(gb32100CheckCharacter('91350102MA3000096')).toBe('0');
    expect(gb32100CheckCharacter('12350000488000011')).toBe('5');
    expect(gb11714CheckCharacter('MA2Y8K3P')).toBe('3');
    expect(gb11714CheckCharacter('48800001')).toBe('1');
  });

  it('MOD 11,10: the hand-made business registration number (handed.tsv)', () => {
    expect(mod11x10CheckDigit('35010010000123')).toBe('7');
  });

  it('ICAO 9303: the specimen passport of ICAO Doc 9303 part 4 and the NIA\'s 2017 permanent residence number', () => {
    expect(icao9303CheckDigit('L898902C3')).toBe('6');
    expect(icao9303CheckDigit('740812')).toBe('2');
    expect(icao9303CheckDigit('120415')).toBe('9');
    expect(icao9303CheckDigit('KAZ11009012310')).toBe('5');
  });

  it('GB 32100 weights are 3^(i-1) mod 31: each weight is the previous one times 3', () => {
    // a body with a single 1 at position i sums to W_i, so its check character reveals the weight
    const weight = (i: number) => {
      const body = '0'.repeat(i - 1) + '1' + '0'.repeat(17 - i);
      return (31 - USCC_CHARACTERS.indexOf(gb32100CheckCharacter(body))) % 31;
    };
    expect(Array.from({ length: 17 }, (_, k) => weight(k + 1))).toEqual([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]);
  });
});

describe('the project computes what the references compute', () => {
  it('resident identity number (MOD 11-2)', () => {
    fc.assert(fc.property(digits(17), (body) => {
      expect(residentIdCheckCharacter(body)).toBe(mod11x2CheckCharacter(body));
    }), { numRuns: 2000 });
  });

  it('USCC (GB 32100-2015)', () => {
    fc.assert(fc.property(charsFrom(USCC_CHARACTERS, 17), (body) => {
      expect(usccCheckCharacter(body)).toBe(gb32100CheckCharacter(body));
    }), { numRuns: 2000 });
  });

  it('organisation code (GB 11714-1997)', () => {
    fc.assert(fc.property(charsFrom('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', 8), (body) => {
      expect(organizationCodeCheckCharacter(body)).toBe(gb11714CheckCharacter(body));
    }), { numRuns: 2000 });
  });

  it('business registration number (MOD 11,10)', () => {
    fc.assert(fc.property(digits(14), (body) => {
      expect(businessRegistrationNumberCheckDigit(body)).toBe(mod11x10CheckDigit(body));
    }), { numRuns: 2000 });
  });
});
