/**
 * DuckDB's httpfs extension, loaded from onecode's own extension folder, never from the network.
 *
 * DuckDB (since 1.4.1) writes encrypted database files only with OpenSSL, which reaches it through
 * its httpfs extension; without it DuckDB can read an encrypted file but refuses to write one (its
 * built-in Mbed TLS fallback had a weak random number generator: advisory GHSA-vmp8-hg63-v2hp).
 * `npm run duckdb:extensions` (scripts/duckdb-extensions.ts) installs the signed extension built
 * for the DuckDB onecode uses into {@link duckdbExtensionDirectory}; DuckDB checks its signature
 * when it loads it (`allow_unsigned_extensions` stays false).
 */
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { OnecodeError } from '../errors.ts';
import { packagePath } from '../package-root.ts';

/** The environment variable that moves the extension folder (default `<onecode>/.cache/duckdb/extensions`). */
export const DUCKDB_EXTENSIONS_VARIABLE = 'ONECODE_DUCKDB_EXTENSIONS';

/** The folder of onecode's DuckDB extensions, laid out as DuckDB's `extension_directory`: `<dir>/<version>/<platform>/<name>.duckdb_extension`. */
export function duckdbExtensionDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env[DUCKDB_EXTENSIONS_VARIABLE];
  if (chosen !== undefined && chosen !== '') return path.resolve(chosen);
  return packagePath('.cache', 'duckdb', 'extensions');
}

/**
 * DuckDB settings for an instance that loads its extensions from {@link duckdbExtensionDirectory}
 * only: no automatic install (it would reach DuckDB's extension repository over the network).
 */
export function offlineExtensionSettings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { extension_directory: duckdbExtensionDirectory(env), autoinstall_known_extensions: 'false' };
}

/**
 * Loads httpfs (and so OpenSSL for DuckDB's encryption) on `connection`, whose instance was made
 * with {@link offlineExtensionSettings}.
 * @param what what the extension is needed for, for the message (e.g. the index file).
 * @throws OnecodeError `duckdb_extension_missing` (exit 2) saying how to install it, or
 *   `duckdb_extension_unloadable` with DuckDB's reason (a bad signature, another DuckDB version).
 */
export async function loadHttpfs(connection: DuckDBConnection, what: string): Promise<void> {
  try {
    await connection.run('LOAD httpfs');
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0]!;
    if (/not found/i.test(reason)) {
      throw new OnecodeError('duckdb_extension_missing', `${what}: an encrypted index needs DuckDB's httpfs extension (OpenSSL), which is not installed in ${duckdbExtensionDirectory()}: run 'npm run duckdb:extensions' (or point ${DUCKDB_EXTENSIONS_VARIABLE} at a folder that has it)`, { exitCode: 2 });
    }
    throw new OnecodeError('duckdb_extension_unloadable', `${what}: DuckDB cannot load its httpfs extension (${reason}); run 'npm run duckdb:extensions' again`, { exitCode: 2 });
  }
}
