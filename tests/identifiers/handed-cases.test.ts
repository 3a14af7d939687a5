import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify, type IdentifierKind } from '../../src/identifiers/index.ts';
import { businessRegistrationNumberCheckDigit, organizationCodeCheckCharacter, residentIdCheckCharacter, usccCheckCharacter } from '../../src/identifiers/check-characters.ts';
import { RUN_DATE } from './arbitraries.ts';

interface HandedCase {
  input: string;
  kind: IdentifierKind;
  status: string;
  normalized: string;
  why: string;
}

/** /work/shared/cases/identifiers/handed.tsv, read at test time (it is maintained outside this repo). */
function readHandedCases(): HandedCase[] {
  const text = readFileSync(new URL('../../../shared/cases/identifiers/handed.tsv', import.meta.url), 'utf8');
  const [header, ...lines] = text.split(/\r?\n/).filter((line) => line !== '');
  expect(header).toBe('input\tkind\tstatus\tnormalized\twhy');
  return lines.map((line) => {
    const [input = '', kind = '', status = '', normalized = '', why = ''] = line.split('\t');
    return { input, kind: kind as IdentifierKind, status, normalized, why };
  });
}

const cases = readHandedCases();

describe('hand-made identifier cases (handed.tsv)', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(20));

  it.each(cases)('$kind $input → $status ($why)', ({ input, kind, status, normalized }) => {
    const result = classify(input, { kind, runDate: RUN_DATE });
    expect(result.kind).toBe(kind);
    expect(result.status).toBe(status);
    expect(result.normalized).toBe(normalized === '' ? null : normalized);
    if (status === 'invalid') {
      expect(result.reasons.length).toBeGreaterThan(0);
      expect(result.reasons[0]!.message).not.toBe('');
    }
  });

  it.each(cases.filter((c) => c.status === 'valid'))('without a kind, $input is still found as $kind', ({ input, kind, normalized }) => {
    const result = classify(input, { runDate: RUN_DATE });
    expect(result.kind).toBe(kind);
    expect(result.normalized).toBe(normalized);
  });

  it('the check-character messages name the position and the rule, never a character; the expected ones are computed apart', () => {
    const message = (input: string, kind: IdentifierKind) => classify(input, { kind, runDate: RUN_DATE }).reasons[0]!.message;
    expect(message('350102198503171238', 'resident_id')).toBe('check character (position 18) does not match the ISO 7064 MOD 11-2 check of positions 1-17');
    expect(message('91350100MA2Y8K3P3Q', 'uscc')).toBe('check character (position 18) does not match the GB 32100 mod-31 check of positions 1-17');
    expect(message('91350100MA2Y8K3P4T', 'uscc')).toBe('embedded organisation code (positions 9-17) fails its GB 11714 check: its check character (position 17) does not match positions 9-16');
    expect(message('MA2Y8K3P-4', 'org_code')).toBe('organisation code check character (position 9) does not match the GB 11714 check of positions 1-8');
    expect(message('350100100001238', 'business_reg_no')).toBe('check digit (position 15) does not match the ISO 7064 MOD 11,10 check of positions 1-14');
    expect(residentIdCheckCharacter('35010219850317123')).toBe('7');
    expect(usccCheckCharacter('91350100MA2Y8K3P3')).toBe('P');
    expect(organizationCodeCheckCharacter('MA2Y8K3P')).toBe('3');
    expect(businessRegistrationNumberCheckDigit('35010010000123')).toBe('7');
  });
});
