import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeDate, normalizeTimestamp } from '../../src/normalize/index.ts';
import { DATE_TIME_GROUPS, DATE_TIME_PATTERN } from '../../src/normalize/dates.ts';
import {
  calendarDate,
  compactOrChineseDateTime,
  DATE_WRITERS,
  excelSerial,
  junk,
  toFullWidth,
  writtenDate,
  zonedTimestamp,
} from './arbitraries.ts';

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
    ['2024-03-01T23:30:00+08:00', '2024-03-01', '2024-03-01 23:30:00'], // a zone of UTC+8: no shift
    ['2024-03-01 00:00:00+0800', '2024-03-01', '2024-03-01 00:00:00'],
    ['2024-03-01 00:00:00+08', '2024-03-01', '2024-03-01 00:00:00'],
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
    // compact 12- and 14-digit forms
    ['20240301083000', '2024-03-01', '2024-03-01 08:30:00'],
    ['202403010830', '2024-03-01', '2024-03-01 08:30:00'],
    ['20240229235959', '2024-02-29', '2024-02-29 23:59:59'],
    ['20240301000000', '2024-03-01', '2024-03-01 00:00:00'],
    [' ２０２４０３０１０８３０００ ', '2024-03-01', '2024-03-01 08:30:00'],
    // Chinese forms
    ['2024年03月01日 08时30分', '2024-03-01', '2024-03-01 08:30:00'],
    ['2024年3月1日 8时30分15秒', '2024-03-01', '2024-03-01 08:30:15'],
    ['2024年3月1日8点30分', '2024-03-01', '2024-03-01 08:30:00'],
    ['2024年3月1日8时5分', '2024-03-01', '2024-03-01 08:05:00'],
    ['2024年3月1日\u300023时59分59秒', '2024-03-01', '2024-03-01 23:59:59'],
    ['２０２４年３月１日　８时３０分', '2024-03-01', '2024-03-01 08:30:00'],
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
    // compact forms: 12 or 14 digits exactly, valid times only, never a date plus junk
    ['20240301253000', 'hour 25'],
    ['202403012400', 'hour 24'],
    ['20240301086000', 'minute 60'],
    ['20240301083060', 'second 60'],
    ['20240230083000', 'no 30 February'],
    ['2024030108', 'ten digits: an hour without minutes'],
    ['20240301083', 'eleven digits'],
    ['2024030108300', 'thirteen digits'],
    ['202403010830001', 'fifteen digits'],
    ['20240301T083000', 'ISO 8601 basic format with T: not accepted'],
    ['2024-03-010830', 'a compact time after a separated date'],
    ['2024年3月1日0830', 'a compact time after a Chinese date'],
    // Chinese forms
    ['2024年3月1日 25时00分', 'hour 25'],
    ['2024年3月1日 24时00分', 'hour 24'],
    ['2024年3月1日 8时60分', 'minute 60'],
    ['2024年3月1日 8时30分60秒', 'second 60'],
    ['2024年3月1日 8时', 'an hour without minutes'],
    ['2024年3月1日 8时30', 'no 分'],
    ['2024年3月1日 8时30分15', 'no 秒'],
    ['2024年3月1日 008时30分', 'three-digit hour'],
    ['2024-03-01 8时30分', 'a Chinese time after a separated date'],
    ['20240301 8时30分', 'a Chinese time after a compact date'],
    ['2024年2月30日 8时30分', 'no 30 February'],
  ];
  for (const [input, why] of rejected) {
    it(`${JSON.stringify(input)}: ${why}`, () => {
      expect(normalizeDate(input)).toBeNull();
      expect(normalizeTimestamp(input)).toBeNull();
    });
  }
});

describe('normalizeTimestamp: a written zone is converted to China Standard Time (UTC+8)', () => {
  // [input, timestamp]; the date (normalizeDate) is the day as written: the first 10 characters here
  const cases: [string, string | null][] = [
    ['2024-03-01T00:30:00Z', '2024-03-01 08:30:00'],
    ['2024-03-01T12:30:45Z', '2024-03-01 20:30:45'],
    ['2024-03-01 12:30:45Z', '2024-03-01 20:30:45'],
    ['2024-03-01T23:30:00Z', '2024-03-02 07:30:00'],
    ['2024-02-28T20:00:00-05:00', '2024-02-29 09:00:00'], // leap year
    ['2023-02-28T20:00:00-05:00', '2023-03-01 09:00:00'],
    ['2100-02-28T16:00:00Z', '2100-03-01 00:00:00'], // 2100 is not a leap year
    ['2000-02-28T16:00:00Z', '2000-02-29 00:00:00'], // 2000 is
    ['2024-12-31T16:00:00Z', '2025-01-01 00:00:00'],
    ['2024-01-01T07:59:59+0000', '2024-01-01 15:59:59'],
    ['2024-03-01T08:00:00+14:00', '2024-03-01 02:00:00'],
    ['2024-03-01T01:00:00+09:00', '2024-03-01 00:00:00'],
    ['2024-03-01T00:59:59+09:00', '2024-02-29 23:59:59'], // rolls back into a leap day
    ['2024-03-01T12:30:45.999-0530', '2024-03-02 02:00:45'], // the fraction is dropped
    ['2024-03-01T12:30-05', '2024-03-02 01:30:00'],
    ['2024-03-01T23:30:00+08:00', '2024-03-01 23:30:00'],
    ['9999-12-31T15:59:59Z', '9999-12-31 23:59:59'],
    ['9999-12-31T16:00:00Z', null], // year 10000 in UTC+8
    ['1000-01-01T00:00:00+08:00', '1000-01-01 00:00:00'],
    ['1000-01-01T00:00:00+08:01', null], // year 999 in UTC+8
  ];
  for (const [input, timestamp] of cases) {
    it(`${JSON.stringify(input)} → ${timestamp}, date ${input.slice(0, 10)}`, () => {
      expect(normalizeTimestamp(input)).toBe(timestamp);
      expect(normalizeDate(input)).toBe(input.slice(0, 10));
    });
  }

  it('reads a full-width zone too', () => {
    expect(normalizeTimestamp('２０２４－０３－０１Ｔ２３：３０：００Ｚ')).toBe('2024-03-02 07:30:00');
    expect(normalizeDate('２０２４－０３－０１Ｔ２３：３０：００Ｚ')).toBe('2024-03-01');
  });

  it('takes values without a zone as China time, as written', () => {
    expect(normalizeTimestamp('2024-03-01T23:30:00')).toBe('2024-03-01 23:30:00');
    expect(normalizeTimestamp('2024-03-01 23:30:00')).toBe('2024-03-01 23:30:00');
  });
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

  it('the date is the date part of the timestamp when no zone is written, for anything', () => {
    fc.assert(
      fc.property(fc.oneof(writtenDate, excelSerial, compactOrChineseDateTime, junk), (text) => {
        const timestamp = normalizeTimestamp(text);
        if (timestamp !== null) expect(timestamp).toMatch(/^[1-9]\d{3}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/);
        if (/[0-9０-９][ZＺ]|[+\-＋－][0-9０-９]{2}(?:[:：]?[0-9０-９]{2})?[\s\u200b\ufeff]*$/u.test(text)) return; // a zone may shift the day
        expect(normalizeDate(text)).toBe(timestamp === null ? null : timestamp.slice(0, 10));
      }),
      { numRuns: 3000, seed: SEED },
    );
  });

  it('a zoned timestamp is the same instant in UTC+8, and its date is the day as written', () => {
    fc.assert(
      fc.property(zonedTimestamp, (text) => {
        const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(Z|([+-])(\d{2}):?(\d{2})?)$/.exec(text);
        const [, date, time, zone, sign, hours, minutes] = match ?? [];
        if (match === null || Number(hours ?? 0) > 23 || Number(minutes ?? 0) > 59 || normalizeDate(text) === null) {
          expect(normalizeTimestamp(text)).toBeNull();
          return;
        }
        const offsetMinutes = zone === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes ?? 0));
        const instant = Date.parse(`${date}T${time}Z`) - offsetMinutes * 60_000;
        const china = new Date(instant + 8 * 3_600_000).toISOString();
        const year = Number(china.slice(0, 4));
        const expected = china.startsWith('+') || year < 1000 ? null : `${china.slice(0, 10)} ${china.slice(11, 19)}`;
        expect(normalizeTimestamp(text)).toBe(expected);
        expect(normalizeDate(text)).toBe(date);
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('compact and Chinese times read the same as the clock form of the same date and time', () => {
    fc.assert(
      fc.property(calendarDate(), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), ([y, m, d], h, mi, s) => {
        const iso = `${y}-${pad2(m)}-${pad2(d)} ${pad2(h)}:${pad2(mi)}:${pad2(s)}`;
        expect(normalizeTimestamp(`${y}${pad2(m)}${pad2(d)}${pad2(h)}${pad2(mi)}${pad2(s)}`)).toBe(iso);
        expect(normalizeTimestamp(`${y}年${m}月${d}日${h}时${mi}分${s}秒`)).toBe(iso);
        expect(normalizeTimestamp(`${y}年${pad2(m)}月${pad2(d)}日 ${pad2(h)}点${pad2(mi)}分${pad2(s)}秒`)).toBe(iso);
        expect(normalizeTimestamp(`${y}${pad2(m)}${pad2(d)}${pad2(h)}${pad2(mi)}`)).toBe(`${iso.slice(0, 17)}00`);
      }),
      { numRuns: 1000, seed: SEED },
    );
  });

  it('lexicographic order of timestamps is chronological order, whatever zone each is written in', () => {
    const instant = fc.integer({ min: Date.parse('1000-01-02') / 1000, max: Date.parse('9999-12-30T23:59:59Z') / 1000 }).map((s) => s * 1000);
    const zones = [['Z', 0], ['+08:00', 480], ['-05:00', -300], ['+0530', 330], ['-09', -540]] as const;
    const written = (ms: number, zone: number): string => {
      const [designator, minutes] = zones[zone % zones.length]!;
      return `${new Date(ms + minutes * 60_000).toISOString().slice(0, 19)}${designator}`;
    };
    fc.assert(
      fc.property(instant, instant, fc.nat(), fc.nat(), (a, b, zoneA, zoneB) => {
        const [ta, tb] = [normalizeTimestamp(written(a, zoneA))!, normalizeTimestamp(written(b, zoneB))!];
        expect(ta < tb).toBe(a < b);
        expect(ta === tb).toBe(a === b);
        // China time written without a zone reads the same as the instant with one
        expect(normalizeTimestamp(new Date(a + 8 * 3_600_000).toISOString().slice(0, 19))).toBe(ta);
      }),
      { numRuns: 1000, seed: SEED },
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
