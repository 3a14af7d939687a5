/**
 * What a sample of rows says about each column, as counts and shares only: a profile holds no
 * value of the source (the delete-flag tokens it keeps are words of {@link FLAG_PAIRS}, kept only
 * when every value of the column is one of them).
 */
import type { SourceColumn } from '../../connectors/types.ts';
import { classify } from '../identifiers/classify.ts';
import type { IdentifierKind } from '../identifiers/types.ts';
import { normalizeTimestamp } from '../normalize/dates.ts';
import { normalizePhone } from '../normalize/phones.ts';

/** The identifier kinds a column is tested for. */
export const PROFILED_KINDS = ['resident_id', 'uscc', 'org_code', 'business_reg_no'] as const satisfies readonly IdentifierKind[];
export type ProfiledKind = (typeof PROFILED_KINDS)[number];

/**
 * Yes/no words a flag column holds, as `[yes, no]` pairs compared case-insensitively after trimming.
 * A delete flag's deleted value is its `yes` word, a valid flag's its `no` word.
 */
export const FLAG_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['1', '0'], ['y', 'n'], ['yes', 'no'], ['true', 'false'], ['t', 'f'], ['是', '否'], ['已删除', '未删除'], ['删除', '正常'], ['无效', '有效'],
];

/** The flag words a column holds, when every one of its values is a word of one {@link FLAG_PAIRS} pair. */
export interface FlagWords {
  pair: readonly [string, string];
  /** The yes and no words as the column writes them (their case), each at most once. */
  yes: string[];
  no: string[];
}

/** Counts and shares of one column over the sampled rows. */
export interface ColumnProfile {
  name: string;
  /** The source's own type name, where it has types. */
  type?: string;
  /** Position of the column in the source (0-based). */
  position: number;
  /** Rows sampled. */
  rows: number;
  /** Rows whose value is neither null nor blank. */
  nonEmpty: number;
  /** Distinct non-empty values (as written, trimmed). */
  distinct: number;
  /**
   * Share (0–1) of the non-empty values that are identifiers of each kind, valid or
   * nonconforming (src/identifiers/classify.ts, the kind forced), 0 when there is no value.
   */
  identifiers: Record<ProfiledKind, number>;
  /** Share of the non-empty values that are mobile (1[3-9] + 9 digits) or fixed-line numbers with an area code. */
  phones: number;
  /** Share of the non-empty values that are a date with a time of day (src/normalize/dates.ts grammar). */
  timestamps: number;
  /** Share of the non-empty values that are a date, with or without a time of day. */
  dates: number;
  /** Set when every non-empty value is a word of one flag pair (and there is at least one). */
  flags?: FlagWords;
}

/**
 * Profiles every column over the sampled rows.
 * @param columns the source's columns, in order.
 * @param rows sampled rows: column name → value (null for a missing or NULL value).
 * @param runDate `YYYY-MM-DD`, the date birth dates in resident identity numbers are checked against.
 */
export function profileColumns(columns: readonly SourceColumn[], rows: ReadonlyArray<Readonly<Record<string, string | null>>>, runDate: string): ColumnProfile[] {
  return columns.map((column, position) => profileColumn(column, position, rows.map((r) => r[column.name] ?? null), runDate));
}

function profileColumn(column: SourceColumn, position: number, values: ReadonlyArray<string | null>, runDate: string): ColumnProfile {
  const present = values.map((v) => (v ?? '').trim()).filter((v) => v !== '');
  const share = (test: (v: string) => boolean): number => (present.length === 0 ? 0 : present.filter(test).length / present.length);
  const identifiers = Object.fromEntries(PROFILED_KINDS.map((kind) => [kind, share((v) => v.length <= 40 && classify(v, { kind, runDate }).status !== 'invalid')])) as Record<ProfiledKind, number>;
  const distinctValues = new Set(present);
  return {
    name: column.name,
    ...(column.type === undefined ? {} : { type: column.type }),
    position,
    rows: values.length,
    nonEmpty: present.length,
    distinct: distinctValues.size,
    identifiers,
    phones: share((v) => /^(1\d{10}|0\d{2,3}-\d{7,8})$/.test(normalizePhone(v) ?? '')),
    timestamps: share((v) => (normalizeTimestamp(v)?.length ?? 0) > 10),
    dates: share((v) => normalizeTimestamp(v) !== null && !/^\d{5}(\.\d+)?$/.test(v)),
    ...flagWordsOf(distinctValues),
  };
}

/** The flag pair every distinct value belongs to, with the words as written; none for more than 4 distinct values. */
function flagWordsOf(distinct: ReadonlySet<string>): { flags?: FlagWords } {
  if (distinct.size === 0 || distinct.size > 4) return {};
  const values = [...distinct];
  const pair = FLAG_PAIRS.find(([yes, no]) => values.every((v) => v.toLowerCase() === yes || v.toLowerCase() === no));
  if (pair === undefined) return {};
  return { flags: { pair, yes: values.filter((v) => v.toLowerCase() === pair[0]), no: values.filter((v) => v.toLowerCase() === pair[1]) } };
}
