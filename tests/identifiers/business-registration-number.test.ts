import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyBusinessRegistrationNumber } from '../../src/identifiers/index.ts';
import { singleSubstitutions, validBusinessRegistrationNumber } from './arbitraries.ts';

const reasonCodes = (input: string) => classifyBusinessRegistrationNumber(input).reasons.map((r) => r.code);

describe('classifyBusinessRegistrationNumber (GS 15-2006, ISO 7064 MOD 11,10)', () => {
  it('accepts a number with the right check digit and names the right one otherwise', () => {
    expect(classifyBusinessRegistrationNumber('350100100001237')).toMatchObject({ status: 'valid', normalized: '350100100001237' });
    expect(classifyBusinessRegistrationNumber('350100100001238').reasons[0]!.message).toBe('check digit (position 15) does not match the ISO 7064 MOD 11,10 check of positions 1-14');
  });

  /** ISO 7064 hybrid MOD 11,10 guarantees single-substitution detection only; most, not all, transpositions are caught. */
  it('catches every single-digit substitution', () => {
    fc.assert(
      fc.property(validBusinessRegistrationNumber, (number) => {
        expect(classifyBusinessRegistrationNumber(number).status).toBe('valid');
        for (const changed of singleSubstitutions(number, '0123456789')) {
          expect(classifyBusinessRegistrationNumber(changed).status, changed).toBe('invalid');
        }
      }),
    );
  });

  it('shows that a transposition can escape MOD 11,10', () => {
    expect(classifyBusinessRegistrationNumber('063034819023009').status).toBe('valid');
    expect(classifyBusinessRegistrationNumber('063034819032009').status).toBe('valid'); // 23 → 32
  });

  it('rejects bad shapes and normalises spaces', () => {
    expect(reasonCodes('35010010000123')).toEqual(['wrong_length']);
    expect(reasonCodes('35010010000123A')).toEqual(['invalid_character']);
    expect(reasonCodes('')).toEqual(['empty']);
    expect(classifyBusinessRegistrationNumber(' 350100 100001237').normalized).toBe('350100100001237');
  });
});
