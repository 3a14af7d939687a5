/**
 * Index migration 15: the identifier classifiers' reason messages stored before they were
 * rewritten to name the rule and the positions only (src/identifiers: `birth date (positions
 * 7-14) is not a calendar date`, `check character (position 18) does not match …`) quoted the
 * value they judged (`birth date 1990-02-30 does not exist`, `15-digit … number 3501… upgraded to
 * 3501…`, `check character should be 7, found 8`, `'X' at position 15`, `address code 350102 …`).
 * This rewrites those messages in `source_record.flags` and `quarantined_row.reasons` (the
 * `quarantine` and `quarantine_history` views read the latter) to the new wording, so an old index
 * stops holding values in its run rows (ARCHITECTURE.md "Personal data stays in its place").
 *
 * The rewrite works on the JSON text with RE2 patterns anchored on the old wording, so only those
 * messages change. An old message does not always say which identifier form it judged: a birth
 * date failure of a 15-digit number and an 18-character one read alike, as do the resident id's and
 * the USCC's check-character mismatch (and the business registration number's and the 2017
 * foreigner number's check digit): such messages get a wording naming both positions or the check
 * in general, never a value.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** [old wording as an RE2 pattern over the JSON text, new wording (`\1` … back-references)], applied in order. */
export const OLD_REASON_WORDING: readonly (readonly [string, string])[] = [
  [String.raw`birth date YYMMDD [0-9]{6} \(positions 8-13\): birth date [0-9-]{10} does not exist`,
    'birth date (positions 8-13) is not a calendar date (YYMMDD read as 19YY and as 20YY)'],
  [String.raw`birth date YYMMDD [0-9]{6} \(positions 8-13\): birth date [0-9-]{10} is before ([0-9-]{10}), the earliest accepted`,
    String.raw`birth date (positions 8-13) is before \1, the earliest accepted (YYMMDD read as 19YY and as 20YY)`],
  [String.raw`birth date [0-9-]{10} does not exist`,
    'birth date (positions 7-14; 7-12 of a 15-digit number) is not a calendar date'],
  [String.raw`birth date [0-9-]{10} is after the run date ([0-9-]{10})`,
    String.raw`birth date (positions 7-14; 7-12 of a 15-digit number) is after the run date \1`],
  [String.raw`birth date [0-9-]{10} is before ([0-9-]{10}), the earliest accepted`,
    String.raw`birth date (positions 7-14; 7-12 of a 15-digit number) is before \1, the earliest accepted`],
  [String.raw`15-digit GB 11643-1989 number [0-9]{15} upgraded to [0-9X]{18} \(19 inserted before the year, check character computed\)`,
    '15-digit GB 11643-1989 number upgraded to its 18-character form: 19 inserted before the year, check character computed'],
  [String.raw`check character should be [0-9A-Z], found .{1,6}? \(ISO 7064 MOD 37,36 over type code, issuer code, serial and version\)`,
    'check character (last part) does not match the ISO 7064 MOD 37,36 check over type code, issuer code, serial and version'],
  [String.raw`organisation code check character should be [0-9X], found .{1,6}?"`,
    'organisation code check character (position 9) does not match the GB 11714 check of positions 1-8"'],
  [String.raw`embedded organisation code [0-9A-Z]{9} fails its GB 11714 check: its check character should be [0-9X]`,
    'embedded organisation code (positions 9-17) fails its GB 11714 check: its check character (position 17) does not match positions 9-16'],
  [String.raw`check digit should be [0-9], found .{1,6}?"`,
    'check digit (position 15) does not match the check of positions 1-14"'],
  [String.raw`check character should be [0-9A-Z], found .{1,6}?"`,
    'check character (position 18) does not match the check of positions 1-17"'],
  [String.raw`'.{1,6}?' at position ([0-9]+)`, String.raw`the character at position \1`],
  [String.raw`address code [0-9]{6} (does not start|is not among)`, String.raw`address code (positions 1-6) \1`],
  [String.raw`registering office (region )?code .{6} \(positions 3-8\)`, String.raw`registering office \1code (positions 3-8)`],
  [String.raw`issuing province code [0-9]{2} \(positions (2-3|4-5)\)`, String.raw`issuing province code (positions \1)`],
  [String.raw`nationality code \(positions 4-6\) [0-9]{3} cannot`, 'nationality code (positions 4-6) cannot'],
  [String.raw`nationality code [0-9A-Z]{3} \(positions (1-3|4-6)\)`, String.raw`nationality code (positions \1)`],
];

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The SQL expression rewriting every old wording in the JSON text of `column`. */
function rewritten(column: string): string {
  return OLD_REASON_WORDING.reduce(
    (expr, [pattern, wording]) => `regexp_replace(${expr}, ${sqlString(pattern)}, ${sqlString(wording)}, 'g')`,
    `CAST(${column} AS VARCHAR)`,
  );
}

/** Migration 14: rewrites the old value-quoting messages in source_record.flags and quarantined_row.reasons. */
export async function rewriteOldReasonWording(c: DuckDBConnection): Promise<void> {
  const any = sqlString(OLD_REASON_WORDING.map(([p]) => `(${p})`).join('|'));
  for (const [table, column] of [['source_record', 'flags'], ['quarantined_row', 'reasons']] as const) {
    await c.run(`UPDATE ${table} SET ${column} = CAST(${rewritten(column)} AS JSON) WHERE ${column} IS NOT NULL AND regexp_matches(CAST(${column} AS VARCHAR), ${any})`);
  }
}
