import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyResidentId } from '../../src/identifiers/index.ts';
import {
  adjacentTranspositions,
  dirtyVariant,
  RUN_DATE,
  singleSubstitutions,
  validCitizenId,
  validForeignerId,
  validOldResidentId,
  validResidencePermitId,
  validResidentId,
} from './arbitraries.ts';
import { mod11x2CheckCharacter } from './reference-check-characters.ts';

const classifyAt = (input: string, runDate: Date | string = RUN_DATE) => classifyResidentId(input, { runDate });
const reasonCodes = (input: string, runDate?: Date | string) => classifyAt(input, runDate).reasons.map((r) => r.code);
/** A number with a correct check character, from its 17-character body. */
const withCheck = (body: string) => body + mod11x2CheckCharacter(body);

describe('classifyResidentId: properties (GB 11643-1999, ISO 7064 MOD 11-2)', () => {
  it('accepts generated citizen numbers and derives birth date, sex and region', () => {
    fc.assert(
      fc.property(validCitizenId, (id) => {
        const result = classifyAt(id);
        expect(result).toMatchObject({ status: 'valid', normalized: id, subtype: 'citizen', reasons: [], regionCode: id.slice(0, 6) });
        expect(result.birthDate).toBe(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`);
        expect(result.sex).toBe(Number(id[16]) % 2 === 1 ? 'male' : 'female');
      }),
    );
  });

  it('accepts generated residence-permit and foreigner numbers with their subtype', () => {
    fc.assert(
      fc.property(validResidencePermitId, (id) => {
        const subtype = id.startsWith('83') ? 'taiwan_residence_permit' : 'hk_macao_residence_permit';
        expect(classifyAt(id)).toMatchObject({ status: 'valid', normalized: id, subtype });
      }),
    );
    fc.assert(
      fc.property(validForeignerId, (id) => {
        expect(classifyAt(id)).toMatchObject({ status: 'valid', normalized: id, subtype: 'foreign_permanent_resident', regionCode: `${id.slice(1, 3)}0000` });
      }),
    );
  });

  it('catches EVERY single-character substitution (MOD 11-2 detects all single errors)', () => {
    fc.assert(
      fc.property(validResidentId, (id) => {
        for (const changed of singleSubstitutions(id, '0123456789X')) {
          expect(classifyAt(changed).status, changed).toBe('invalid');
        }
      }),
    );
  });

  it('catches EVERY adjacent transposition of different characters (adjacent MOD 11-2 weights differ)', () => {
    fc.assert(
      fc.property(validResidentId, (id) => {
        for (const swapped of adjacentTranspositions(id)) {
          expect(classifyAt(swapped).status, swapped).toBe('invalid');
        }
      }),
    );
  });

  it('normalises dirty renderings of a valid number to the same number, with notes', () => {
    fc.assert(
      fc.property(validResidentId.chain((id) => fc.tuple(fc.constant(id), dirtyVariant(id))), ([id, dirty]) => {
        const result = classifyAt(dirty);
        expect(result.status).toBe('valid');
        expect(result.normalized).toBe(id);
        if (dirty !== id) expect(result.reasons.length).toBeGreaterThan(0);
      }),
    );
  });

  it('gives every invalid result a reason with a message', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{17}[\dXx]$/), fc.stringMatching(/^\d{15}$/)), (input) => {
        const result = classifyAt(input);
        if (result.status === 'invalid') {
          expect(result.normalized).toBeNull();
          expect(result.reasons.length).toBeGreaterThan(0);
          expect(result.reasons.every((r) => /^[a-z0-9_]+$/.test(r.code) && r.message.length > 0)).toBe(true);
        } else {
          expect(result.normalized).toMatch(/^\d{17}[\dX]$/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('classifyResidentId: 15-digit numbers (GB 11643-1989)', () => {
  it('upgrades generated 15-digit numbers: 19 before the year, computed check, alias kept', () => {
    fc.assert(
      fc.property(validOldResidentId, (old) => {
        const upgraded = withCheck(`${old.slice(0, 6)}19${old.slice(6)}`);
        const result = classifyAt(old);
        expect(result).toMatchObject({ status: 'valid', normalized: upgraded, alias: old, subtype: 'citizen' });
        expect(result.reasons.map((r) => r.code)).toContain('upgraded_from_15_digits');
        expect(result.sex).toBe(Number(old[14]) % 2 === 1 ? 'male' : 'female');
        expect(classifyAt(upgraded).status).toBe('valid');
      }),
    );
  });

  it('rejects a 15-digit number whose date is impossible or whose province is unknown', () => {
    expect(reasonCodes('350102680230031')).toEqual(['birth_date_impossible']);
    expect(reasonCodes('350102000229031')).toEqual(['birth_date_impossible']); // 1900-02-29
    expect(classifyAt('350102960229031').status).toBe('valid'); // 1996-02-29
    expect(reasonCodes('990102680524031')).toEqual(['unknown_province']);
  });
});

describe('classifyResidentId: birth dates', () => {
  it('knows Gregorian leap years', () => {
    expect(classifyAt(withCheck('35010220000229018')).status).toBe('valid');
    expect(classifyAt(withCheck('35010220040229018')).status).toBe('valid');
    expect(reasonCodes(withCheck('35010219000229018'))).toEqual(['birth_date_impossible']);
    expect(reasonCodes(withCheck('35010220230229018'))).toEqual(['birth_date_impossible']);
    expect(reasonCodes(withCheck('35010219851301018'))).toEqual(['birth_date_impossible']);
    expect(reasonCodes(withCheck('35010219850431018'))).toEqual(['birth_date_impossible']);
    expect(reasonCodes(withCheck('35010219850100018'))).toEqual(['birth_date_impossible']);
  });

  it('rejects a birth date after the run date; the run date itself is allowed', () => {
    expect(classifyAt(withCheck('35010220240601001')).status).toBe('valid');
    expect(reasonCodes(withCheck('35010220240602001'))).toEqual(['birth_date_in_future']);
    expect(classifyAt(withCheck('35010220240602001'), '2024-06-02').status).toBe('valid');
  });

  it('reads a Date run date in China Standard Time (UTC+8)', () => {
    const id = withCheck('35010220240602001');
    expect(classifyAt(id, new Date('2024-06-01T15:59:59Z')).status).toBe('invalid');
    expect(classifyAt(id, new Date('2024-06-01T16:00:00Z')).status).toBe('valid');
  });

  it('accepts the example numbers of GB 11643-1999 appendix A, one born on 1880-01-01', () => {
    expect(classifyAt('11010519491231002X')).toMatchObject({ status: 'valid', sex: 'female' });
    // 440524 (潮阳县) was abolished in 1993: the standard's own example carries a code abolished since, still valid
    expect(classifyAt('440524188001010014')).toMatchObject({
      status: 'valid',
      normalized: '440524188001010014',
      birthDate: '1880-01-01',
      sex: 'male',
      reasons: [],
    });
  });

  it('rejects birth dates before 1880-01-01', () => {
    expect(classifyAt(withCheck('35010218800101001')).status).toBe('valid');
    expect(reasonCodes(withCheck('35010218791231001'))).toEqual(['birth_date_too_early']);
    expect(reasonCodes(withCheck('35010210850317001'))).toEqual(['birth_date_too_early']);
  });

  it('throws on a malformed run date (a programming error, not a data fault)', () => {
    expect(() => classifyAt('350102198503171237', '2024-02-30')).toThrow(RangeError);
    expect(() => classifyAt('350102198503171237', '01/06/2024')).toThrow(RangeError);
    expect(() => classifyAt('350102198503171237', new Date('nonsense'))).toThrow(RangeError);
  });
});

describe('classifyResidentId: address codes and subtypes', () => {
  it('rejects an unknown province code even with a right check character', () => {
    expect(reasonCodes(withCheck('00010219850317123'))).toEqual(['unknown_province']);
    expect(reasonCodes(withCheck('84000019850317123'))).toEqual(['unknown_province']);
    expect(reasonCodes(withCheck('83010119850317123'))).toEqual(['unknown_province']); // 83 is only for 830000 permits
  });

  it('recognises residence permits for Hong Kong, Macao and Taiwan residents', () => {
    expect(classifyAt('810000199907080216')).toMatchObject({ status: 'valid', subtype: 'hk_macao_residence_permit', regionCode: '810000' });
    expect(classifyAt(withCheck('82000019990708021'))).toMatchObject({ status: 'valid', subtype: 'hk_macao_residence_permit' });
    expect(classifyAt('83000020010405032X')).toMatchObject({ status: 'valid', subtype: 'taiwan_residence_permit', sex: 'female' });
  });

  it('recognises the 2023 foreigner permanent residence number', () => {
    expect(classifyAt('935410198806100048')).toMatchObject({
      status: 'valid',
      subtype: 'foreign_permanent_resident',
      birthDate: '1988-06-10',
      sex: 'female',
      regionCode: '350000',
    });
    expect(reasonCodes(withCheck('93500019880610004'))).toEqual(['invalid_nationality_code']);
    expect(reasonCodes(withCheck('99941019880610004'))).toEqual(['unknown_province']);
    expect(reasonCodes('935410198806100049')).toEqual(['check_character_mismatch']);
  });

  it('reports every failed rule, not just the first', () => {
    expect(reasonCodes(withCheck('00010219850230123').slice(0, 17) + '0')).toEqual(
      expect.arrayContaining(['unknown_province', 'birth_date_impossible']),
    );
  });
});

describe('classifyResidentId: shapes and notes', () => {
  it('notes a lower-case x specifically', () => {
    expect(classifyAt('35020319900228108x')).toMatchObject({
      status: 'valid',
      normalized: '35020319900228108X',
      reasons: [{ code: 'lowercase_x_normalised' }],
    });
  });

  it('names the wrong length, a misplaced X, letters and emptiness', () => {
    expect(reasonCodes('3501021985031712')).toEqual(['wrong_length']);
    expect(reasonCodes('35010219850317X237')).toEqual(['invalid_character']);
    expect(classifyAt('35010219850317X237').reasons[0]!.message).toMatch(/^the character at position 15 is not allowed/);
    expect(reasonCodes('35010268052403A')).toEqual(['invalid_character']);
    expect(reasonCodes('   ')).toEqual(['empty', 'whitespace_trimmed']);
    expect(reasonCodes('')).toEqual(['empty']);
  });

  it('keeps the input as given', () => {
    expect(classifyAt('  350102198503171237 ').input).toBe('  350102198503171237 ');
  });
});
