import type { DuckDBConnection } from '@duckdb/node-api';
import { CANONICAL_FIELDS, HOLDER_CODE_TYPES, IDENTIFIER_FIELDS, ONE_CODE_FIELDS, type CanonicalField } from '../../schemas/canonical.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { BIRTH_DATE_MISMATCH_MESSAGE, SEX_MISMATCH_MESSAGE, statedSexSql } from '../identifiers/stated-facts.ts';
import { classifySlowPath, fastPathSql } from './classify-identifiers.ts';
import { DERIVED } from './golden.ts';
import { applyNonPlainFindings, clearNonPlainValues } from './plain-values.ts';
import { noEndDateSql } from '../normalize/dates.ts';
import { quoteLiteral } from './sql-text.ts';

/** Where each mapped canonical field and each source-key column sits in the staging table. */
export interface StagingLayout {
  /** Canonical field → staging column (`col_i`). */
  fields: Partial<Record<CanonicalField, string>>;
  /** Staging columns of the source key, in the pipeline's order. */
  keyColumns: string[];
  /** Staging column of `cursor.column` (mode cursor). */
  cursorColumn?: string;
  /** Staging column of `deleted_when.column`. */
  deleteFlagColumn?: string;
}

/** Source columns the staging table must project, and where each lands. */
export function stagingLayout(pipeline: Pipeline): { projectColumns: string[]; layout: StagingLayout } {
  const projectColumns: string[] = [];
  const col = (source: string): string => {
    let i = projectColumns.indexOf(source);
    if (i < 0) i = projectColumns.push(source) - 1;
    return `col_${i}`;
  };
  const fields: StagingLayout['fields'] = {};
  for (const field of CANONICAL_FIELDS) {
    const source = pipeline.mapping[field];
    if (source) fields[field] = col(source);
  }
  const layout: StagingLayout = { fields, keyColumns: pipeline.source_key.map(col) };
  if (pipeline.mode === 'cursor' && pipeline.cursor) layout.cursorColumn = col(pipeline.cursor.column);
  if (pipeline.deleted_when) layout.deleteFlagColumn = col(pipeline.deleted_when.column);
  return { projectColumns, layout };
}

/**
 * Fields read by a normaliser that can fail: a value in none of its forms is left out of the
 * field and flagged (reason code and message); the payload keeps what was written.
 */
const UNREADABLE_DATE = { code: 'unreadable_date', forms: 'a date in none of the accepted forms (2024-03-01, 2024/3/1, 20240301, 2024年3月1日, an Excel serial day number)' };
const UNREADABLE_FLAGS: Partial<Record<CanonicalField, { code: string; forms: string; readAsEmpty?: (expr: string) => string }>> = {
  birth_date: UNREADABLE_DATE,
  updated_at: UNREADABLE_DATE,
  issue_date: UNREADABLE_DATE,
  valid_from: UNREADABLE_DATE,
  // 长期, 永久 … mean no end (src/normalize/dates.ts NO_END_DATE_WORDS): the field is left empty, as for a
  // licence without end, and not flagged; the payload keeps the word
  valid_to: { ...UNREADABLE_DATE, readAsEmpty: noEndDateSql },
  phone: { code: 'unreadable_phone', forms: 'no mobile number (11 digits), fixed-line number with area code, or local number of 5-8 digits (src/normalize/phones.ts)' },
};

/**
 * The SQL macro (src/normalize) that normalises a non-identifier canonical field, or undefined
 * for a plain trim: person names (interpunct variants unified, spaces between Han characters
 * removed), organisation names (whitespace collapsed), stated birth dates as calendar dates,
 * `updated_at` as a timestamp text that sorts chronologically ("most recent" in survivorship),
 * a licence's issue date and validity as calendar dates,
 * telephone numbers in their stored form (src/normalize/phones.ts).
 * `name` is a person's or an organisation's by the entity (a record's by its subject's code).
 */
export function fieldNormalizer(pipeline: Pipeline, field: CanonicalField): string | undefined {
  const personal = pipeline.entity === 'person' || ((pipeline.entity === 'record' || pipeline.entity === 'licence') && oneCodeField(pipeline) === 'id_number');
  switch (field) {
    case 'name': return personal ? 'oc_person_name' : 'oc_org_name';
    case 'legal_representative': return 'oc_person_name';
    case 'employer_name': return 'oc_org_name';
    case 'birth_date': case 'issue_date': case 'valid_from': case 'valid_to': return 'oc_date';
    case 'updated_at': return 'oc_timestamp';
    case 'phone': return 'oc_phone';
    default: return undefined;
  }
}

/** Legacy identifiers a legal person, or a record about one, can be linked by (linkage.ts). */
export const LEGACY_FIELDS = ['org_code', 'business_reg_no'] as const satisfies readonly CanonicalField[];

/**
 * Whether a row of this pipeline with no one code but a legacy identifier waits as `unlinked`
 * (pipelines of legal persons, or of records about legal persons, that map an organisation code
 * or registration number) rather than being quarantined as `one_code_missing`.
 */
export function canWaitUnlinked(pipeline: Pipeline): boolean {
  return oneCodeField(pipeline) === 'uscc' && LEGACY_FIELDS.some((f) => pipeline.mapping[f]);
}

/** The field holding this pipeline's one code: the one of ONE_CODE_FIELDS it maps (config checks there is one). */
export function oneCodeField(pipeline: Pipeline): 'id_number' | 'uscc' {
  return ONE_CODE_FIELDS[pipeline.entity].find((f) => pipeline.mapping[f]) as 'id_number' | 'uscc';
}

const REASON = (code: string, field: string, message: string): string =>
  `{'code': ${quoteLiteral(code)}, 'field': ${quoteLiteral(field)}, 'message': ${message}}`;

/**
 * Builds `target`: one row per staged row with its payload, `payload_hash`, `source_key`, every
 * mapped canonical field (identifiers normalised, other fields trimmed; a value that is not
 * plain text — a JSON object or array, control characters — left out, see plain-values.ts),
 * `code_status`, quarantine `reasons` (NULL or empty when the row can load), data-quality `flags`, and the row's
 * `disposition`:
 * A row of a legal person (or of a record about one) with no USCC but an organisation code or registration number that is
 * valid (or nonconforming) gets `code_status` 'unlinked' and loads; planRun links it if it can.
 * `code_alias` holds the 15-digit form a resident identity number was upgraded from.
 * - `quarantined`: it has reasons;
 * - `duplicate`: same source key and payload as an earlier row of this extract, and that
 *   payload is the version that loads;
 * - `superseded`: a version of a source key other than the version of the key's last row, which
 *   wins (`winner_line`: the line of that last row); every row of it, repeats included, goes to
 *   quarantine as `source_key_superseded`;
 * - `loaded`;
 * - `delete`: the row marks its source key deleted (`deleted_when`); counted as loaded.
 *
 * Set-based, in one pass over the staging table plus updates that touch only the exceptions:
 * the one code goes through the SQL fast path row by row, secondary identifiers (an employer's
 * USCC repeats on many rows) once per distinct value; values the fast path does not accept are
 * classified in JavaScript and patched in; only rows whose source key repeats are ranked for
 * duplicates.
 * @returns how many distinct identifier values needed the JavaScript classifier.
 */
export async function buildCandidates(options: {
  connection: DuckDBConnection;
  pipeline: Pipeline;
  layout: StagingLayout;
  stagingTable: string;
  target: string;
  runDate: string;
}): Promise<number> {
  const { connection: c, pipeline, layout, stagingTable, target, runDate } = options;
  const codeField = oneCodeField(pipeline);
  const identifiers = CANONICAL_FIELDS.flatMap((field) => {
    const column = layout.fields[field];
    const kind = IDENTIFIER_FIELDS[field];
    return column && kind ? [{ field, column, kind, source: pipeline.mapping[field]! }] : [];
  });
  const code = identifiers.find((i) => i.field === codeField)!;
  const secondary = identifiers.filter((i) => i.field !== codeField);
  const secondaryTable = `${target}_secondary`;
  const slowTable = `${target}_slow`;
  const blank = (expr: string) => `nullif(trim(${expr}), '') IS NULL`;
  const nonPlainTable = `${target}_nonplain`;

  // Mapped values that are not plain text (a JSON object or array, control characters) are
  // cleared from the staging columns first, so nothing below sees them (plain-values.ts).
  await clearNonPlainValues({ connection: c, pipeline, layout, codeColumn: code.column, stagingTable, found: nonPlainTable });

  // Secondary identifiers: the fast path once per distinct value.
  await c.run(`
    CREATE OR REPLACE TEMP TABLE ${secondaryTable} AS
    SELECT kind, raw, CASE kind WHEN 'resident_id' THEN ${fastPathSql('resident_id', 'raw', runDate)}
                                WHEN 'uscc' THEN ${fastPathSql('uscc', 'raw', runDate)} END AS fast
    FROM (${secondary.length === 0 ? `SELECT NULL::VARCHAR AS kind, NULL::VARCHAR AS raw WHERE false` : secondary.map((i) => `SELECT DISTINCT ${quoteLiteral(i.kind)} AS kind, ${i.column} AS raw FROM ${stagingTable} WHERE ${i.column} IS NOT NULL`).join(' UNION ')})`);

  const selects: string[] = [
    `s.${code.column} AS code_raw`,
    `s.code_fast AS ${code.field}`,
  ];
  const joins: string[] = [];
  for (const { field, column, kind } of secondary) {
    const q = `q_${field}`;
    joins.push(`LEFT JOIN ${secondaryTable} ${q} ON ${q}.kind = ${quoteLiteral(kind)} AND ${q}.raw = s.${column}`);
    selects.push(`s.${column} AS ${field}__raw`, `${q}.fast AS ${field}`);
  }
  // Other fields: normalised once per row in the inner projection (see fieldNormalizer).
  const normalized: string[] = [];
  const unreadable: { field: CanonicalField; column: string; source: string }[] = [];
  for (const field of CANONICAL_FIELDS) {
    if (field === code.field || secondary.some((i) => i.field === field)) continue;
    const column = IDENTIFIER_FIELDS[field] ? undefined : layout.fields[field];
    if (!column) {
      selects.push(`CAST(NULL AS VARCHAR) AS ${field}`);
      continue;
    }
    const macro = fieldNormalizer(pipeline, field);
    normalized.push(`${macro ? `${macro}(${column})` : `nullif(trim(${column}), '')`} AS n_${field}`);
    selects.push(`s.n_${field} AS ${field}`);
    if (UNREADABLE_FLAGS[field]) unreadable.push({ field, column, source: pipeline.mapping[field]! });
  }
  // Data-quality flags known in this pass: unreadable dates, and stated facts of rows whose one
  // code the fast path accepted (the rest are checked after the slow path, flagStatedFacts).
  const checks: FlagCheck[] = unreadable.map((d) => ({
    when: `(s.n_${d.field} IS NULL AND NOT ${blank(`s.${d.column}`)}${UNREADABLE_FLAGS[d.field]!.readAsEmpty ? ` AND NOT coalesce(${UNREADABLE_FLAGS[d.field]!.readAsEmpty!(`s.${d.column}`)}, false)` : ''})`,
    flag: REASON(UNREADABLE_FLAGS[d.field]!.code, d.source, `'${UNREADABLE_FLAGS[d.field]!.forms}: left out of ${d.field}, kept in the payload'`),
  }));
  if (code.kind === 'resident_id') {
    checks.push(...statedFactChecks(pipeline, { id: 's.code_fast', sex: 's.n_sex', birthDate: 's.n_birth_date' }));
  }
  const initialFlags = checks.length === 0 ? 'NULL' : `CASE WHEN ${checks.map((k) => k.when).join(' OR ')} THEN list_concat(${checks.map((k) =>
    `CASE WHEN ${k.when} THEN [${k.flag}] ELSE [] END`).join(', ')}) END`;
  const keySources = pipeline.source_key.join(', ');
  const keyMissing = layout.keyColumns.map((col) => blank(`s.${col}`)).join(' OR ');
  const sourceKey = layout.keyColumns.length === 1 ? `trim(s.${layout.keyColumns[0]})` : `concat_ws(chr(31), ${layout.keyColumns.map((col) => `trim(s.${col})`).join(', ')})`;
  const codeLabel = code.kind === 'uscc' ? 'unified social credit code' : 'resident identity number';
  // A row with no USCC but a legacy identifier waits for linkage instead of quarantine (canWaitUnlinked).
  const legacy = canWaitUnlinked(pipeline) ? LEGACY_FIELDS.flatMap((f) => (layout.fields[f] ? [layout.fields[f]!] : [])) : [];
  const hasLegacy = legacy.length === 0 ? 'false' : `(${legacy.map((col) => `NOT ${blank(`s.${col}`)}`).join(' OR ')})`;
  const codeMissing = `(${blank(`s.${code.column}`)} AND NOT ${hasLegacy})`;
  // mode cursor: a row without a cursor value cannot be placed on the watermark (it is read once,
  // by the first run: later reads select rows at or after the watermark, which NULL never is).
  const cursorMissing = layout.cursorColumn ? blank(`s.${layout.cursorColumn}`) : 'false';
  const deleteMark = layout.deleteFlagColumn && pipeline.deleted_when
    ? `coalesce(trim(s.${layout.deleteFlagColumn}) IN (${pipeline.deleted_when.values.map((v) => quoteLiteral(v.trim())).join(', ')}), false)`
    : 'false';
  await c.run(`
    CREATE OR REPLACE TEMP TABLE ${target} AS
    SELECT *,
           CASE WHEN code_status IN ('pending', 'unlinked') THEN NULL WHEN coalesce(len(reasons), 0) > 0 THEN 'quarantined' ELSE 'loaded' END AS disposition,
           CAST(NULL AS BIGINT) AS winner_line
    FROM (
      SELECT s.rn, s.line, s.payload, md5_number(s.payload) AS payload_hash,
             CASE WHEN ${keyMissing} THEN NULL ELSE ${sourceKey} END AS source_key,
             ${selects.join(',\n             ')},
             CASE WHEN s.code_fast IS NOT NULL THEN 'valid' WHEN ${codeMissing} THEN 'missing' WHEN ${blank(`s.${code.column}`)} THEN 'unlinked' ELSE 'pending' END AS code_status,
             CAST(NULL AS VARCHAR) AS code_alias, CAST(NULL AS VARCHAR) AS linked_via,
             ${deleteMark} AS delete_mark,
             -- NULL, not an empty list, for the clean majority: a list per row costs.
             CASE WHEN ${keyMissing} OR ${codeMissing} OR ${cursorMissing} OR contains(s.payload, chr(65533)) THEN list_concat(
               CASE WHEN ${keyMissing} THEN [${REASON('source_key_missing', keySources, `'source key column is empty'`)}] ELSE [] END,
               CASE WHEN ${codeMissing} THEN [${REASON('one_code_missing', code.source, `'no ${codeLabel}: the one code of this row'`)}] ELSE [] END,
               CASE WHEN ${cursorMissing} THEN [${REASON('cursor_missing', pipeline.cursor?.column ?? '', `'the cursor column is empty: the row cannot be placed on the watermark (quarantined once: later cursor reads do not select it)'`)}] ELSE [] END,
               CASE WHEN contains(s.payload, chr(65533)) THEN [${REASON('undecodable_bytes', '*', `'bytes that do not decode in the declared encoding (U+FFFD): check connector.encoding'`)}] ELSE [] END
             ) END AS reasons,
             CAST(${initialFlags} AS STRUCT(code VARCHAR, field VARCHAR, message VARCHAR)[]) AS flags
      -- the fast path and normalisers once per row (a column alias used twice would expand the macro twice)
      FROM (SELECT *, ${[`${fastPathSql(code.kind, code.column, runDate)} AS code_fast`, ...normalized].join(', ')} FROM ${stagingTable}) s ${joins.join(' ')}
    )`);
  await applyNonPlainFindings(c, target, nonPlainTable);

  // The exceptions: values the fast path did not accept, classified in JavaScript.
  const slowCount = await classifySlowPath({
    connection: c,
    inputSql: [
      `SELECT ${quoteLiteral(code.kind)} AS kind, code_raw AS raw FROM ${target} WHERE code_status = 'pending'`,
      `SELECT kind, raw FROM ${secondaryTable} WHERE fast IS NULL`,
    ].join(' UNION ALL '),
    targetTable: slowTable,
    runDate,
    authoritative: pipeline.authoritative,
  });
  const reasonsOf = (source: string) => `list_transform(j.reasons, r -> {'code': r.code, 'field': ${quoteLiteral(source)}, 'message': r.message})`;
  await c.run(`
    UPDATE ${target} t SET
      ${code.field} = j.normalized,
      code_status = j.status,
      code_alias = j.alias,
      reasons = CASE WHEN j.status = 'invalid' THEN list_concat(coalesce(t.reasons, []), ${reasonsOf(code.source)}) ELSE t.reasons END,
      flags = CASE WHEN j.status <> 'invalid' THEN list_concat(coalesce(t.flags, []), ${reasonsOf(code.source)}) ELSE t.flags END
    FROM ${slowTable} j
    WHERE t.code_status = 'pending' AND j.kind = ${quoteLiteral(code.kind)} AND j.raw = t.code_raw`);
  for (const { field, kind, source } of secondary) {
    if (pipeline.entity === 'licence' && field === 'licence_identifier') {
      // A licence's own identifier is what a service counter is shown: one that fails its check
      // character (or its shape) cannot prove the licence, so the row is quarantined with the
      // reasons; a nonconforming one (issuer code no USCC) loads, flagged.
      await c.run(`
        UPDATE ${target} t SET
          ${field} = CASE WHEN j.status IN ('valid', 'nonconforming') THEN j.normalized END,
          reasons = CASE WHEN j.status = 'invalid' THEN list_concat(coalesce(t.reasons, []), ${reasonsOf(source)}) ELSE t.reasons END,
          flags = CASE WHEN j.status <> 'invalid' THEN list_concat(coalesce(t.flags, []), ${reasonsOf(source)}) ELSE t.flags END,
          disposition = CASE WHEN j.status = 'invalid' AND t.disposition IS NOT NULL THEN 'quarantined' ELSE t.disposition END
        FROM ${slowTable} j
        WHERE t.${field}__raw IS NOT NULL AND j.kind = ${quoteLiteral(kind)} AND j.raw = t.${field}__raw`);
      await c.run(`
        UPDATE ${target} SET reasons = list_concat(coalesce(reasons, []), [${REASON('licence_identifier_missing', source, `'no electronic licence identifier: the licence cannot be shown as on file'`)}]),
          disposition = CASE WHEN disposition IS NOT NULL THEN 'quarantined' END
        WHERE ${field}__raw IS NULL OR trim(${field}__raw) = ''`);
      continue;
    }
    // An invalid secondary identifier does not stop the row: it is left out of the canonical
    // field and flagged; the raw value stays in the payload.
    await c.run(`
      UPDATE ${target} t SET
        ${field} = CASE WHEN j.status IN ('valid', 'nonconforming') THEN j.normalized END,
        flags = list_concat(coalesce(t.flags, []), ${reasonsOf(source)})
      FROM ${slowTable} j
      WHERE t.${field} IS NULL AND t.${field}__raw IS NOT NULL AND j.kind = ${quoteLiteral(kind)} AND j.raw = t.${field}__raw`);
  }
  if (legacy.length > 0) {
    // Since the 2015 reform many systems hold the USCC in their old organisation-code or
    // registration-number column: a valid USCC there, with the USCC column empty, is the one
    // code (field first, then shape: it is no valid legacy code), flagged.
    for (const field of LEGACY_FIELDS) {
      if (!layout.fields[field]) continue;
      const asUscc = `oc_uscc_fast(upper(regexp_replace(${field}__raw, '[\\s-]', '', 'g')))`;
      await c.run(`
        UPDATE ${target} SET ${code.field} = ${asUscc}, code_status = 'valid',
          flags = list_concat(coalesce(flags, []), [${REASON('uscc_in_legacy_field', pipeline.mapping[field]!, `'a valid USCC in the ${field === 'org_code' ? 'organisation code' : 'registration number'} column, the USCC column being empty: taken as the one code'`)}])
        WHERE code_status = 'unlinked' AND ${code.field} IS NULL AND ${field} IS NULL AND ${field}__raw IS NOT NULL AND ${asUscc} IS NOT NULL`);
    }
    // Waiting rows whose legacy identifiers all turned out invalid have nothing to link by; the
    // reasons of those identifiers (flags until now) go to quarantine with the row.
    await c.run(`
      UPDATE ${target} SET code_status = 'missing',
        reasons = list_concat(coalesce(reasons, []), [${REASON('one_code_missing', code.source, `'no ${codeLabel}, and no valid organisation code or business registration number to link it by'`)}], coalesce(flags, [])),
        flags = NULL
      WHERE code_status = 'unlinked' AND org_code IS NULL AND business_reg_no IS NULL`);
  }
  if (code.kind === 'resident_id' && (layout.fields.sex || layout.fields.birth_date)) {
    await flagStatedFacts(c, target, pipeline);
  }
  if (layout.fields.org_code && code.kind === 'uscc') {
    // GB 32100-2015 §4: positions 9-17 of a USCC are the organisation code (GB 11714-1997).
    await c.run(`
      UPDATE ${target} SET flags = list_concat(coalesce(flags, []), [${REASON('org_code_mismatch', pipeline.mapping.org_code!, `'the organisation code is not the one the USCC embeds at positions 9-17 (GB 32100-2015 §4)'`)}])
      WHERE ${code.field} IS NOT NULL AND org_code IS NOT NULL AND substr(${code.field}, 9, 9) <> org_code`);
  }
  if (pipeline.entity === 'licence' && layout.fields.holder_code_type) {
    // A licence whose 持证主体代码类型 names another kind of code than the pipeline's holder code.
    const expected = HOLDER_CODE_TYPES[code.field as 'id_number' | 'uscc'];
    await c.run(`
      UPDATE ${target} SET flags = list_concat(coalesce(flags, []), [${REASON('holder_code_type_mismatch', pipeline.mapping.holder_code_type!, `'the holder code type is not ${expected}, the type of this pipeline''s holder code (GB/T 36903-2018: 111 resident identity number, 001 USCC)'`)}])
      WHERE holder_code_type IS NOT NULL AND holder_code_type <> ${quoteLiteral(expected)}`);
  }
  await c.run(`UPDATE ${target} SET disposition = CASE WHEN coalesce(len(reasons), 0) > 0 THEN 'quarantined' ELSE 'loaded' END WHERE disposition IS NULL`);

  if (deleteMark !== 'false') await disposeDeleteMarks(c, target);

  // Duplicates and superseded versions, among rows whose source key repeats.
  await c.run(`
    CREATE OR REPLACE TEMP TABLE ${target}_repeats AS
    WITH repeated AS (
      SELECT rn, line, source_key, payload_hash FROM ${target}
      WHERE disposition = 'loaded'
        AND source_key IN (SELECT source_key FROM ${target} WHERE disposition = 'loaded' GROUP BY source_key HAVING count(*) > 1)
    ), ranked AS (
      -- the key's last row says which version wins; the first row of that version loads
      SELECT *, row_number() OVER (PARTITION BY source_key, payload_hash ORDER BY rn) AS copy_no,
             arg_max(payload_hash, rn) OVER (PARTITION BY source_key) AS winner_hash,
             arg_max(line, rn) OVER (PARTITION BY source_key) AS last_line
      FROM repeated
    )
    SELECT rn, CASE WHEN payload_hash = winner_hash THEN 'duplicate' ELSE 'superseded' END AS disposition,
           CASE WHEN payload_hash <> winner_hash THEN last_line END AS winner_line
    FROM ranked
    WHERE payload_hash <> winner_hash OR copy_no > 1`);
  await c.run(`
    UPDATE ${target} t SET disposition = r.disposition, winner_line = r.winner_line
    FROM ${target}_repeats r WHERE t.rn = r.rn`);
  await c.run(`DROP TABLE ${secondaryTable}; DROP TABLE ${slowTable}; DROP TABLE ${target}_repeats`);
  return slowCount;
}

/** A data-quality flag and the SQL condition under which a row gets it. */
interface FlagCheck {
  when: string;
  /** SQL struct {code, field, message}. */
  flag: string;
}

/**
 * The checks of stated facts against a resident identity number (GB 11643-1999 §5.3 birth
 * date, §5.4 sequence code odd for men): `stated_birth_date_mismatch`, `stated_sex_mismatch`,
 * in checkStatedFacts' order and with its tables and messages (the stated birth date already
 * read by oc_date, the sex by statedSexSql). Unreadable or absent stated values are no evidence
 * and are not flagged; only an 18-character number carries the facts.
 * @param e SQL expressions of the normalised number (NULL when not valid or nonconforming), the
 *   trimmed stated sex and the normalised stated birth date.
 */
function statedFactChecks(pipeline: Pipeline, e: { id: string; sex: string; birthDate: string }): FlagCheck[] {
  const checks: FlagCheck[] = [];
  const carries = `length(${e.id}) = 18`;
  if (pipeline.mapping.birth_date) {
    const derived = DERIVED.person.birth_date!(e.id);
    checks.push({
      when: `(${carries} AND ${e.birthDate} <> ${derived})`,
      flag: REASON('stated_birth_date_mismatch', pipeline.mapping.birth_date, quoteLiteral(BIRTH_DATE_MISMATCH_MESSAGE)),
    });
  }
  if (pipeline.mapping.sex) {
    const derived = DERIVED.person.sex!(e.id);
    checks.push({
      when: `(${carries} AND ${statedSexSql(e.sex)} <> ${derived})`,
      flag: REASON('stated_sex_mismatch', pipeline.mapping.sex, quoteLiteral(SEX_MISMATCH_MESSAGE)),
    });
  }
  return checks;
}

/**
 * Adds the stated-fact flags (statedFactChecks) to rows whose one code went through the slow
 * path (`code_raw` is not already the canonical number); fast-path rows got them when `target`
 * was built.
 */
async function flagStatedFacts(c: DuckDBConnection, target: string, pipeline: Pipeline): Promise<void> {
  const checks = statedFactChecks(pipeline, { id: 'id_number', sex: 'sex', birthDate: 'birth_date' });
  await c.run(`
    UPDATE ${target} SET flags = list_concat(coalesce(flags, []), list_filter([${checks.map((k) => `CASE WHEN ${k.when} THEN ${k.flag} END`).join(', ')}], f -> f IS NOT NULL))
    WHERE code_raw IS DISTINCT FROM id_number AND code_status IN ('valid', 'nonconforming') AND (${checks.map((k) => k.when).join(' OR ')})`);
}

/**
 * Rows marking a delete (`deleted_when`), among the rows of their source key: the key's last row
 * decides. A last row marking a delete needs only its key (what else it holds is gone): it becomes
 * `delete` (counted as loaded), whatever its reasons; the key's earlier delete marks are
 * `duplicate`, its earlier loaded rows `superseded` by it. A last row that does not mark a delete
 * keeps its disposition, and the key's earlier delete marks are `superseded` by it. Rows of keys
 * without a delete mark are left to the ranking of repeats.
 */
async function disposeDeleteMarks(c: DuckDBConnection, target: string): Promise<void> {
  await c.run(`
    CREATE OR REPLACE TEMP TABLE ${target}_marks AS
    WITH k AS (
      SELECT rn, line, source_key, delete_mark, disposition FROM ${target}
      WHERE source_key IS NOT NULL AND disposition IN ('loaded', 'quarantined')
        AND source_key IN (SELECT source_key FROM ${target} WHERE delete_mark AND source_key IS NOT NULL)
    ), last AS (
      SELECT source_key, max(rn) AS last_rn, arg_max(delete_mark, rn) AS last_is_delete, arg_max(line, rn) AS last_line FROM k GROUP BY source_key
    )
    SELECT k.rn, l.last_line,
      CASE WHEN k.rn = l.last_rn THEN CASE WHEN k.delete_mark THEN 'delete' END
           WHEN k.delete_mark THEN CASE WHEN l.last_is_delete THEN 'duplicate' ELSE 'superseded' END
           WHEN l.last_is_delete AND k.disposition = 'loaded' THEN 'superseded'
      END AS disposition
    FROM k JOIN last l USING (source_key)`);
  await c.run(`
    UPDATE ${target} t SET disposition = m.disposition,
      reasons = CASE WHEN m.disposition = 'delete' THEN NULL ELSE t.reasons END,
      winner_line = CASE WHEN m.disposition = 'superseded' THEN m.last_line ELSE t.winner_line END
    FROM ${target}_marks m WHERE t.rn = m.rn AND m.disposition IS NOT NULL`);
  await c.run(`DROP TABLE ${target}_marks`);
}
