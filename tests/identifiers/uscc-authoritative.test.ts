import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, classifyUscc, USCC_ALPHABET } from '../../src/identifiers/index.ts';
import { RUN_DATE, validUscc } from './arbitraries.ts';

const codes = (input: string, authoritative?: boolean) => classifyUscc(input, { authoritative }).reasons.map((r) => r.code);

describe('classifyUscc from an authoritative registry', () => {
  it('keeps a wrong check character as nonconforming, as given, never corrected', () => {
    expect(classifyUscc('91350100MA2Y8K3P3Q', { authoritative: true })).toMatchObject({
      kind: 'uscc',
      status: 'nonconforming',
      normalized: '91350100MA2Y8K3P3Q',
    });
    expect(codes('91350100MA2Y8K3P3Q', true)).toEqual(['check_character_mismatch', 'authoritative_value_kept']);
  });

  it('keeps a failing embedded organisation code the same way', () => {
    expect(classifyUscc('91350100MA2Y8K3P4T', { authoritative: true })).toMatchObject({ status: 'nonconforming', normalized: '91350100MA2Y8K3P4T' });
    expect(codes('91350100MA2Y8K3P4T', true)).toEqual(['organization_code_check_mismatch', 'authoritative_value_kept']);
  });

  it('is invalid by default, and with authoritative false', () => {
    expect(classifyUscc('91350100MA2Y8K3P3Q')).toMatchObject({ status: 'invalid', normalized: null });
    expect(classifyUscc('91350100MA2Y8K3P3Q', { authoritative: false }).status).toBe('invalid');
  });

  it('still rejects what no registry issues: wrong length, letters outside the alphabet, letters in the office code', () => {
    expect(classifyUscc('91350100MA2Y8K3P3', { authoritative: true }).status).toBe('invalid');
    expect(classifyUscc('91350100MO2Y8K3P3P', { authoritative: true }).status).toBe('invalid');
    expect(classifyUscc('9135A100MA2Y8K3P3Q', { authoritative: true }).status).toBe('invalid');
  });

  it('normalises spacing and case but keeps the check character as given', () => {
    expect(classifyUscc(' 91 3501 00ma2y8k3p3q', { authoritative: true })).toMatchObject({
      status: 'nonconforming',
      normalized: '91350100MA2Y8K3P3Q',
    });
  });

  it('property: every other check character is kept verbatim from an authoritative registry and rejected otherwise', () => {
    fc.assert(
      fc.property(validUscc, fc.integer({ min: 1, max: 30 }), (code, shift) => {
        const wrong = code.slice(0, 17) + USCC_ALPHABET[(USCC_ALPHABET.indexOf(code[17]!) + shift) % 31];
        expect(classifyUscc(wrong, { authoritative: true })).toMatchObject({ status: 'nonconforming', normalized: wrong });
        expect(classifyUscc(wrong).status).toBe('invalid');
      }),
    );
  });

  it('is passed through by classify(), for the uscc kind only', () => {
    expect(classify('91350100MA2Y8K3P3Q', { kind: 'uscc', runDate: RUN_DATE, authoritative: true }).status).toBe('nonconforming');
    expect(classify('91350100MA2Y8K3P3Q', { runDate: RUN_DATE, authoritative: true })).toMatchObject({ kind: 'uscc', status: 'nonconforming' });
    expect(classify('91350100MA2Y8K3P3Q', { kind: 'uscc', runDate: RUN_DATE }).status).toBe('invalid');
    expect(classify('350102198503171238', { kind: 'resident_id', runDate: RUN_DATE, authoritative: true }).status).toBe('invalid');
  });
});
