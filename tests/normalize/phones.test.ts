import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePhone } from '../../src/normalize/index.ts';
import { writtenPhone } from './arbitraries.ts';

describe('normalizePhone', () => {
  // [written, stored form] — mobile: 11 digits; fixed line: area code with trunk prefix, '-', subscriber number
  const cases: [string, string | null][] = [
    ['13812345678', '13812345678'],
    ['138 1234 5678', '13812345678'],
    ['138-1234-5678', '13812345678'],
    ['+86 138 1234 5678', '13812345678'],
    ['+86-13812345678', '13812345678'],
    ['(+86)13812345678', '13812345678'],
    ['008613812345678', '13812345678'],
    ['8613812345678', '13812345678'],
    ['１３８１２３４５６７８', '13812345678'],
    ['１３８\u3000１２３４\u3000５６７８', '13812345678'],
    ['0591-87654321', '0591-87654321'],
    ['059187654321', '0591-87654321'],
    ['(0591)87654321', '0591-87654321'],
    ['（0591）8765 4321', '0591-87654321'],
    ['０５９１－８７６５４３２１', '0591-87654321'],
    ['010-12345678', '010-12345678'], // Beijing: a two-digit area code
    ['021 2345 6789', '021-23456789'], // Shanghai
    ['0591-8765432', '0591-8765432'], // a 7-digit subscriber number
    ['+86 591 87654321', '0591-87654321'], // international form: no trunk prefix
    ['+86 (0)591 87654321', '0591-87654321'],
    ['0086 10 12345678', '010-12345678'],
    ['12345', '12345'], // government service hotline
    ['95566', '95566'],
    ['87654321', '87654321'], // local number, no area code
    ['', null],
    ['  ', null],
    ['1381234567', null], // 10 digits
    ['138123456789', null], // 12 digits
    ['12812345678', null], // 12x is no mobile prefix
    ['0591-87654321-8001', null], // an extension
    ['0591-87654321转8001', null],
    ['0123456', null], // trunk prefix without an area code
    ['1234', null],
    ['tel 13812345678', null],
    ['13812345678;13912345678', null], // two numbers
  ];
  for (const [written, stored] of cases) {
    it(`${JSON.stringify(written)} → ${JSON.stringify(stored)}`, () => expect(normalizePhone(written)).toBe(stored));
  }

  it('is idempotent: a stored form is its own stored form', () => {
    fc.assert(fc.property(writtenPhone, (written) => {
      const stored = normalizePhone(written);
      return stored === null || normalizePhone(stored) === stored;
    }), { seed: 20261202, numRuns: 2000 });
  });

  it('keeps the digits: a readable number keeps the last 7 digits it was written with', () => {
    fc.assert(fc.property(writtenPhone, (written) => {
      const stored = normalizePhone(written);
      const digits = written.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/\D/g, '');
      return stored === null || stored.replace(/\D/g, '').slice(-7) === digits.slice(-7);
    }), { seed: 20261202, numRuns: 2000 });
  });
});
