import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify, type IdentifierKind } from '../../src/identifiers/index.ts';
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

  it('the check-character messages name the right character', () => {
    const message = (input: string, kind: IdentifierKind) => classify(input, { kind, runDate: RUN_DATE }).reasons[0]!.message;
    expect(message('350102198503171238', 'resident_id')).toMatch(/check character should be 7/);
    expect(message('91350100MA2Y8K3P3Q', 'uscc')).toMatch(/check character should be P/);
    expect(message('91350100MA2Y8K3P4T', 'uscc')).toMatch(/should be 3/);
    expect(message('MA2Y8K3P-4', 'org_code')).toMatch(/check character should be 3/);
    expect(message('350100100001238', 'business_reg_no')).toMatch(/check digit should be 7/);
  });
});
