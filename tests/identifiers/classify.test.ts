import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classify,
  classifyBusinessRegistrationNumber,
  classifyResidentId,
  classifyUscc,
} from '../../src/identifiers/index.ts';
import {
  RUN_DATE,
  validBusinessRegistrationNumber,
  validCitizenId,
  validOldResidentId,
  validOrganizationCode,
  validUscc,
} from './arbitraries.ts';
import { mod11x2CheckCharacter } from './reference-check-characters.ts';

const classifyAt = (input: string) => classify(input, { runDate: RUN_DATE });

describe('classify with a kind', () => {
  it('uses that kind even when the shape suggests another', () => {
    expect(classify('350102198503171237', { kind: 'uscc', runDate: RUN_DATE })).toMatchObject({ kind: 'uscc', status: 'invalid' });
    expect(classify('350100100001237', { kind: 'resident_id', runDate: RUN_DATE })).toMatchObject({ kind: 'resident_id', status: 'invalid' });
    expect(classify('350102198503171237', { kind: 'resident_id', runDate: RUN_DATE }).alternatives).toBeUndefined();
  });

  it('rejects a malformed run date whatever the kind', () => {
    expect(() => classify('MA2Y8K3P3', { kind: 'org_code', runDate: 'yesterday' })).toThrow(RangeError);
    expect(() => classify('MA2Y8K3P3', { runDate: 'yesterday' })).toThrow(RangeError);
  });
});

describe('classify by shape', () => {
  it('finds each kind from generated valid values', () => {
    const cases = [
      [validCitizenId, 'resident_id'],
      [validOldResidentId, 'resident_id'],
      [validOrganizationCode, 'org_code'],
    ] as const;
    for (const [arbitrary, kind] of cases) {
      fc.assert(
        fc.property(arbitrary, (value) => {
          expect(classifyAt(value)).toMatchObject({ kind, status: 'valid' });
        }),
      );
    }
    fc.assert(
      fc.property(validUscc, (code) => {
        // an all-digit USCC that is also a valid resident id reads as the resident id (see the rule in classify.ts)
        const expected = classifyResidentId(code, { runDate: RUN_DATE }).status === 'valid' ? 'resident_id' : 'uscc';
        expect(classifyAt(code)).toMatchObject({ kind: expected, status: 'valid' });
      }),
    );
    fc.assert(
      fc.property(validBusinessRegistrationNumber, (number) => {
        const expected = classifyResidentId(number, { runDate: RUN_DATE }).status === 'valid' ? 'resident_id' : 'business_reg_no';
        expect(classifyAt(number)).toMatchObject({ kind: expected, status: 'valid' });
      }),
    );
  });

  it('lists the other kinds the shape could be', () => {
    expect(classifyAt('350102198503171237').alternatives).toEqual(['uscc']);
    expect(classifyAt('123500004880000115')).toMatchObject({ kind: 'uscc', status: 'valid', alternatives: ['resident_id'] });
    expect(classifyAt('91350100MA2Y8K3P3P').alternatives).toEqual([]);
    expect(classifyAt('350100100001237')).toMatchObject({ kind: 'business_reg_no', alternatives: ['resident_id'] });
    expect(classifyAt('MA2Y8K3P-3')).toMatchObject({ kind: 'org_code', alternatives: [] });
  });

  it('prefers the resident id when an 18-digit value passes both resident-id and USCC checks', () => {
    // address 131101: its positions 3-8 with the century, 110119, are a known registering office
    const both = findValue((i) => {
      const body = `1311011985${String(101 + (i % 28)).padStart(4, '0')}${String(Math.floor(i / 28) % 1000).padStart(3, '0')}`;
      return body + mod11x2CheckCharacter(body);
    }, (value) => classifyUscc(value).status === 'valid', 100_000);
    expect(classifyAt(both)).toMatchObject({ kind: 'resident_id', status: 'valid', alternatives: ['uscc'] });
  });

  it('prefers the old resident id when a 15-digit value passes both it and the business registration check', () => {
    const both = findValue((i) => `350102680524${String(i).padStart(3, '0')}`, (value) =>
      classifyBusinessRegistrationNumber(value).status === 'valid' && classifyResidentId(value, { runDate: RUN_DATE }).status === 'valid');
    expect(classifyAt(both)).toMatchObject({ kind: 'resident_id', status: 'valid', alias: both, alternatives: ['business_reg_no'] });
  });

  it('reports the preferred kind when no candidate is valid', () => {
    expect(classifyAt('350102198503171238')).toMatchObject({ kind: 'resident_id', status: 'invalid', alternatives: ['uscc'] });
    expect(classifyAt('350100100001238')).toMatchObject({ kind: 'resident_id', status: 'invalid', alternatives: ['business_reg_no'] });
  });

  it('judges an unrecognisable value by length and says so', () => {
    expect(classifyAt('91350100M-2Y8K3P3P')).toMatchObject({ kind: 'uscc', status: 'invalid' });
    expect(classifyAt('91350100M-2Y8K3P3P').reasons.map((r) => r.code)).toEqual(['unrecognised_shape', 'character_not_in_alphabet']);
    expect(classifyAt('12345').reasons.map((r) => r.code)).toEqual(['unrecognised_shape', 'wrong_length']);
    expect(classifyAt('')).toMatchObject({ kind: 'resident_id', status: 'invalid', reasons: [{ code: 'empty' }] });
  });

  it('never throws and always explains an invalid value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (input) => {
        const result = classifyAt(input);
        if (result.status === 'invalid') expect(result.reasons.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });
});

/** The first value(i), i = 0..limit-1, that satisfies `accept`. */
function findValue(value: (i: number) => string, accept: (value: string) => boolean, limit = 10_000): string {
  for (let i = 0; i < limit; i++) if (accept(value(i))) return value(i);
  throw new Error('no value found');
}
