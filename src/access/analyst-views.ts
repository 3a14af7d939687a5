/**
 * The views an analyst's SQL reads: the analyst views of the index (src/index/views.ts), each
 * shadowed on the analyst's connection by a temporary view of the same name whose values are
 * protected under the analyst's policy (protect-functions.ts), column by column as the export
 * writes them (src/export/export-columns.ts, with public and internal values in clear and personal
 * ones under the analyst's policy): by the analyst views' table (analyst-view-columns.ts) and the
 * classes the pipelines declare (recorded in event_classes), the stricter winning, so a query, an
 * export and a feed protect a value alike. DuckDB resolves an unqualified name to a temporary view
 * first; a query naming a schema, or any other table, is refused before it runs
 * (src/access/read-only-query.ts with {@link ANALYST_VIEW_NAMES}), so an analyst reads only these.
 *
 * Each temporary view reads the view underneath by its catalogue-qualified name
 * (`"<database>".main.persons`; DuckDB refuses `main.persons` inside a temporary `persons` as a
 * recursive view). A column the table does not list is left out (fail closed), as are the texts
 * that may hold anything (`records.payload`, `quarantine.raw` and `raw_sm3`, `changes.event`,
 * `source_states.state`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { exportColumnSql, type Protectors } from '../export/export-columns.ts';
import { quoteLiteral } from '../index/sql-text.ts';
import { readEventClasses } from '../outbox/event-classes.ts';
import { ANALYST_VIEW_NAMES } from './analyst-view-columns.ts';
import { ensureProtectionFunctions, type ProtectingPolicy } from './protect-functions.ts';

export { ANALYST_VIEW_NAMES, ANALYST_VIEWS } from './analyst-view-columns.ts';

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Creates, on `connection`, a temporary view for each analyst view of its database, protecting
 * personal values under `policy` (public and internal ones are shown in clear). Until
 * {@link removeAnalystViews}, every unqualified name of an analyst view on this connection reads
 * the protected view (lookupCode, too: run lookups on another connection or after removing them).
 * @param key the pseudonymisation key, needed for `pseudonymise`.
 * @returns the columns left out, per view (`records.payload`, …), for tests and reviews.
 */
export async function installAnalystViews(connection: DuckDBConnection, policy: ProtectingPolicy, key?: Buffer): Promise<Record<string, string[]>> {
  // the mask's functions tell a change's USCC from an ID number under either policy (export-columns.ts)
  const protectors: Protectors = { mask: await ensureProtectionFunctions(connection, 'mask') };
  protectors[policy] = await ensureProtectionFunctions(connection, policy, key);
  const classes = await readEventClasses(connection);
  const database = String((await connection.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
  const rows = (await connection.runAndReadAll(`
    SELECT table_name, column_name FROM duckdb_columns()
    WHERE database_name = ${quoteLiteral(database)} AND schema_name = 'main' AND table_name IN (${[...ANALYST_VIEW_NAMES].map(quoteLiteral).join(', ')})
    ORDER BY table_name, column_index`)).getRows() as [string, string][];
  const leftOut: Record<string, string[]> = {};
  const statements: string[] = [];
  for (const view of ANALYST_VIEW_NAMES) {
    const columns = rows.filter(([table]) => table === view).map(([, column]) => column);
    if (columns.length === 0) continue;
    const select: string[] = [];
    for (const column of columns) {
      const c = exportColumnSql(view, column, { public: 'clear', internal: 'clear', personal: policy }, protectors, classes);
      if (c === undefined) (leftOut[view] ??= []).push(column);
      else select.push(c.sql);
    }
    statements.push(`CREATE OR REPLACE TEMP VIEW ${ident(view)} AS SELECT ${select.join(', ')} FROM ${ident(database)}.main.${ident(view)}`);
  }
  await connection.run(statements.join(';\n'));
  return leftOut;
}

/** Drops the temporary views of {@link installAnalystViews} from `connection`. */
export async function removeAnalystViews(connection: DuckDBConnection): Promise<void> {
  await connection.run([...ANALYST_VIEW_NAMES].map((view) => `DROP VIEW IF EXISTS temp.main.${ident(view)}`).join(';\n'));
}
