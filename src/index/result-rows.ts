const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'HUGEINT', 'UHUGEINT']);

/**
 * Rows of a DuckDB result as JSON-ready objects, losslessly: integers become numbers when they
 * fit a double exactly and stay strings otherwise; decimals, dates and timestamps keep DuckDB's
 * text form; lists and structs become arrays and objects.
 */
export function resultRows(reader: { columnNames(): string[]; columnTypes(): { toString(): string }[]; getRowObjectsJson(): unknown[] }): Record<string, unknown>[] {
  const names = reader.columnNames();
  const integer = reader.columnTypes().map((t) => INTEGER_TYPES.has(t.toString()));
  return (reader.getRowObjectsJson() as Record<string, unknown>[]).map((row) => {
    names.forEach((name, i) => {
      const v = row[name];
      if (integer[i] && typeof v === 'string' && Number.isSafeInteger(Number(v))) row[name] = Number(v);
    });
    return row;
  });
}
