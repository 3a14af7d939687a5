/**
 * The normalisation rules as DuckDB SQL macros, for set-based bulk loading. The JS functions are
 * the authority; every macro is generated from the same patterns and character tables
 * (`characters.ts` renders them for RE2), and the differential test checks that each macro
 * returns exactly what its JS twin returns, for every VARCHAR (NULL in → NULL out).
 *
 * `v` must be a VARCHAR column or a cheap expression: a macro expands its argument at every use,
 * and the fast paths use it several times.
 */
import { FULLWIDTH_ASCII, sqlLet, sqlPattern, sqlRewrites, sqlTranslate } from './characters.ts';
import { CST_OFFSET_SECONDS, DATE_TIME_GROUPS, DATE_TIME_PATTERN, EXCEL_EPOCH } from './dates.ts';
import { PERSON_NAME_KEY_REWRITES, PERSON_NAME_KEY_TABLE, PERSON_NAME_REWRITES, PLAIN_NAME_PATTERN } from './names.ts';
import { PHONE_FIXED, PHONE_FIXED_INTERNATIONAL, PHONE_LOCAL, PHONE_MOBILE, PHONE_SEPARATOR } from './phones.ts';
import { ORG_NAME_KEY_REWRITES, ORG_NAME_KEY_TABLE, ORG_NAME_KEY_WHITESPACE, ORG_NAME_REWRITES } from './org-names.ts';

// ---- dates ---------------------------------------------------------------------------------

/** Fast path: already `YYYY-MM-DD` (any real date of it is the answer, unchanged). */
const ISO_DATE = `'[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}'`;
/** Fast path of timestamps: already `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS` (the pattern checks the time, the cast the date). */
const ISO_DATE_TIME = `'[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}( ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])?'`;
/**
 * Second fast path of timestamps, the ISO 8601 date-time of databases and APIs:
 * `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD HH:MM:SS`, optionally `.fff`, optionally `Z` or
 * `±HH:MM`; a subset of the general grammar whose parts sit at fixed positions. Tried only when
 * the 11th character is `T` or a space (a cheap test that spares other values the regex).
 */
const ISO_TIMESTAMP = `'[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?'`;
/** A value of ISO_TIMESTAMP as written, without fraction and zone. */
const ISO_WALL_CLOCK = `left(v, 10) || ' ' || substr(v, 12, 8)`;
/** A value of ISO_TIMESTAMP with a zone other than `+08:00` (China Standard Time already: no shift). */
const ISO_HAS_ZONE = `(right(v, 1) = 'Z' OR (left(right(v, 6), 1) IN ('+', '-') AND right(v, 6) <> '+08:00'))`;
const ISO_OFFSET =
  `CASE WHEN right(v, 1) = 'Z' THEN 0 ELSE CASE left(right(v, 6), 1) WHEN '-' THEN -1 ELSE 1 END * ` +
  `(CAST(left(right(v, 5), 2) AS INTEGER) * 3600 + CAST(right(v, 2) AS INTEGER) * 60) END`;

/** The capture groups of `DATE_TIME_PATTERN` as a struct (all '' when it does not match), for the folded value. */
const dateTimeParts = (v: string): string =>
  `regexp_extract(${sqlTranslate(v, FULLWIDTH_ASCII)}, ${sqlPattern(DATE_TIME_PATTERN)}, [${DATE_TIME_GROUPS.map((g) => `'${g}'`).join(', ')}])`;

/** `oc_p.year-M-D` cast to DATE (NULL unless a real date), as `YYYY-MM-DD`. */
const CALENDAR_DATE = `CAST(try_cast(oc_p.year || '-' || oc_p.month || oc_p.compact_month || oc_p.han_month || '-' || oc_p.day || oc_p.compact_day || oc_p.han_day AS DATE) AS VARCHAR)`;
/** `HH:MM:SS` of whichever time form matched (a branch each: a row evaluates only its own form's parts). */
const TIME_OF_DAY =
  `CASE WHEN oc_p.hour <> '' THEN concat(lpad(oc_p.hour, 2, '0'), ':', oc_p.minute, ':', lpad(oc_p.second, 2, '0')) ` +
  `WHEN oc_p.compact_time <> '' THEN concat(left(oc_p.compact_time, 2), ':', substr(oc_p.compact_time, 3, 2), ':', lpad(substr(oc_p.compact_time, 5, 2), 2, '0')) ` +
  `ELSE concat(lpad(oc_p.han_hour, 2, '0'), ':', lpad(oc_p.han_minute, 2, '0'), ':', lpad(oc_p.han_second, 2, '0')) END`;
const HAS_TIME = `concat(oc_p.hour, oc_p.han_hour, oc_p.compact_time) <> ''`;
/** Seconds east of UTC of the zone designator `zone` (`Z`, `±HH`, `±HHMM`, `±HH:MM`; twin of `zoneOffset`). */
const zoneOffset = (zone: string): string =>
  `CASE WHEN ${zone} = 'Z' THEN 0 ELSE CASE left(${zone}, 1) WHEN '-' THEN -1 ELSE 1 END * ` +
  `(CAST(substr(${zone}, 2, 2) AS INTEGER) * 3600 + CASE WHEN length(${zone}) > 3 THEN CAST(right(${zone}, 2) AS INTEGER) * 60 ELSE 0 END) END`;
/**
 * SQL twin of `toChinaStandardTime`: the TIMESTAMP `wallClock`, read in a zone `offset` seconds
 * east of UTC, as the China Standard Time (UTC+8) wall clock `YYYY-MM-DD HH:MM:SS`; NULL when
 * that leaves the years 1000–9999 (or `wallClock` is NULL).
 */
const chinaStandardTime = (wallClock: string, offset: string): string =>
  sqlLet(
    'oc_t',
    `${wallClock} + to_seconds(${CST_OFFSET_SECONDS} - (${offset}))`,
    `CASE WHEN year(oc_t) BETWEEN 1000 AND 9999 THEN strftime(oc_t, '%Y-%m-%d %H:%M:%S') END`,
  );
/** Excel serial + round(fraction × 86400) seconds (DuckDB's round of a positive double = JS Math.round). */
const SERIAL_SECONDS = `CASE WHEN oc_p.fraction = '' THEN 0 ELSE CAST(round(CAST('0.' || oc_p.fraction AS DOUBLE) * 86400) AS BIGINT) END`;
const SERIAL_INSTANT = `(TIMESTAMP '${EXCEL_EPOCH} 00:00:00' + to_seconds(CAST(oc_p.serial AS BIGINT) * 86400 + ${SERIAL_SECONDS}))`;
const SERIAL_DATE = `strftime(${SERIAL_INSTANT}, '%Y-%m-%d')`;
const SERIAL_TIMESTAMP = `left(strftime(${SERIAL_INSTANT}, '%Y-%m-%d %H:%M:%S'), CASE WHEN oc_p.fraction = '' THEN 10 ELSE 19 END)`;

/**
 * The general path: the regular expression runs once per row, its struct bound to `oc_p`.
 * Every expression in a lambda body costs time on every vector the lambda runs on, in branches
 * no row takes too (measured: ~5–10 ms per 10^6 rows each), so the bodies are kept small: the
 * general path of timestamps yields the wall clock with the zone as written appended
 * (`YYYY-MM-DD HH:MM:SS+0530`), and a second small step ({@link applyZone}) applies the zone.
 */
const withDateTimeParts = (v: string, body: string): string => sqlLet('oc_p', dateTimeParts(v), body);
/** One separator twice; a compact time only after `YYYYMMDD`, a Chinese time only after `Y年M月D日`. */
const IS_CALENDAR_FORM =
  `oc_p.year <> '' AND oc_p.sep1 = oc_p.sep2 AND (oc_p.compact_time = '' OR oc_p.compact_month <> '') ` +
  `AND (oc_p.han_hour = '' OR oc_p.han_month <> '')`;
/** `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`, or that followed by the zone designator as written; NULL when unreadable. */
const WALL_CLOCK_AND_ZONE =
  `CASE WHEN oc_p.serial <> '' THEN ${SERIAL_TIMESTAMP} ` +
  `WHEN ${IS_CALENDAR_FORM} THEN ${CALENDAR_DATE} || CASE WHEN ${HAS_TIME} THEN concat(' ', ${TIME_OF_DAY}, oc_p.zone) ELSE '' END END`;
/** {@link WALL_CLOCK_AND_ZONE} `w` with its zone applied: `w` itself when it has none. */
const applyZone = (w: string): string =>
  `CASE WHEN length(${w}) > 19 THEN ${chinaStandardTime(`CAST(left(${w}, 19) AS TIMESTAMP)`, zoneOffset(`substr(${w}, 20)`))} ELSE ${w} END`;

// ---- names ---------------------------------------------------------------------------------

const personName = (v: string): string =>
  `CASE WHEN regexp_full_match(${v}, ${sqlPattern(PLAIN_NAME_PATTERN)}) THEN ${v} ` +
  `ELSE nullif(trim(${sqlRewrites(v, PERSON_NAME_REWRITES)}), '') END`; // one-argument trim: U+0020 only, as trimSpaces

/**
 * `oc_date(v)`: `normalizeDate` — `YYYY-MM-DD` or NULL.
 * `oc_timestamp(v)`: `normalizeTimestamp` — `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` (UTC+8) or NULL.
 * `oc_phone(v)`: `normalizePhone` — the stored form of a telephone number, or NULL.
 * `oc_person_name(v)`, `oc_person_name_key(v)`: `normalizePersonName`, `personNameKey`.
 * `oc_org_name(v)`, `oc_org_name_key(v)`: `normalizeOrgName`, `orgNameKey`.
 *
 * Already-canonical values take a cheap first branch: one anchored RE2 match, plus for dates a
 * `try_cast(… AS DATE)` (real Gregorian dates; DuckDB's calendar is proleptic Gregorian like
 * the JS rule), so 10^6 ISO dates cost one regex and one cast each. Timestamps have a second
 * cheap branch for the ISO 8601 form APIs write (`2024-03-01T08:30:00.123Z`), read by position.
 * Everything else goes through the general path, which mirrors the JS step by step.
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
  WHEN substr(v, 11, 1) IN ('T', ' ') AND regexp_full_match(v, ${ISO_TIMESTAMP}) THEN
    CASE WHEN try_cast(left(v, 10) AS DATE) IS NULL THEN NULL
    WHEN NOT ${ISO_HAS_ZONE} THEN ${ISO_WALL_CLOCK}
    ELSE ${chinaStandardTime(`CAST(${ISO_WALL_CLOCK} AS TIMESTAMP)`, ISO_OFFSET)} END
  ELSE ${sqlLet('oc_w', withDateTimeParts('v', WALL_CLOCK_AND_ZONE), applyZone('oc_w'))}
  END;

CREATE OR REPLACE MACRO oc_phone(v) AS
  ${sqlLet('oc_n', `regexp_replace(${sqlTranslate('v', FULLWIDTH_ASCII)}, ${sqlPattern(PHONE_SEPARATOR)}, '', 'g')`,
    `CASE WHEN regexp_full_match(oc_n, ${sqlPattern(PHONE_MOBILE)}) THEN regexp_extract(oc_n, ${sqlPattern(PHONE_MOBILE)}, 1) ` +
    `WHEN regexp_full_match(oc_n, ${sqlPattern(PHONE_FIXED)}) THEN regexp_replace(oc_n, ${sqlPattern(PHONE_FIXED)}, '\\1-\\2') ` +
    `WHEN regexp_full_match(oc_n, ${sqlPattern(PHONE_FIXED_INTERNATIONAL)}) THEN regexp_replace(oc_n, ${sqlPattern(PHONE_FIXED_INTERNATIONAL)}, '0\\1-\\2') ` +
    `WHEN regexp_full_match(oc_n, ${sqlPattern(PHONE_LOCAL)}) THEN oc_n END`)};

CREATE OR REPLACE MACRO oc_person_name(v) AS
  ${personName('v')};

CREATE OR REPLACE MACRO oc_person_name_key(v) AS
  nullif(${sqlRewrites(sqlTranslate(personName('v'), PERSON_NAME_KEY_TABLE), PERSON_NAME_KEY_REWRITES)}, '');

CREATE OR REPLACE MACRO oc_org_name(v) AS
  nullif(trim(${sqlRewrites('v', ORG_NAME_REWRITES)}), '');

CREATE OR REPLACE MACRO oc_org_name_key(v) AS
  nullif(${sqlRewrites(sqlTranslate(sqlRewrites('v', ORG_NAME_KEY_WHITESPACE), ORG_NAME_KEY_TABLE), ORG_NAME_KEY_REWRITES)}, '');
`;
