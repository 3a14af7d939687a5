/**
 * Which database column types can bound a cursor read (`mode: cursor`), decided from the type
 * name a driver describes the column with (`SqlColumn.type`, `SourceColumn.type`). One rule for
 * the connectors (sql-connector.ts refuses any other column as `cursor_type_unsupported`) and
 * for `onecode discover`, which proposes a cursor only on a column the connector will accept
 * (through `ConnectorCapabilities.cursorColumnType`). Pure functions, no I/O.
 */
import type { CursorKind } from './read-sql.ts';

/**
 * Type names as the drivers write them: PostgreSQL's `format_type` (lower case; a domain
 * reports its base type, so a domain over a date is a date) and the MySQL connector's DDL names
 * (upper case, connectors/mysql/column-types.ts `mysqlTypeName`). The case tells the dialects
 * apart: a PostgreSQL type of its own called `datetime` is not MySQL's DATETIME, and a type of
 * one's own spelt in capitals is written quoted by `format_type` (`"DATE"`), so matches nothing.
 * - time (a bound with a look-back): date, timestamp with or without time zone / DATE, DATETIME, TIMESTAMP;
 * - number (no look-back: a sequence has no seconds): smallint, integer, bigint, numeric /
 *   TINYINT to BIGINT and DECIMAL, signed or UNSIGNED.
 * Not: time of day, interval, YEAR, floating point (inexact: a bound `>=` may miss the row it
 * was read from), text, boolean, JSON, arrays.
 */
const CURSOR_TYPES: ReadonlyArray<readonly [RegExp, CursorKind]> = [
  [/^(date|timestamp(\(\d\))? with(out)? time zone)$/, 'time'],
  [/^(smallint|integer|bigint|numeric(\(\d+(,\d+)?\))?)$/, 'number'],
  [/^(DATE|DATETIME(\(\d\))?|TIMESTAMP(\(\d\))?)$/, 'time'],
  [/^((TINY|SMALL|MEDIUM|BIG)?INT|DECIMAL\(\d+,\d+\))( UNSIGNED)?$/, 'number'],
];

/**
 * How a column of this database type can bound a cursor read (module doc): `time`, `number`,
 * or undefined when it cannot (`text`, `character varying(19)`, `VARCHAR(19)`, `boolean`, ...).
 * @param type the type name as the driver describes it (`timestamp(3) without time zone`, `DATETIME(6)`).
 */
export function sqlCursorKind(type: string): CursorKind | undefined {
  return CURSOR_TYPES.find(([pattern]) => pattern.test(type))?.[1];
}
