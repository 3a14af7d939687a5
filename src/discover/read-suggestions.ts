/**
 * How a discovered source should be read: its source key, its mode, a cursor column and a
 * delete flag, each with why (names, counts and shares; never a value of the source, the
 * delete-flag words excepted, which are words of the fixed list in profile-columns.ts).
 */
import type { ConnectorCapabilities } from '../../connectors/types.ts';
import { isCompleteAndUnique, isRowIdentifier, type EntityChoice } from './choose-entity.ts';
import { percent, type ColumnConcept } from './column-concepts.ts';
import type { FlagWords } from './profile-columns.ts';

/** Share of timestamp values from which an updated-at column is proposed as the cursor. */
export const CURSOR_TIMESTAMP_SHARE = 0.8;

/** The source key: columns and why; `todo` when nothing in the sample identifies the rows. */
export interface SourceKeySuggestion {
  columns: string[];
  why: string;
  todo?: string;
}

/**
 * A cursor column: an updated-at column holding timestamps. `usable` when the connector reads by
 * cursor and accepts a column of its type.
 */
export interface CursorSuggestion {
  column: string;
  why: string;
  usable: boolean;
  /**
   * The column's database type, when the connector reads by cursor but not by a column of this
   * type (a time kept as `text`): the proposal says how a query can cast it.
   */
  refusedType?: string;
}

/** A delete flag: the column, the words meaning deleted, or a TODO when its values are not known words. */
export interface DeleteFlagSuggestion {
  column: string;
  why: string;
  /** The words meaning deleted (words of FLAG_PAIRS as the column writes them); absent with `todo`. */
  values?: string[];
  todo?: string;
}

/** How the source should be read. */
export interface ReadSuggestion {
  sourceKey: SourceKeySuggestion;
  mode: 'snapshot' | 'incremental' | 'cursor';
  modeWhy: string;
  cursor?: CursorSuggestion;
  deleteFlag?: DeleteFlagSuggestion;
}

/** Suggests the source key, cursor, delete flag and mode (module doc; each function says its rule). */
export function suggestRead(columns: readonly ColumnConcept[], entity: EntityChoice, can: ConnectorCapabilities): ReadSuggestion {
  const sourceKey = suggestSourceKey(columns, entity);
  const cursor = suggestCursor(columns, can);
  const deleteFlag = suggestDeleteFlag(columns);
  const mode = suggestMode(entity, can, cursor, deleteFlag);
  return { sourceKey, ...mode, ...(cursor ? { cursor } : {}), ...(deleteFlag ? { deleteFlag } : {}) };
}

/**
 * The source key:
 * - a record: a transaction serial or row key column filled and unique in the sample;
 * - a person or legal person: the one-code column when it is filled and unique in the sample, or
 *   unique where filled with no row key column beside it (a row without its one code is
 *   quarantined whatever its key); else a row key column that is filled and unique
 *   (`supplier_id` beside a USCC column some rows leave empty); else the one-code column all the
 *   same, with a TODO saying what the sample found;
 * - nothing: a TODO.
 */
export function suggestSourceKey(columns: readonly ColumnConcept[], entity: EntityChoice): SourceKeySuggestion {
  const keys = columns.filter(isRowIdentifier);
  const serial = keys.find((c) => c.concept.kind === 'role' && c.concept.role === 'transaction_serial');
  const subject = entity.subjectColumn;
  const unique = (c: ColumnConcept) => `${c.profile.name} is filled and unique in all ${c.profile.rows} sampled rows`;
  if (entity.entity === 'record') {
    const key = serial ?? keys[0];
    if (key) return { columns: [key.profile.name], why: unique(key) };
  } else if (subject && isCompleteAndUnique(subject)) {
    return { columns: [subject.profile.name], why: `the one code: ${unique(subject)}` };
  } else if (keys[0]) {
    return { columns: [keys[0].profile.name], why: `${unique(keys[0])}${subject ? `, while ${shortfall(subject)}` : ''}` };
  } else if (subject && subject.profile.distinct === subject.profile.nonEmpty && subject.profile.nonEmpty > 0) {
    return { columns: [subject.profile.name], why: `the one code: unique where filled, although ${shortfall(subject)} (such rows are quarantined)` };
  }
  if (subject) {
    return {
      columns: [subject.profile.name],
      why: `the one code, although ${shortfall(subject)}`,
      todo: entity.entity === 'record' ? 'a record needs a column identifying it, and none is filled and unique in the sample' : 'no column is filled and unique in the sample: name the column(s) identifying a row',
    };
  }
  return { columns: [TODO_COLUMN], why: 'no column identifies the rows', todo: 'name the column(s) that identify a row in the source system' };
}

/** The placeholder of a column the user must name. */
export const TODO_COLUMN = 'TODO';

function shortfall(c: ColumnConcept): string {
  const p = c.profile;
  const empty = p.rows - p.nonEmpty;
  const repeated = p.nonEmpty - p.distinct;
  const parts = [empty > 0 ? `${p.name} is empty in ${empty} of ${p.rows} sampled rows` : '', repeated > 0 ? `${repeated} of its values repeat an earlier one` : ''];
  return parts.filter(Boolean).join(' and ') || `${p.name} is not filled and unique`;
}

/**
 * A cursor: a column the dictionary calls updated-at (更新时间, gxsj, updated_at, last_modified)
 * whose source type is a date or time type the connector accepts as a cursor, or whose values are
 * at least {@link CURSOR_TIMESTAMP_SHARE} dates with a time of day. Which types the connector
 * accepts is its own rule (`ConnectorCapabilities.cursorColumnType`; the database connectors':
 * connectors/sql/cursor-types.ts), so a proposed cursor is never refused by the read
 * (`cursor_type_unsupported`). The first column the connector accepts is taken; else the first
 * found, not usable, with its refused type.
 */
export function suggestCursor(columns: readonly ColumnConcept[], can: ConnectorCapabilities): CursorSuggestion | undefined {
  const found: CursorSuggestion[] = [];
  for (const c of columns) {
    if (c.concept.kind !== 'field' || c.concept.field !== 'updated_at') continue;
    const { type, nonEmpty, timestamps } = c.profile;
    const accepted = can.cursorColumnType === undefined || can.cursorColumnType(type);
    const typed = accepted && /time|date/i.test(type ?? '');
    if (!typed && !(nonEmpty > 0 && timestamps >= CURSOR_TIMESTAMP_SHARE)) continue;
    const why = typed ? `its header names an update time and its type is ${type}` : `its header names an update time and ${percent(timestamps)} of its ${nonEmpty} values are timestamps`;
    found.push({ column: c.profile.name, why, usable: can.cursor && accepted, ...(can.cursor && !accepted ? { refusedType: type ?? 'untyped' } : {}) });
  }
  return found.find((f) => f.usable) ?? found[0];
}

/**
 * A delete flag: a column the dictionary calls a delete flag (删除标志, scbz, sfsc, is_deleted) or
 * a valid flag (有效标志, yxbz: deleted when not valid) with at most 4 distinct values. When every
 * value is a word of one yes/no pair, the deleted words are proposed (as the column writes them;
 * the pair's word in the column's case when the sample holds none); otherwise a TODO.
 */
export function suggestDeleteFlag(columns: readonly ColumnConcept[]): DeleteFlagSuggestion | undefined {
  for (const c of columns) {
    if (c.concept.kind !== 'role' || (c.concept.role !== 'delete_flag' && c.concept.role !== 'valid_flag')) continue;
    const p = c.profile;
    if (p.distinct > 4) continue;
    const inverse = c.concept.role === 'valid_flag';
    const what = inverse ? 'a valid flag (a row is deleted when it is not valid)' : 'a delete flag';
    if (p.flags === undefined) {
      return { column: p.name, why: `its header names ${what}; it holds ${p.distinct} distinct values`, todo: 'list the values that mean deleted' };
    }
    return { column: p.name, why: `its header names ${what} and its ${p.distinct} distinct values are yes/no words`, values: deletedWords(p.flags, inverse) };
  }
  return undefined;
}

function deletedWords(flags: FlagWords, inverse: boolean): string[] {
  const seen = inverse ? flags.no : flags.yes;
  if (seen.length > 0) return seen;
  const word = flags.pair[inverse ? 1 : 0];
  const other = [...flags.yes, ...flags.no][0] ?? '';
  return [other !== '' && other === other.toUpperCase() && other !== other.toLowerCase() ? word.toUpperCase() : word];
}

/**
 * The mode:
 * - `cursor` when a cursor column is found and the connector reads by cursor and by a column of
 *   its type (a time kept as text is not: the proposal says how to cast it);
 * - else `incremental` for business records (an export of payments holds the period's, not every
 *   earlier one: a snapshot would delete them) and for sources with a delete flag (a snapshot
 *   cannot take `deleted_when`);
 * - else `snapshot` (a registry export is its whole current set).
 */
function suggestMode(entity: EntityChoice, can: ConnectorCapabilities, cursor: CursorSuggestion | undefined, deleteFlag: DeleteFlagSuggestion | undefined): { mode: ReadSuggestion['mode']; modeWhy: string } {
  if (cursor?.usable) {
    const deletes = deleteFlag ? `; deletes come from ${deleteFlag.column}` : '; a cursor read never sees a row deleted from the source: use snapshot if rows are deleted rather than flagged';
    return { mode: 'cursor', modeWhy: `the connector reads by cursor and ${cursor.column} is an update time${deletes}` };
  }
  if (entity.entity === 'record') return { mode: 'incremental', modeWhy: 'business records: each export is taken to hold new and changed records, not every earlier one' };
  if (deleteFlag) return { mode: 'incremental', modeWhy: `${deleteFlag.column} marks deletes, which a snapshot cannot take` };
  return { mode: 'snapshot', modeWhy: 'a registry: each export is taken to be the whole current set (absent rows are deletions, bounded by max_delete_share)' };
}
