import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyOrganizationCode } from '../../src/identifiers/index.ts';
import { singleSubstitutions, validOrganizationCode } from './arbitraries.ts';

const reasonCodes = (input: string) => classifyOrganizationCode(input).reasons.map((r) => r.code);

describe('classifyOrganizationCode (GB 11714-1997)', () => {
  it('accepts a code with or without the hyphen before the check character', () => {
    expect(classifyOrganizationCode('MA2Y8K3P3')).toMatchObject({ status: 'valid', normalized: 'MA2Y8K3P3', reasons: [] });
    expect(classifyOrganizationCode('MA2Y8K3P-3')).toMatchObject({ status: 'valid', normalized: 'MA2Y8K3P3', reasons: [{ code: 'hyphen_removed' }] });
    expect(classifyOrganizationCode('ｍａ２ｙ８ｋ３ｐ－３')).toMatchObject({ status: 'valid', normalized: 'MA2Y8K3P3' });
  });

  it('accepts generated codes, hyphenated or not', () => {
    fc.assert(
      fc.property(validOrganizationCode, (code) => {
        expect(classifyOrganizationCode(code).normalized).toBe(code);
        expect(classifyOrganizationCode(`${code.slice(0, 8)}-${code[8]}`).normalized).toBe(code);
      }),
    );
  });

  /** Weights and |digit difference| ≤ 9 are both non-zero mod 11, so digit-for-digit errors are always caught (letter values 10-35 can differ by 11 or 22 and escape). */
  it('catches every substitution of a digit by another digit', () => {
    fc.assert(
      fc.property(validOrganizationCode, (code) => {
        const digitForDigit = singleSubstitutions(code, '0123456789').filter((changed) => {
          const position = [...changed].findIndex((ch, i) => ch !== code[i]);
          return /\d/.test(code[position]!);
        });
        for (const changed of digitForDigit) expect(classifyOrganizationCode(changed).status, changed).toBe('invalid');
      }),
    );
  });

  it('names the right check character, and rejects bad shapes', () => {
    expect(classifyOrganizationCode('MA2Y8K3P-4').reasons[0]!.message).toBe('organisation code check character (position 9) does not match the GB 11714 check of positions 1-8');
    expect(reasonCodes('MA2Y8K3P')).toEqual(['wrong_length']);
    expect(reasonCodes('MA2Y8K3PA')).toEqual(['invalid_character']);
    expect(reasonCodes('MA2Y8K-P3')).toEqual(['invalid_character']);
    expect(reasonCodes('MA2Y8K3P--3')).toEqual(['wrong_length']);
    expect(reasonCodes('')).toEqual(['empty']);
  });
});
