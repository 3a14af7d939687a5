/**
 * The licence library's read model: the licences a one code holds (source records of `entity:
 * licence` pipelines, linked to the holder's one code like any record, legacy codes included:
 * linkage.ts), each with its state on a given day, and the "already on file?" answer for the
 * licence types a service item needs (docs/licences.md).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { classifyLicenceIdentifier } from '../identifiers/licence-identifier.ts';
import type { Classification } from '../identifiers/types.ts';
import { resultRows } from './result-rows.ts';
import { licenceStateSql, type LicenceState } from './licence-state.ts';
import { quoteLiteral } from './sql-text.ts';

/** One licence a code holds, as a lookup and a materials answer show it. */
export interface LicenceRow {
  /** The electronic licence identifier (normalised, as loaded). */
  licence_identifier: string;
  /** Its classification now: `valid`, or `nonconforming` with reasons (an invalid one was quarantined). */
  identifier: Pick<Classification, 'status' | 'reasons'>;
  licence_name: string | null;
  licence_number: string | null;
  licence_type_code: string | null;
  issuer_code: string | null;
  /** GB/T 2260 code of the licence's jurisdiction. */
  jurisdiction_code: string | null;
  /** Dates as YYYY-MM-DD; `valid_to` null: no end. */
  issue_date: string | null;
  valid_from: string | null;
  valid_to: string | null;
  /** The status as the issuing system wrote it. */
  status: string | null;
  /** The state on the day asked (see {@link LicenceState}). */
  state: LicenceState;
  /** 持证主体代码类型 as written (111 resident identity number, 001 USCC: GB/T 36903-2018). */
  holder_code_type: string | null;
  /** How the licence reached the code when its holder code is a legacy one (`org_code`, `business_reg_no`); null otherwise. */
  linked_via: string | null;
  pipeline: string;
  system: string;
  /** Data-quality flags of the licence record (`{ code, field, message }`), or null. */
  flags: unknown;
}

/**
 * The licences the index holds for `oneCode` (the holder's one code: a resident identity number or
 * a USCC), current and not, newest issue first, with their state on `today` (YYYY-MM-DD, China
 * Standard Time: src/run/today-in-china.ts).
 */
export async function licencesOf(c: DuckDBConnection, oneCode: string, today: string): Promise<LicenceRow[]> {
  const day = `DATE ${quoteLiteral(today)}`;
  const rows = resultRows(await c.runAndReadAll(`
    SELECT licence_identifier, licence_name, licence_number, licence_type_code, issuer_code, jurisdiction_code,
           issue_date, valid_from, valid_to, licence_status AS status, ${licenceStateSql(day)} AS state,
           holder_code_type, linked_via, pipeline, system, flags
    FROM source_record
    WHERE entity = 'licence' AND one_code = ${quoteLiteral(oneCode)}
    ORDER BY issue_date DESC NULLS LAST, licence_identifier`));
  return rows.map((r) => {
    const id = classifyLicenceIdentifier(String(r.licence_identifier));
    return {
      ...(r as unknown as LicenceRow),
      identifier: { status: id.status, reasons: id.reasons },
      flags: typeof r.flags === 'string' ? JSON.parse(r.flags) : r.flags,
    };
  });
}

/** Why no licence of a needed type is on file: none held, or the newest one held is expired, revoked or not yet valid. */
export type NotOnFileReason = 'none' | 'expired' | 'revoked' | 'not_yet_valid';

/** The answer for one needed licence type. */
export interface MaterialAnswer {
  /** The licence type code asked for. */
  licence_type_code: string;
  /** Whether the library holds a licence of this type valid today for the holder. */
  on_file: boolean;
  /** The valid licence shown (the one valid longest: no end first, then the latest `valid_to`); null when not on file. */
  licence: LicenceRow | null;
  /** Why not on file; null when on file. */
  why_not: NotOnFileReason | null;
  /** How many licences of this type the holder has, in any state. */
  held: number;
}

/**
 * For each needed licence type, whether `licences` (one holder's, from {@link licencesOf}) holds
 * one valid today; else why not: `none`, or the state of the newest one (by issue date).
 * Pure: the state was computed by licencesOf for the day asked.
 */
export function answerNeeds(licences: readonly LicenceRow[], needs: readonly string[]): MaterialAnswer[] {
  return needs.map((type) => {
    const ofType = licences.filter((l) => l.licence_type_code === type);
    const valid = ofType.filter((l) => l.state === 'valid')
      .sort((a, b) => (a.valid_to === null ? -1 : b.valid_to === null ? 1 : b.valid_to.localeCompare(a.valid_to)));
    if (valid.length > 0) return { licence_type_code: type, on_file: true, licence: valid[0]!, why_not: null, held: ofType.length };
    // licencesOf lists the newest issue first
    const newest = ofType[0];
    return { licence_type_code: type, on_file: false, licence: null, why_not: newest === undefined ? 'none' : (newest.state as NotOnFileReason), held: ofType.length };
  });
}
