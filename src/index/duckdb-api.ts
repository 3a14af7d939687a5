/**
 * The values onecode takes from DuckDB's Node API (@duckdb/node-api), loaded with `require`.
 *
 * @duckdb/node-api is CommonJS: 124 files that re-export each other. An ESM `import { … }` of it
 * makes Node scan every one of those files for their export names (cjs-module-lexer) before it
 * runs them, which measured 250-330 ms on top of the 150-250 ms `require` takes (2 cores, Node
 * 20): half the start of `onecode status`. Loaded here with `require` and re-exported, it costs
 * the `require` alone. The classes are the same objects an `import` would give (Node shares its
 * CommonJS module cache between both), so `instanceof` and static settings hold across the two.
 * Types still come from `import type { … } from '@duckdb/node-api'`, which loads nothing.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as DuckDB from '@duckdb/node-api';

/**
 * The compiled CLI (dist/) carries the package bundled into one file, dist/src/vendor/duckdb-node-api.cjs
 * (scripts/build.js), which loads in a third of the time the package's 124 files take; from the
 * sources (tsx, the tests) there is no such file and the package itself is loaded. One process
 * loads one or the other, never both: every runtime value comes from this module.
 */
const bundled = fileURLToPath(new URL('../vendor/duckdb-node-api.cjs', import.meta.url));
const require = createRequire(import.meta.url);
const duckdb = (existsSync(bundled) ? require(bundled) : require('@duckdb/node-api')) as typeof DuckDB;

export const DuckDBInstance = duckdb.DuckDBInstance;
export type DuckDBInstance = DuckDB.DuckDBInstance;
export const DuckDBTimestampTZValue = duckdb.DuckDBTimestampTZValue;
export type DuckDBTimestampTZValue = DuckDB.DuckDBTimestampTZValue;
export const DuckDBScalarFunction = duckdb.DuckDBScalarFunction;
export type DuckDBScalarFunction = DuckDB.DuckDBScalarFunction;
export const DuckDBArrayType = duckdb.DuckDBArrayType;
export type DuckDBArrayType = DuckDB.DuckDBArrayType;
export const DuckDBListType = duckdb.DuckDBListType;
export type DuckDBListType = DuckDB.DuckDBListType;
export const DuckDBStructType = duckdb.DuckDBStructType;
export type DuckDBStructType = DuckDB.DuckDBStructType;
export const JsonDuckDBValueConverter = duckdb.JsonDuckDBValueConverter;
export const LIST = duckdb.LIST;
export const VARCHAR = duckdb.VARCHAR;
