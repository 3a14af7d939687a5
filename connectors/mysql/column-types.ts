/**
 * What a MySQL result column is, from its column definition packet (MySQL client/server protocol,
 * Protocol::ColumnDefinition41: type code, flags, length in bytes of the result character set,
 * decimals, character set; MariaDB's extended metadata names JSON): its type name for schema
 * drift (which also says whether it can bound a cursor read: sql/cursor-types.ts), and how its
 * bytes become the connector's text.
 *
 * The session's result character set is utf8mb4 (connectors/mysql.ts), so every text column
 * arrives as UTF-8 whatever its own character set; binary strings (character set 63) do not.
 */

/** The part of mysql2's ColumnDefinition read here. */
export interface MysqlField {
  name: string;
  columnType: number;
  columnLength: number;
  decimals: number;
  flags: number;
  characterSet: number;
  /** MariaDB extended metadata: `json` for a JSON column (sent as LONGTEXT). */
  extendedFormat?: string;
}

/** Type codes (include/field_types.h, enum_field_types). */
const T = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9,
  DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16, VECTOR: 242, JSON: 245,
  NEWDECIMAL: 246, ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251, BLOB: 252,
  VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;

/** Column flags (include/mysql_com.h). */
const FLAG = { UNSIGNED: 32, ENUM: 256, SET: 2048 } as const;

/** The `binary` character set: bytes, not text. */
const BINARY_CHARSET = 63;

/** utf8mb3 collations (3 bytes a character at most); every other text column of a utf8mb4 result takes 4. */
const UTF8MB3 = new Set([33, 76, 83, ...Array.from({ length: 24 }, (_, i) => 192 + i), 223]);

const INTEGERS: Record<number, string> = { [T.TINY]: 'TINYINT', [T.SHORT]: 'SMALLINT', [T.INT24]: 'MEDIUMINT', [T.LONG]: 'INT', [T.LONGLONG]: 'BIGINT' };
const STRINGS = new Set<number>([T.VARCHAR, T.VAR_STRING, T.STRING, T.TINY_BLOB, T.MEDIUM_BLOB, T.LONG_BLOB, T.BLOB, T.ENUM, T.SET]);

const isJson = (f: MysqlField) => f.columnType === T.JSON || f.extendedFormat === 'json';
const isBinary = (f: MysqlField) => (STRINGS.has(f.columnType) && f.characterSet === BINARY_CHARSET && !isJson(f)) || f.columnType === T.GEOMETRY || f.columnType === T.VECTOR;

/**
 * The type name as MySQL writes it in DDL, from the packet: `BIGINT UNSIGNED`, `DECIMAL(20,2)`,
 * `VARCHAR(18)`, `VARBINARY(8)`, `DATETIME(6)`, `LONGTEXT`, `JSON`, `ENUM`. Display widths
 * (`INT(11)`) are not kept (MySQL 8.0.17 deprecates them), nor the values of an ENUM or SET.
 */
export function mysqlTypeName(f: MysqlField): string {
  const unsigned = f.flags & FLAG.UNSIGNED ? ' UNSIGNED' : '';
  const binary = f.characterSet === BINARY_CHARSET;
  const chars = (bytes: number) => (binary ? bytes : Math.floor(bytes / (UTF8MB3.has(f.characterSet) ? 3 : 4)));
  const fsp = f.decimals > 0 && f.decimals <= 6 ? `(${f.decimals})` : '';
  if (isJson(f)) return 'JSON';
  if (INTEGERS[f.columnType]) return `${INTEGERS[f.columnType]}${unsigned}`;
  switch (f.columnType) {
    case T.DECIMAL:
    case T.NEWDECIMAL: {
      // The length counts the digits, a point when there are decimals, and a sign unless unsigned.
      const precision = f.columnLength - (f.decimals > 0 ? 1 : 0) - (unsigned ? 0 : 1);
      return `DECIMAL(${precision},${f.decimals})${unsigned}`;
    }
    case T.FLOAT: return `FLOAT${unsigned}`;
    case T.DOUBLE: return `DOUBLE${unsigned}`;
    case T.TIMESTAMP: return `TIMESTAMP${fsp}`;
    case T.DATETIME: return `DATETIME${fsp}`;
    case T.TIME: return `TIME${fsp}`;
    case T.DATE:
    case T.NEWDATE: return 'DATE';
    case T.YEAR: return 'YEAR';
    case T.BIT: return `BIT(${f.columnLength})`;
    case T.GEOMETRY: return 'GEOMETRY';
    case T.VECTOR: return 'VECTOR';
    case T.NULL: return 'NULL';
    case T.ENUM: return 'ENUM';
    case T.SET: return 'SET';
    case T.STRING:
      if (f.flags & FLAG.ENUM) return 'ENUM';
      if (f.flags & FLAG.SET) return 'SET';
      return `${binary ? 'BINARY' : 'CHAR'}(${chars(f.columnLength)})`;
    case T.VARCHAR:
    case T.VAR_STRING: return `${binary ? 'VARBINARY' : 'VARCHAR'}(${chars(f.columnLength)})`;
    default: {
      // The BLOB and TEXT family: the type code says BLOB, the length says which.
      const n = chars(f.columnLength);
      const size = n <= 255 ? 'TINY' : n <= 65_535 ? '' : n <= 16_777_215 ? 'MEDIUM' : 'LONG';
      return `${size}${binary ? 'BLOB' : 'TEXT'}`;
    }
  }
}

/** Whether values are structured (JSON): listed in a row's `nonScalar`. */
export function mysqlStructured(f: MysqlField): boolean {
  return isJson(f);
}

/**
 * The bytes of a value → the connector's text:
 * - text, numbers (`18446744073709551615`, `123456789012345678.12`), DATE, DATETIME, TIME, YEAR,
 *   JSON: the server's text, UTF-8 (DATETIME is the wall time written: no zone applies to it);
 * - TIMESTAMP: the server's text in the session zone, UTC+8, with `+08:00` (a zero date
 *   `0000-00-00 00:00:00` as it is);
 * - BINARY, VARBINARY, BLOB, GEOMETRY (SRID + WKB), VECTOR: lower-case hex;
 * - BIT: the unsigned integer it holds, in decimal (`b'101'` → `5`).
 */
export function mysqlConverter(f: MysqlField): (bytes: Buffer) => string {
  if (isBinary(f)) return (bytes) => bytes.toString('hex');
  if (f.columnType === T.BIT) return (bytes) => (bytes.length === 0 ? '0' : BigInt(`0x${bytes.toString('hex')}`).toString());
  if (f.columnType === T.TIMESTAMP) {
    return (bytes) => {
      const text = bytes.toString('utf8');
      return text.startsWith('0000-00-00') ? text : `${text}+08:00`;
    };
  }
  return (bytes) => bytes.toString('utf8');
}
