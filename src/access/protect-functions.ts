/**
 * SQL functions that protect a personal value under an exit policy, for the analysts' views
 * (analyst-views.ts): one scalar function per kind of value (personal-values.ts), written in
 * JavaScript and registered with DuckDB (@duckdb/node-api registerScalarFunction), each calling
 * guard-value.ts guardValue, so a value is masked or pseudonymised in SQL exactly as in a lookup
 * document (an analyst's pseudonym in a query joins with the one in a lookup).
 *
 * DuckDB registers such functions in the instance's system catalogue: every connection of the
 * instance sees them, for as long as the instance lives. They are therefore registered once per
 * instance and policy, under names that say the policy, and for `pseudonymise` a fingerprint of
 * the key (`oc_protect_p3f9a…_id_number`), so that two keys never share a function. Queries may
 * not call them (src/access/read-only-query.ts refuses the prefix): a pseudonymising function would
 * let a query pseudonymise guesses and compare them with the pseudonyms it sees.
 */
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBScalarFunction, VARCHAR } from '../index/duckdb-api.ts';
import { PROTECTION_FUNCTION_PREFIX } from './read-only-query.ts';
import type { ExitPolicy } from '../protect/policy.ts';
import { guardValue, LEFT_OUT } from './guard-value.ts';
import type { ValueKind } from './personal-values.ts';

/** Kinds a function protects (the others are shown as they are, or left out: {@link ProtectSql}). */
const FUNCTION_KINDS = ['id_number', 'person_name', 'phone', 'address', 'birth_date', 'code', 'opaque', 'reasons'] as const satisfies readonly ValueKind[];

/** The SQL of a value of `kind` under the registered policy: `expr` itself, a protecting call, or `NULL` for a value left out. */
export type ProtectSql = (kind: ValueKind, expr: string) => string;

/** The policies that protect values in SQL. */
export type ProtectingPolicy = Extract<ExitPolicy, 'mask' | 'pseudonymise'>;

/** `mask`, or `p` and 12 hex characters of an SM3 digest of the key (never the key). */
function policyTag(policy: ProtectingPolicy, key?: Buffer): string {
  if (policy === 'mask') return 'mask';
  return `p${createHash('sm3').update('onecode pseudonym key fingerprint\0').update(key!).digest('hex').slice(0, 12)}`;
}

/** Name of the function protecting `kind` under the policy (and key). */
export function protectionFunctionName(kind: (typeof FUNCTION_KINDS)[number], policy: ProtectingPolicy, key?: Buffer): string {
  return `${PROTECTION_FUNCTION_PREFIX}${policyTag(policy, key)}_${kind}`;
}

/** One function: VARCHAR → VARCHAR, NULL → NULL; `reasons` takes and gives JSON text. */
function protectionFunction(kind: (typeof FUNCTION_KINDS)[number], policy: ProtectingPolicy, key?: Buffer): DuckDBScalarFunction {
  const shown = (value: string | null): string | null => {
    if (value === null) return null;
    if (kind !== 'reasons') {
      const result = guardValue(value, kind, policy, key);
      return result === LEFT_OUT ? null : (result as string | null);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
    const result = guardValue(parsed, 'reasons', policy, key);
    return result === LEFT_OUT ? null : JSON.stringify(result);
  };
  return DuckDBScalarFunction.create({
    name: protectionFunctionName(kind, policy, key),
    returnType: VARCHAR,
    parameterTypes: [VARCHAR],
    mainFunction: (_info, input, output) => {
      const values = input.getColumnVector(0);
      for (let row = 0; row < input.rowCount; row++) output.setItem(row, shown(values.getItem(row) as string | null));
      output.flush();
    },
  });
}

/** Registrations run one at a time in this process, so two requests never register a name twice. */
let registering: Promise<unknown> = Promise.resolve();

/**
 * Registers the protection functions of `policy` (and `key`) with the instance of `connection`,
 * unless it has them, and returns how to write a protected value in SQL.
 * @param key the pseudonymisation key (16 bytes or more), needed for `pseudonymise`.
 * @throws RangeError for `pseudonymise` without a key.
 */
export async function ensureProtectionFunctions(connection: DuckDBConnection, policy: ProtectingPolicy, key?: Buffer): Promise<ProtectSql> {
  if (policy === 'pseudonymise' && (key === undefined || key.length < 16)) throw new RangeError('pseudonymise needs a key of 16 bytes or more');
  const names = Object.fromEntries(FUNCTION_KINDS.map((kind) => [kind, protectionFunctionName(kind, policy, key)])) as Record<(typeof FUNCTION_KINDS)[number], string>;
  const done = registering.then(async () => {
    const present = new Set((await connection.runAndReadAll(`SELECT DISTINCT function_name FROM duckdb_functions() WHERE starts_with(function_name, '${PROTECTION_FUNCTION_PREFIX}${policyTag(policy, key)}_')`)).getRows().map((r) => String(r[0])));
    for (const kind of FUNCTION_KINDS) if (!present.has(names[kind])) connection.registerScalarFunction(protectionFunction(kind, policy, key));
  });
  registering = done.catch(() => undefined);
  await done;
  return (kind, expr) => {
    if (kind === 'clear' || kind === 'uscc' || kind === 'legacy_code') return expr;
    if (kind === 'withheld') return 'NULL';
    if (kind === 'reasons') return `CAST(${names.reasons}(CAST(${expr} AS VARCHAR)) AS JSON)`;
    return `${names[kind]}(CAST(${expr} AS VARCHAR))`;
  };
}
