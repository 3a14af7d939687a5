/**
 * Database servers run by scripts/postgres.sh (PostgreSQL) and scripts/mysql.sh (MariaDB) from
 * Debian's packages, for tests on machines without Docker. Each instance has its own data folder
 * under .cache/<script>/<instance>, listens on 127.0.0.1 on its own port, and holds database
 * `onecode_test` with user `onecode` (test-only password). Measured on a 2-core machine: a first
 * start, with initdb or mariadb-install-db, 0.7-1.3 s (2.1-2.6 s while a full test suite ran beside
 * it); a later start 0.2-0.3 s; a stop 0.2-0.3 s.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { leaseHolders, type TestServer } from './shared-server.ts';

const run = promisify(execFile);

/** Which script: scripts/postgres.sh or scripts/mysql.sh. */
export type DbScript = 'postgres' | 'mysql';

/** Options naming one independent server instance of a script. */
export interface LocalDbOptions {
  /** Instance name: its own data, pid file and log under .cache/<script>/<instance>. Default "default". */
  instance?: string;
  /** Port on 127.0.0.1. Default 55432 (postgres) or 53306 (mysql). */
  port?: number;
}

/** A handle on one script instance; nothing is started until `start()`. */
export interface LocalDb {
  /** Connection URL with the test-only credentials (not to be logged). */
  url: string;
  /** `start`: initialises once, starts it (idempotent) and waits until the test user can query. */
  start: () => Promise<void>;
  /** `stop`: stops it cleanly and waits until the process is gone and the port is free. */
  stop: () => Promise<void>;
  /** `reset`: stops it and deletes its data. */
  reset: () => Promise<void>;
}

/** Default ports, as in the scripts. */
export const DEFAULT_PORTS: Record<DbScript, number> = { postgres: 55432, mysql: 53306 };

/** Test-only credentials, as in the scripts and the testcontainers path. */
export const TEST_DATABASE = 'onecode_test';
export const TEST_USER = 'onecode';
export const TEST_PASSWORD = 'onecode-test-only';

/** Absolute path of scripts/<script>.sh. */
export function dbScriptPath(script: DbScript): string {
  return fileURLToPath(new URL(`../../scripts/${script}.sh`, import.meta.url));
}

/**
 * Runs `scripts/<script>.sh <args>` for one instance and returns its stdout (trimmed). The error
 * carries the script's stderr (its messages and the server log's tail; no credentials).
 */
export async function dbScript(script: DbScript, args: string[], options: LocalDbOptions = {}): Promise<string> {
  const prefix = script === 'postgres' ? 'POSTGRES' : 'MYSQL';
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.instance !== undefined) env[`${prefix}_INSTANCE`] = options.instance;
  if (options.port !== undefined) env[`${prefix}_PORT`] = String(options.port);
  try {
    const { stdout } = await run('bash', [dbScriptPath(script), ...args], {
      env,
      timeout: 5 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`scripts/${script}.sh ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * Whether the script can run a server on this machine (`<script>.sh check`): `{ ok: true }`, or
 * `{ ok: false, reason }` with the script's word on what to install.
 */
export async function canRunLocalDb(script: DbScript): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await dbScript(script, ['check']);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** A handle on one script instance (for tests that stop and start a server of their own). */
export function localDb(script: DbScript, options: LocalDbOptions = {}): LocalDb {
  const port = options.port ?? DEFAULT_PORTS[script];
  return {
    url: `${script}://${TEST_USER}:${TEST_PASSWORD}@127.0.0.1:${port}/${TEST_DATABASE}`,
    start: async () => {
      await dbScript(script, ['start'], options);
    },
    stop: async () => {
      await dbScript(script, ['stop'], options);
    },
    reset: async () => {
      await dbScript(script, ['reset'], options);
    },
  };
}

/**
 * Takes a lease on the default instance for this process (`lease <pid>`): starts the server when it
 * is not running; `stop()` releases, which stops the server when this was the last live holder and a
 * lease had started it (a server started by hand is left running). Under vitest it first takes one
 * for the run (global-setup.ts: {@link leaseHolders}), which keeps the server up between test files.
 */
export async function leaseLocalDb(script: DbScript): Promise<TestServer> {
  const holder = String(process.pid);
  let out = '';
  for (const h of leaseHolders()) out = await dbScript(script, ['lease', h]); // the run's, then this process's
  const url = out.split('\n').pop() ?? '';
  if (!url.startsWith(`${script}://`)) {
    throw new Error(`scripts/${script}.sh lease printed no ${script}:// URL on its last line`);
  }
  return {
    url,
    source: 'local',
    stop: async () => {
      await dbScript(script, ['release', holder]);
    },
  };
}
