import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeDate, normalizeTimestamp } from '../../src/normalize/index.ts';
import { DATE_TIME_GROUPS, DATE_TIME_PATTERN } from '../../src/normalize/dates.ts';
import { calendarDate, DATE_WRITERS, excelSerial, junk, toFullWidth, writtenDate } from './arbitraries.ts';

const SEED = 20240301;
const pad2 = (n: number): string => String(n).padStart(2, '0');

describe('normalizeDate and normalizeTimestamp: accepted forms', () => {
  // [input, date, timestamp]
  const cases: [string, string, string][] = [
    ['2024-03-01', '2024-03-01', '2024-03-01'],
    ['2024-3-1', '2024-03-01', '2024-03-01'],
    ['2024/3/1', '2024-03-01', '2024-03-01'],
    ['2024/03/01', '2024-03-01', '2024-03-01'],
    ['2024.3.1', '2024-03-01', '2024-03-01'],
    ['20240301', '2024-03-01', '2024-03-01'],
    ['2024年3月1日', '2024-03-01', '2024-03-01'],
    ['2024年03月01日', '2024-03-01', '2024-03-01'],
    ['  2024-03-01\t', '2024-03-01', '2024-03-01'],
    ['\u30002024-03-01\u00a0', '2024-03-01', '2024-03-01'],
    ['２０２４－０３－０１', '2024-03-01', '2024-03-01'],
    ['２０２４年３月１日', '2024-03-01', '2024-03-01'],
    ['2024-03-01 12:30', '2024-03-01', '2024-03-01 12:30:00'],
    ['2024-03-01 12:30:45', '2024-03-01', '2024-03-01 12:30:45'],
    ['2024-03-01T12:30:45.123', '2024-03-01', '2024-03-01 12:30:45'],
    ['2024-03-01T12:30:45.999999', '2024-03-01', '2024-03-01 12:30:45'],
    ['2024-03-01T12:30:45Z', '2024-03-01', '2024-03-01 12:30:45'],
    ['2024-03-01T23:30:00+08:00', '2024-03-01', '2024-03-01 23:30:00'],
    ['2024-03-01T23:30:00-05:00', '2024-03-01', '2024-03-01 23:30:00'],
    ['2024-03-01 00:00:00+0800', '2024-03-01', '2024-03-01 00:00:00'],
    ['2024-03-01 9:05', '2024-03-01', '2024-03-01 09:05:00'],
    ['2024/3/1 23:59:59', '2024-03-01', '2024-03-01 23:59:59'],
    ['2024.3.1 0:00', '2024-03-01', '2024-03-01 00:00:00'],
    ['20240301 12:30:45', '2024-03-01', '2024-03-01 12:30:45'],
    ['2024年3月1日 12:30', '2024-03-01', '2024-03-01 12:30:00'],
    ['2024-03-01  12:30', '2024-03-01', '2024-03-01 12:30:00'],
    ['２０２４－０３－０１Ｔ１２：３０', '2024-03-01', '2024-03-01 12:30:00'],
    ['2024-02-29', '2024-02-29', '2024-02-29'],
    ['2000-02-29', '2000-02-29', '2000-02-29'],
    ['1000-01-01', '1000-01-01', '1000-01-01'],
    ['9999-12-31', '9999-12-31', '9999-12-31'],
    // Excel 1900 date system: 1899-12-30 + serial days
    ['45000', '2023-03-15', '2023-03-15'],
    ['10000', '1927-05-18', '1927-05-18'],
    ['99999', '2173-10-13', '2173-10-13'],
    ['31123', '1985-03-17', '1985-03-17'],
    ['45000.5', '2023-03-15', '2023-03-15 12:00:00'],
    ['45000.0', '2023-03-15', '2023-03-15 00:00:00'],
    ['45000.75', '2023-03-15', '2023-03-15 18:00:00'],
    ['45000.00015625', '2023-03-15', '2023-03-15 00:00:14'], // 13.5 s, rounded half up
    ['45000.99999421296', '2023-03-15', '2023-03-15 23:59:59'], // 86399.4999997 s
    ['45000.99999999', '2023-03-16', '2023-03-16 00:00:00'], // rounds to midnight: carries into the next day
    [' ４５０００ ', '2023-03-15', '2023-03-15'],
  ];
  for (const [input, date, timestamp] of cases) {
    it(`${JSON.stringify(input)} → ${date} / ${timestamp}`, () => {
      expect(normalizeDate(input)).toBe(date);
      expect(normalizeTimestamp(input)).toBe(timestamp);
    });
  }
});

describe('normalizeDate and normalizeTimestamp: rejections', () => {
  const rejected: [string, string][] = [
    ['2024-02-30', 'no 30 February'],
    ['2023-02-29', '2023 is not a leap year'],
    ['1900-02-29', 'centuries are leap years only when divisible by 400'],
    ['2100-02-29', 'centuries are leap years only when divisible by 400'],
    ['2024-04-31', 'April has 30 days'],
    ['2024-13-01', 'month 13'],
    ['2024-00-10', 'month 0'],
    ['2024-01-00', 'day 0'],
    ['20241301', 'compact month 13'],
    ['2024年13月1日', 'month 13'],
    ['2024', 'a bare year is not a date, nor an Excel serial'],
    ['202403', 'year and month only'],
    ['1234567', 'seven digits: not a serial'],
    ['123456', 'six digits: not a serial'],
    ['9999', 'four digits: not a serial'],
    ['01234', 'a serial has no leading zero'],
    ['45000.', 'a fraction needs digits'],
    ['-45000', 'negative serial'],
    ['0999-01-01', 'year before 1000'],
    ['10000-01-01', 'five-digit year'],
    ['', 'empty'],
    ['   ', 'whitespace only'],
    ['abc', 'junk'],
    ['2024-03-01 24:00', 'hour 24'],
    ['2024-03-01 12:60', 'minute 60'],
    ['2024-03-01 12:30:60', 'leap second'],
    ['2024-03-01 12', 'an hour without minutes'],
    ['2024-03-01 12:5', 'one-digit minutes'],
    ['2024-03-01T', 'T without a time'],
    ['2024-03-01Z', 'a zone without a time'],
    ['2024-03-01 12:30+25:00', 'zone offset beyond 23 hours'],
    ['2024-03/01', 'two different separators'],
    ['2024/3-1', 'two different separators'],
    ['2024--03-01', 'doubled separator'],
    ['01/03/2024', 'day first is ambiguous: not accepted'],
    ['2024-03-01x', 'trailing text'],
    ['2024-003-01', 'three-digit month'],
    ['2024 03 01', 'space as a date separator'],
    ['2024年3月1', 'no 日'],
  ];
  for (const [input, why] of rejected) {
    it(`${JSON.stringify(input)}: ${why}`, () => {
      expect(normalizeDate(input)).toBeNull();
      expect(normalizeTimestamp(input)).toBeNull();
    });
  }
});

describe('normalizeDate and normalizeTimestamp: properties', () => {
  it('the pattern has exactly one named group per capture group', () => {
    expect(new RegExp(`${DATE_TIME_PATTERN}|`, 'u').exec('')!.length - 1).toBe(DATE_TIME_GROUPS.length);
  });

  it('every real date, in every form, padded or in full width, reads back as itself', () => {
    fc.assert(
      fc.property(calendarDate(), fc.constantFrom(...DATE_WRITERS), fc.boolean(), ([y, m, d], write, fullWidth) => {
        const text = write([y, m, d]);
        const iso = `${y}-${pad2(m)}-${pad2(d)}`;
        expect(normalizeDate(fullWidth ? toFullWidth(text) : ` ${text} `)).toBe(iso);
      }),
      { numRuns: 1000, seed: SEED },
    );
  });

  it('the date is the date part of the timestamp, for anything', () => {
    fc.assert(
      fc.property(fc.oneof(writtenDate, excelSerial, junk), (text) => {
        const timestamp = normalizeTimestamp(text);
        expect(normalizeDate(text)).toBe(timestamp === null ? null : timestamp.slice(0, 10));
        if (timestamp !== null) expect(timestamp).toMatch(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/);
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('lexicographic order of timestamps is chronological order', () => {
    const instant = fc.integer({ min: Date.parse('1000-01-01') / 1000, max: Date.parse('9999-12-31T23:59:59Z') / 1000 }).map((s) => s * 1000);
    const written = (ms: number, form: number): string => {
      const iso = new Date(ms).toISOString();
      const [y, m, d] = [Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10))];
      const time = `${Number(iso.slice(11, 13))}:${iso.slice(14, 16)}:${iso.slice(17, 19)}`;
      return `${DATE_WRITERS[form % DATE_WRITERS.length]!([y, m, d])} ${time}`;
    };
    fc.assert(
      fc.property(instant, instant, fc.nat(), fc.nat(), (a, b, formA, formB) => {
        const [ta, tb] = [normalizeTimestamp(written(a, formA))!, normalizeTimestamp(written(b, formB))!];
        expect(ta < tb).toBe(a < b);
        expect(ta === tb).toBe(a === b);
      }),
      { numRuns: 1000, seed: SEED },
    );
  });

  it('an Excel serial is 1899-12-30 plus the serial in days, for every five-digit serial', () => {
    for (let serial = 10_000; serial <= 99_999; serial += 997) {
      expect(normalizeDate(String(serial))).toBe(new Date(Date.UTC(1899, 11, 30 + serial)).toISOString().slice(0, 10));
    }
  });
});
