import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, classifyUscc } from '../../src/identifiers/index.ts';
import { RUN_DATE, validCitizenId, validResidentId } from './arbitraries.ts';

/** A valid resident id (address 131101) that is also a valid USCC (office 110119, see classify.test.ts). */
const BOTH = '131101198501010193';
const reasonCodes = (result: { reasons: { code: string }[] }) => result.reasons.map((r) => r.code);

describe('classification by field first, shape second', () => {
  it('the example is valid both ways', () => {
    expect(classifyUscc(BOTH).status).toBe('valid');
    expect(classify(BOTH, { kind: 'resident_id', runDate: RUN_DATE }).status).toBe('valid');
  });

  it('a uscc field keeps its kind and notes that the value is also a valid resident id', () => {
    const result = classify(BOTH, { kind: 'uscc', runDate: RUN_DATE });
    expect(result).toMatchObject({ kind: 'uscc', status: 'valid', normalized: BOTH });
    expect(reasonCodes(result)).toEqual(['also_valid_resident_id']);
    expect(result.birthDate).toBeUndefined();
  });

  it('the note also marks a resident id that fails as a USCC, so a person\'s number in an organisation field is found', () => {
    const result = classify('350102198503171237', { kind: 'uscc', runDate: RUN_DATE });
    expect(result.status).toBe('invalid');
    expect(reasonCodes(result).at(-1)).toBe('also_valid_resident_id');
    expect(reasonCodes(classify('91350100MA2Y8K3P3P', { kind: 'uscc', runDate: RUN_DATE }))).toEqual([]);
  });

  it('without a kind, an 18-digit value valid as both is a resident id', () => {
    expect(classify(BOTH, { runDate: RUN_DATE })).toMatchObject({ kind: 'resident_id', status: 'valid', alternatives: ['uscc'] });
  });

  it('property: valid resident ids classified with kind uscc are always USCCs, valid ones noted; without a kind they are resident ids', () => {
    fc.assert(
      fc.property(validResidentId, (id) => {
        const asUscc = classify(id, { kind: 'uscc', runDate: RUN_DATE });
        expect(asUscc.kind).toBe('uscc');
        expect(asUscc.subtype).toBeUndefined();
        expect(reasonCodes(asUscc)).toContain('also_valid_resident_id');
        if (asUscc.status !== 'invalid') expect(asUscc.normalized).toBe(id);
        expect(classify(id, { runDate: RUN_DATE })).toMatchObject({ kind: 'resident_id', status: 'valid', normalized: id });
      }),
      { numRuns: 1000 },
    );
  });

  it('property: a forced kind is always the reported kind', () => {
    const kinds = ['resident_id', 'uscc', 'org_code', 'business_reg_no', 'foreign_permanent_residence_2017'] as const;
    fc.assert(
      fc.property(fc.oneof(validCitizenId, fc.string({ maxLength: 20 })), fc.constantFrom(...kinds), (value, kind) => {
        expect(classify(value, { kind, runDate: RUN_DATE }).kind).toBe(kind);
      }),
    );
  });
});
