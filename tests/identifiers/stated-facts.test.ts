import fc from 'fast-check';
import { normalizeDate } from '../../src/normalize/index.ts';
import { describe, expect, it } from 'vitest';
import { checkStatedFacts, classify, classifyResidentId } from '../../src/identifiers/index.ts';
import { RUN_DATE, validCitizenId } from './arbitraries.ts';

const id = classifyResidentId('350102198503171237', { runDate: RUN_DATE }); // born 1985-03-17, male
const flags = (stated: { birthDate?: string; sex?: string }) => checkStatedFacts(id, stated).map((r) => r.code);

describe('checkStatedFacts', () => {
  it('accepts a stated birth date in every form sources use', () => {
    for (const birthDate of ['1985-03-17', '1985/3/17', '1985.3.17', '19850317', '1985年3月17日', ' 1985-3-17 ', '1985-03-17 00:00:00', '1985-03-17T08:00']) {
      expect(flags({ birthDate }), birthDate).toEqual([]);
    }
  });

  it('reads a stated birth date written as an Excel serial day number (1900 date system)', () => {
    expect(flags({ birthDate: '31123' })).toEqual([]); // 1899-12-30 + 31123 days = 1985-03-17
    expect(flags({ birthDate: '31123.75' })).toEqual([]); // a time of day does not change the date
    expect(flags({ birthDate: '31124' })).toEqual(['stated_birth_date_mismatch']);
    expect(flags({ birthDate: '31122' })).toEqual(['stated_birth_date_mismatch']); // one day either side
    expect(normalizeDate('31124')).toBe('1985-03-18'); // the reading the check uses
  });

  it('flags a stated birth date on another day', () => {
    for (const birthDate of ['1985-03-18', '1985/3/7', '19860317', '1985年4月17日']) {
      expect(flags({ birthDate }), birthDate).toEqual(['stated_birth_date_mismatch']);
    }
    // the flag names the rule, never the dates (they are personal data)
    const [flag] = checkStatedFacts(id, { birthDate: '1985-03-18' });
    expect(flag!.message).toMatch(/GB 11643-1999 §5\.3/);
    expect(flag!.message).not.toMatch(/1985|03-1[78]/);
  });

  it('accepts every spelling of the same sex and flags the other', () => {
    for (const sex of ['男', '男性', 'male', 'Male', 'M', 'm', '1', ' 男 ']) expect(flags({ sex }), sex).toEqual([]);
    for (const sex of ['女', '女性', 'female', 'F', 'f', '2']) expect(flags({ sex }), sex).toEqual(['stated_sex_mismatch']);
  });

  it('flags both at once', () => {
    expect(flags({ birthDate: '1990-01-01', sex: '女' })).toEqual(['stated_birth_date_mismatch', 'stated_sex_mismatch']);
  });

  it('says nothing about absent, empty or unreadable stated values', () => {
    for (const value of ['', '未知', '1985-02-30', '17/03/1985', '0', '9']) expect(flags({ birthDate: value, sex: value }), value).toEqual([]);
    expect(flags({})).toEqual([]);
  });

  it('compares nothing for values without derived facts', () => {
    const invalid = classifyResidentId('350102198503171238', { runDate: RUN_DATE });
    expect(checkStatedFacts(invalid, { birthDate: '2000-01-01', sex: '女' })).toEqual([]);
    const uscc = classify('91350100MA2Y8K3P3P', { runDate: RUN_DATE });
    expect(checkStatedFacts(uscc, { birthDate: '2000-01-01', sex: '女' })).toEqual([]);
  });

  it('uses the derived facts of a nonconforming number (a county code never issued)', () => {
    const old = classifyResidentId('110199850317123', { runDate: RUN_DATE });
    expect(old.status).toBe('nonconforming');
    expect(checkStatedFacts(old, { birthDate: '1985-03-17', sex: '女' }).map((r) => r.code)).toEqual(['stated_sex_mismatch']);
  });

  it('property: the facts read from a number never disagree with it', () => {
    fc.assert(
      fc.property(validCitizenId, (value) => {
        const result = classifyResidentId(value, { runDate: RUN_DATE });
        const compact = value.slice(6, 14);
        const sex = result.sex === 'male' ? '男' : '女';
        expect(checkStatedFacts(result, { birthDate: compact, sex })).toEqual([]);
        const other = result.sex === 'male' ? 'F' : 'M';
        expect(checkStatedFacts(result, { sex: other }).map((r) => r.code)).toEqual(['stated_sex_mismatch']);
      }),
    );
  });
});
