import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyUscc } from '../../src/identifiers/index.ts';
import { dirtyVariant, singleSubstitutions, swap, validUscc } from './arbitraries.ts';
import { gb32100CheckCharacter, USCC_CHARACTERS } from './reference-check-characters.ts';

const reasonCodes = (input: string) => classifyUscc(input).reasons.map((r) => r.code);

describe('classifyUscc: properties (GB 32100-2015 mod-31 check, GB 11714 embedded code)', () => {
  it('accepts generated codes', () => {
    fc.assert(
      fc.property(validUscc, (code) => {
        expect(classifyUscc(code)).toMatchObject({ status: 'valid', normalized: code, reasons: [] });
      }),
    );
  });

  it('catches EVERY single-character substitution, including letters outside the alphabet', () => {
    fc.assert(
      fc.property(validUscc, (code) => {
        for (const changed of singleSubstitutions(code, `${USCC_CHARACTERS}IOZSV`)) {
          expect(classifyUscc(changed).status, changed).toBe('invalid');
        }
      }),
    );
  });

  /**
   * What the standard guarantees for transpositions: the weights of positions 1-17 are 3^(i-1)
   * mod 31, all different (3 has order 30 mod 31), and the check character counts with weight 1.
   * Swapping two different characters at positions i and j changes the sum by
   * (a - b)(w_i - w_j), which is 0 mod 31 only when w_i = w_j. So every transposition, adjacent
   * or not, is caught, except swapping position 1 with position 18 (w_1 = 1 = the check's weight).
   */
  it('catches EVERY transposition of two different characters, adjacent or not, except positions 1 and 18', () => {
    fc.assert(
      fc.property(validUscc, (code) => {
        for (let i = 0; i < 18; i++) {
          for (let j = i + 1; j < 18; j++) {
            if (code[i] === code[j] || (i === 0 && j === 17)) continue;
            expect(classifyUscc(swap(code, i, j)).status, `${i + 1}<->${j + 1}`).toBe('invalid');
          }
        }
      }),
    );
  });

  it('documents the blind spot: swapping the first and last characters keeps the mod-31 check', () => {
    fc.assert(
      fc.property(validUscc, (code) => {
        const swapped = swap(code, 0, 17);
        expect(gb32100CheckCharacter(swapped.slice(0, 17))).toBe(swapped[17]);
        expect(classifyUscc(swapped).reasons.map((r) => r.code)).not.toContain('check_character_mismatch');
      }),
    );
  });

  it('normalises dirty renderings to the same code', () => {
    fc.assert(
      fc.property(validUscc.chain((code) => fc.tuple(fc.constant(code), dirtyVariant(code))), ([code, dirty]) => {
        expect(classifyUscc(dirty)).toMatchObject({ status: 'valid', normalized: code });
      }),
    );
  });
});

describe('classifyUscc: examples', () => {
  it('accepts a check value of 31, written 0', () => {
    expect(classifyUscc('91350102MA30000960').status).toBe('valid');
  });

  it('rejects a code whose mod-31 check passes but whose organisation code fails', () => {
    expect(reasonCodes('91350100MA2Y8K3P4T')).toEqual(['organization_code_check_mismatch']);
  });

  it('names characters outside the alphabet and where they are', () => {
    expect(reasonCodes('91350100MO2Y8K3P3P')).toEqual(['character_not_in_alphabet']);
    expect(classifyUscc('91350100MO2Y8K3P3P').reasons[0]!.message).toMatch(/^the character at position 10 is not in the 31-character USCC alphabet/);
    expect(classifyUscc('91350100M-2Y8K3P3P').reasons[0]!.message).toMatch(/^the character at position 10 is not/);
  });

  it('requires digits for the registering office region code (positions 3-8)', () => {
    const first17 = '9135A100MA2Y8K3P3';
    expect(reasonCodes(first17 + gb32100CheckCharacter(first17))).toEqual(['region_code_not_digits']);
  });

  it('removes inner spaces and lower case with notes', () => {
    expect(classifyUscc('91 3501 00ma2y8k3p3p')).toMatchObject({
      status: 'valid',
      normalized: '91350100MA2Y8K3P3P',
      reasons: [{ code: 'whitespace_removed' }, { code: 'lowercase_normalised' }],
    });
  });

  it('rejects wrong lengths and empty values', () => {
    expect(reasonCodes('91350100MA2Y8K3P3')).toEqual(['wrong_length']);
    expect(reasonCodes('')).toEqual(['empty']);
  });
});
