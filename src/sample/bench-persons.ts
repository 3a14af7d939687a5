/**
 * A large person CSV for benchmarks, written in big buffered chunks: the accounting registry's
 * columns, UTF-8 without BOM, LF, distinct valid identity numbers except about 2% dirty ones.
 */
import { open } from 'node:fs/promises';
import { residentIdCheckCharacter } from '../identifiers/check-characters.ts';
import { ACCOUNTING_STAFF_LAYOUT } from './exports/accounting-staff.ts';
import { compactDate, dateTime, dayNumber, isoDate } from './dates.ts';
import { RESIDENT_ID_INJECTION_KINDS, dirtyIdentifier, identifierKindApplies, type IdentifierInjectionKind } from './dirty-values.ts';
import { csvRecord } from './csv-writer.ts';
import { GIVEN_NAME_CHARACTERS, SURNAMES } from './names.ts';
import { generateOrganisations } from './organisations.ts';
import { BIRTH_DATE_RANGE, MOBILE_PREFIXES } from './people.ts';
import { createPrng } from './prng.ts';
import { fujianCounties } from './regions.ts';

/** Share of rows whose identity number is dirty (one kind each, uniformly among the kinds). */
export const BENCHMARK_DIRTY_ID_RATE = 0.02;

/** What {@link writePersonBenchmarkCsv} wrote. */
export interface PersonBenchmarkSummary {
  path: string;
  /** Data rows, header excluded. */
  rows: number;
  bytes: number;
  /** Rows with a dirty identity number, per kind. A kind that does not apply to the row's number (lower case on a number without X, 15-digit form for someone born in 2000 or later) falls back to `surroundingSpaces`. */
  dirty: Record<IdentifierInjectionKind, number>;
}

/** Bytes per write: rows are encoded straight into a buffer of this size, flushed when full. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Room kept free for the next row before a flush. */
const MAX_ROW_BYTES = 1024;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Writes `rows` synthetic accountants to `path` with the header of `accounting-staff.gbk.csv`
 * (身份证号,姓名,性别,出生日期,手机号,工作单位,单位统一社会信用代码,从业资格,更新时间) in UTF-8.
 *
 * Identity numbers are distinct: row i takes point `(start + i × stride) mod N` of the space
 * county × birth day × sequence code (N ≈ 1.8 × 10^9), with the stride coprime to N. About
 * {@link BENCHMARK_DIRTY_ID_RATE} of rows get one identifier injection. Deterministic in
 * `seed`; 更新时间 dates are before 2026-01-01.
 * @param rows number of data rows, at most N.
 * @param seed seed of the random stream; default 1.
 */
export async function writePersonBenchmarkCsv(path: string, rows: number, seed = 1): Promise<PersonBenchmarkSummary> {
  const rng = createPrng(seed).fork('bench-persons');
  const counties = fujianCounties();
  const firstDay = dayNumber(BIRTH_DATE_RANGE.from);
  const days = dayNumber(BIRTH_DATE_RANGE.to) - firstDay + 1;
  const birthCompact = Array.from({ length: days }, (_, d) => compactDate(firstDay + d));
  const birthIso = Array.from({ length: days }, (_, d) => isoDate(firstDay + d));
  const space = counties.length * days * 999;
  if (!Number.isSafeInteger(rows) || rows < 0 || rows > space) throw new RangeError(`rows must be an integer from 0 to ${space}`);

  let stride = Math.floor(space / 3) + rng.below(Math.floor(space / 3));
  while (gcd(stride, space) !== 1) stride++;
  let point = rng.below(space);

  const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
  const employers = generateOrganisations(rng.fork('employers'), { count: 1000, counties }).map((o) => utf8(`,${o.name},${o.uscc},`));
  const qualifications = ['初级会计专业技术资格', '初级会计专业技术资格', '中级会计专业技术资格', '高级会计师', '注册会计师', '无'].map(utf8);
  const runDay = dayNumber('2026-01-01');
  const stamps = Array.from({ length: 4096 }, () => utf8(`,${dateTime(runDay - rng.between(1, 730), rng.between(8 * 3600, 19 * 3600 - 1))}\n`));
  const surnames = SURNAMES.map((c) => utf8(`,${c}`));
  const given = GIVEN_NAME_CHARACTERS.map(utf8);
  const birthWithSex = [0, 1].map((odd) => birthIso.map((d) => utf8(`${odd ? ',男,' : ',女,'}${d},`)));
  const sequences = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
  const mobilePrefixes = MOBILE_PREFIXES.map(utf8);
  const dirty = Object.fromEntries(RESIDENT_ID_INJECTION_KINDS.map((k) => [k, 0])) as Record<IdentifierInjectionKind, number>;

  const file = await open(path, 'w');
  const out = Buffer.allocUnsafe(CHUNK_BYTES);
  let offset = 0;
  let bytes = 0;
  // A byte loop beats Buffer#copy for pieces this small.
  const put = (piece: Buffer): void => {
    for (let k = 0; k < piece.length; k++) out[offset + k] = piece[k]!;
    offset += piece.length;
  };
  const flush = async (): Promise<void> => {
    await file.write(out, 0, offset);
    bytes += offset;
    offset = 0;
  };
  try {
    offset += out.write(csvRecord(ACCOUNTING_STAFF_LAYOUT.columns, 'LF'), offset, 'utf8');
    for (let i = 0; i < rows; i++) {
      const sequence = (point % 999) + 1;
      const rest = Math.floor(point / 999);
      const day = rest % days;
      const county = counties[Math.floor(rest / days)]!;
      point = (point + stride) % space;

      const body = county.code + birthCompact[day]! + sequences[sequence]!;
      let id = body + residentIdCheckCharacter(body);
      if (rng.next() < BENCHMARK_DIRTY_ID_RATE) {
        let kind = rng.pick(RESIDENT_ID_INJECTION_KINDS);
        if (!identifierKindApplies(kind, id, 'residentId')) kind = 'surroundingSpaces';
        id = dirtyIdentifier(rng, kind, id, 'residentId').value;
        dirty[kind]++;
        offset += out.write(id, offset, 'utf8');
      } else {
        offset += out.write(id, offset, 'latin1');
      }
      put(surnames[rng.below(surnames.length)]!);
      put(given[rng.below(given.length)]!);
      if (rng.next() < 0.7) put(given[rng.below(given.length)]!);
      put(birthWithSex[sequence % 2]![day]!);
      put(mobilePrefixes[rng.below(mobilePrefixes.length)]!);
      // Eight more digits of the mobile number, written as ASCII bytes.
      let digits = rng.below(100_000_000);
      for (let k = 7; k >= 0; k--) {
        out[offset + k] = 48 + (digits % 10);
        digits = Math.floor(digits / 10);
      }
      offset += 8;
      put(employers[rng.below(employers.length)]!);
      put(qualifications[rng.below(qualifications.length)]!);
      put(stamps[rng.below(stamps.length)]!);
      if (offset > CHUNK_BYTES - MAX_ROW_BYTES) await flush();
    }
    await flush();
  } finally {
    await file.close();
  }
  return { path, rows, bytes, dirty };
}
