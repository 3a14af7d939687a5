/**
 * A licence's state on a day, as SQL over a licence's source record (its `licence_status`,
 * `valid_from`, `valid_to` columns): the one rule that a lookup and a materials check
 * (licence-rows.ts, on the day asked) and the `licences` analyst view (views.ts, today in China)
 * both apply. Its own small file so that the views need not load the identifier classifiers.
 */
import { quoteLiteral } from './sql-text.ts';

/**
 * A licence's state on a day: `revoked` when the issuing system's status says so (cancelled,
 * revoked, withdrawn: {@link LICENCE_STATUS_TERMS}), else by its validity: `expired` after
 * `valid_to` (or when the status says it lapsed), `not_yet_valid` before `valid_from`, `valid`
 * otherwise. A licence without `valid_to` does not expire.
 */
export type LicenceState = 'valid' | 'not_yet_valid' | 'expired' | 'revoked';

/**
 * Status words issuing systems write (证照状态), lower-cased and trimmed, and the state each
 * forces. Words not listed (有效, 正常, valid, empty) leave the state to the dates.
 */
export const LICENCE_STATUS_TERMS: Readonly<Record<string, 'revoked' | 'expired'>> = {
  注销: 'revoked', 撤销: 'revoked', 吊销: 'revoked', 作废: 'revoked', 废止: 'revoked', 撤回: 'revoked',
  revoked: 'revoked', cancelled: 'revoked', withdrawn: 'revoked',
  失效: 'expired', 过期: 'expired', 已过期: 'expired', expired: 'expired',
};

const STATUS_CASES = (column: string, state: 'revoked' | 'expired'): string => {
  const words = Object.entries(LICENCE_STATUS_TERMS).filter(([, s]) => s === state).map(([w]) => quoteLiteral(w));
  return `lower(trim(coalesce(${column}, ''))) IN (${words.join(', ')})`;
};

/** SQL of a licence's {@link LicenceState} on `day` (a DATE expression), over source_record columns. */
export function licenceStateSql(day: string): string {
  return `CASE WHEN ${STATUS_CASES('licence_status', 'revoked')} THEN 'revoked'
    WHEN ${STATUS_CASES('licence_status', 'expired')} OR TRY_CAST(valid_to AS DATE) < ${day} THEN 'expired'
    WHEN TRY_CAST(valid_from AS DATE) > ${day} THEN 'not_yet_valid'
    ELSE 'valid' END`;
}


/**
 * The reason codes of an electronic licence identifier's deviations (src/identifiers/licence-identifier.ts:
 * an issuer code that is no USCC). A licence loads only with a `valid` or `nonconforming`
 * identifier (an invalid one is quarantined: candidates.ts), and the load writes the
 * classifier's reasons into the record's flags: a licence flagged with one of these codes has a
 * `nonconforming` identifier, any other a `valid` one. Read by the `licences` view
 * ({@link licenceIdentifierSql}); tests/index/licence-view.test.ts holds it to what the classifier says.
 */
export const LICENCE_IDENTIFIER_DEVIATIONS = ['licence_issuer_not_uscc'] as const;

/**
 * SQL of a loaded licence's identifier classification, over source_record's `flags` (JSON):
 * `reasons` the deviation codes it was flagged with (VARCHAR[], empty when none), `status`
 * `nonconforming` when there is one, else `valid` (see {@link LICENCE_IDENTIFIER_DEVIATIONS}).
 */
export function licenceIdentifierSql(): { reasons: string; status: string } {
  const reasons = `list_filter(coalesce(CAST(json_extract_string(flags, '$[*].code') AS VARCHAR[]), []), c -> c IN (${LICENCE_IDENTIFIER_DEVIATIONS.map(quoteLiteral).join(', ')}))`;
  return { reasons, status: `CASE WHEN len(${reasons}) > 0 THEN 'nonconforming' ELSE 'valid' END` };
}
