/**
 * The normalisation rules as DuckDB SQL macros, for set-based bulk loading. The JS functions are
 * the authority; every macro is generated from the same patterns and character tables
 * (`characters.ts` renders them for RE2), and the differential test checks that each macro
 * returns exactly what its JS twin returns, for every VARCHAR (NULL in → NULL out).
 *
 * `v` must be a VARCHAR column or a cheap expression: a macro expands its argument at every use,
 * and the fast paths use it twice.
 */
import { FULLWIDTH_ASCII, sqlLet, sqlPattern, sqlRewrites, sqlTranslate } from './characters.ts';
import { DATE_TIME_GROUPS, DATE_TIME_PATTERN, EXCEL_EPOCH } from './dates.ts';
import { PERSON_NAME_KEY_REWRITES, PERSON_NAME_KEY_TABLE, PERSON_NAME_REWRITES, PLAIN_NAME_PATTERN } from './names.ts';
import { ORG_NAME_KEY_REWRITES, ORG_NAME_KEY_TABLE, ORG_NAME_KEY_WHITESPACE, ORG_NAME_REWRITES } from './org-names.ts';

// ---- dates ---------------------------------------------------------------------------------

/** Fast path: already `YYYY-MM-DD` (any real date of it is the answer, unchanged). */
const ISO_DATE = `'[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}'`;
/** Fast path of timestamps: already `YYYY-MM-DD HH:MM:SS` (the pattern checks the time, the cast the date). */
const ISO_DATE_TIME = `'[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}( ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])?'`;

/** The capture groups of `DATE_TIME_PATTERN` as a struct (all '' when it does not match), for the folded value. */
const dateTimeParts = (v: string): string =>
  `regexp_extract(${sqlTranslate(v, FULLWIDTH_ASCII)}, ${sqlPattern(DATE_TIME_PATTERN)}, [${DATE_TIME_GROUPS.map((g) => `'${g}'`).join(', ')}])`;

/** `oc_p.year-M-D` cast to DATE (NULL unless a real date), as `YYYY-MM-DD`. */
const CALENDAR_DATE = `CAST(try_cast(oc_p.year || '-' || oc_p.month || oc_p.compact_month || oc_p.han_month || '-' || oc_p.day || oc_p.compact_day || oc_p.han_day AS DATE) AS VARCHAR)`;
const TIME_OF_DAY = `lpad(oc_p.hour, 2, '0') || ':' || oc_p.minute || ':' || CASE WHEN oc_p.second = '' THEN '00' ELSE oc_p.second END`;
/** Excel serial + round(fraction × 86400) seconds (DuckDB's round of a positive double = JS Math.round). */
const SERIAL_SECONDS = `CASE WHEN oc_p.fraction = '' THEN 0 ELSE CAST(round(CAST('0.' || oc_p.fraction AS DOUBLE) * 86400) AS BIGINT) END`;
const SERIAL_INSTANT = `(TIMESTAMP '${EXCEL_EPOCH} 00:00:00' + to_seconds(CAST(oc_p.serial AS BIGINT) * 86400 + ${SERIAL_SECONDS}))`;
const SERIAL_DATE = `strftime(${SERIAL_INSTANT}, '%Y-%m-%d')`;
const SERIAL_TIMESTAMP = `CASE WHEN oc_p.fraction = '' THEN ${SERIAL_DATE} ELSE strftime(${SERIAL_INSTANT}, '%Y-%m-%d %H:%M:%S') END`;

/** The general path: the regular expression runs once per row, its struct bound to `oc_p`. */
const withDateTimeParts = (v: string, body: string): string => sqlLet('oc_p', dateTimeParts(v), body);
const IS_CALENDAR_FORM = `oc_p.year <> '' AND oc_p.sep1 = oc_p.sep2`;

// ---- names ---------------------------------------------------------------------------------

const personName = (v: string): string =>
  `CASE WHEN regexp_full_match(${v}, ${sqlPattern(PLAIN_NAME_PATTERN)}) THEN ${v} ` +
  `ELSE nullif(trim(${sqlRewrites(v, PERSON_NAME_REWRITES)}), '') END`; // one-argument trim: U+0020 only, as trimSpaces

/**
 * `oc_date(v)`: `normalizeDate` — `YYYY-MM-DD` or NULL.
 * `oc_timestamp(v)`: `normalizeTimestamp` — `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or NULL.
 * `oc_person_name(v)`, `oc_person_name_key(v)`: `normalizePersonName`, `personNameKey`.
 * `oc_org_name(v)`, `oc_org_name_key(v)`: `normalizeOrgName`, `orgNameKey`.
 *
 * Already-canonical values take a cheap first branch: one anchored RE2 match, plus for dates a
 * `try_cast(… AS DATE)` (real Gregorian dates; DuckDB's calendar is proleptic Gregorian like
 * the JS rule), so 10^6 ISO dates cost one regex and one cast each. Everything else goes through
 * the general path, which mirrors the JS step by step.
 */
export const NORMALIZE_SQL_MACROS: string = `
CREATE OR REPLACE MACRO oc_date(v) AS
  CASE WHEN regexp_full_match(v, ${ISO_DATE}) THEN
    CASE WHEN try_cast(v AS DATE) IS NOT NULL THEN v END
  ELSE ${withDateTimeParts('v', `CASE WHEN oc_p.serial <> '' THEN ${SERIAL_DATE} WHEN ${IS_CALENDAR_FORM} THEN ${CALENDAR_DATE} END`)}
  END;

CREATE OR REPLACE MACRO oc_timestamp(v) AS
  CASE WHEN regexp_full_match(v, ${ISO_DATE_TIME}) THEN
    CASE WHEN try_cast(left(v, 10) AS DATE) IS NOT NULL THEN v END
  ELSE ${withDateTimeParts(
    'v',
    `CASE WHEN oc_p.serial <> '' THEN ${SERIAL_TIMESTAMP} ` +
      `WHEN ${IS_CALENDAR_FORM} THEN ${CALENDAR_DATE} || CASE WHEN oc_p.hour = '' THEN '' ELSE ' ' || ${TIME_OF_DAY} END END`,
  )}
  END;

CREATE OR REPLACE MACRO oc_person_name(v) AS
  ${personName('v')};

CREATE OR REPLACE MACRO oc_person_name_key(v) AS
  nullif(${sqlRewrites(sqlTranslate(personName('v'), PERSON_NAME_KEY_TABLE), PERSON_NAME_KEY_REWRITES)}, '');

CREATE OR REPLACE MACRO oc_org_name(v) AS
  nullif(trim(${sqlRewrites('v', ORG_NAME_REWRITES)}), '');

CREATE OR REPLACE MACRO oc_org_name_key(v) AS
  nullif(${sqlRewrites(sqlTranslate(sqlRewrites('v', ORG_NAME_KEY_WHITESPACE), ORG_NAME_KEY_TABLE), ORG_NAME_KEY_REWRITES)}, '');
`;
