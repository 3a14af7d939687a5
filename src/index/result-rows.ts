/** DuckDB integer type names (their JSON form is a string when a double cannot hold every value). */
export const INTEGER_TYPES: ReadonlySet<string> = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'HUGEINT', 'UHUGEINT']);

type ColumnTypes = readonly { toString(): string }[];

/**
 * A function turning rows as `getRowObjectsJson` / `yieldRowObjectJson` give them into JSON-ready
 * objects, losslessly: integers become numbers when they fit a double exactly and stay strings
 * otherwise; decimals, dates and timestamps keep DuckDB's text form; lists and structs are arrays
 * and objects. Rows are changed in place.
 */
export function jsonRowReader(names: readonly string[], types: ColumnTypes): (rows: Record<string, unknown>[]) => Record<string, unknown>[] {
  const integer = names.filter((_, i) => INTEGER_TYPES.has(types[i]!.toString()));
  return (rows) => {
    if (integer.length === 0) return rows;
    for (const row of rows) {
      for (const name of integer) {
        const v = row[name];
        if (typeof v === 'string' && Number.isSafeInteger(Number(v))) row[name] = Number(v);
      }
    }
    return rows;
  };
}

/** Rows of a DuckDB result read whole, as {@link jsonRowReader} shapes them. */
export function resultRows(reader: { columnNames(): string[]; columnTypes(): ColumnTypes; getRowObjectsJson(): unknown[] }): Record<string, unknown>[] {
  return jsonRowReader(reader.columnNames(), reader.columnTypes())(reader.getRowObjectsJson() as Record<string, unknown>[]);
}
