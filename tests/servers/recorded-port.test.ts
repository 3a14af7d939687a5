/**
 * scripts/postgres.sh and scripts/mysql.sh name the port their running server was started on, not
 * the one a later command's environment asks for: a shell without POSTGRES_PORT must not be told
 * the default port's URL (perhaps another user's server) for a server that listens elsewhere. Each
 * script runs on an instance of its own, on ports of its own, so the shared servers are untouched.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunLocalDb, dbScript, dbScriptPath, localDb, type DbScript } from '../support/db-local.ts';

const run = promisify(execFile);

const INSTANCE = 'recorded-port-test';
/** The port each server is started on, and another that a later environment asks for. */
const PORTS: Record<DbScript, { started: number; restarted: number; asked: number }> = {
  postgres: { started: 55452, restarted: 55462, asked: 55492 },
  mysql: { started: 53326, restarted: 53336, asked: 53396 },
};

/** Runs the script on the test instance with `<SCRIPT>_PORT=port`; stdout and stderr, trimmed. */
async function scriptWithPort(script: DbScript, args: string[], port: number): Promise<{ stdout: string; stderr: string }> {
  const prefix = script === 'postgres' ? 'POSTGRES' : 'MYSQL';
  const env = { ...process.env, [`${prefix}_INSTANCE`]: INSTANCE, [`${prefix}_PORT`]: String(port) };
  const { stdout, stderr } = await run('bash', [dbScriptPath(script), ...args], { env, timeout: 5 * 60_000 });
  return { stdout: stdout.trim(), stderr: stderr.trim() };
}

/** The port of a URL the script printed (its last stdout line). */
function portOf(stdout: string): number {
  return Number(new URL(stdout.split('\n').pop() ?? '').port);
}

/** Logs in with the URL and asks the server which port it listens on. */
async function serverPort(script: DbScript, url: string): Promise<number> {
  if (script === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('SHOW port');
    await client.end();
    return Number(rows[0].port);
  }
  const connection = await mysql.createConnection({ uri: url });
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT @@port AS port');
  await connection.end();
  return Number(rows[0]!.port);
}

describe.each<DbScript>(['postgres', 'mysql'])('scripts/%s.sh on a running server', (script) => {
  const ports = PORTS[script];
  const variable = script === 'postgres' ? 'POSTGRES_PORT' : 'MYSQL_PORT';
  const server = localDb(script, { instance: INSTANCE, port: ports.started });

  beforeAll(async () => {
    const local = await canRunLocalDb(script);
    if (!local.ok) throw new Error(`These tests run scripts/${script}.sh itself: ${local.reason}`);
    await server.reset();
  });

  afterAll(async () => {
    await server.reset();
  });

  it(`status, lease and stop use the port it was started on when ${variable} asks for another, and say so`, async () => {
    await server.start();

    const status = await scriptWithPort(script, ['status'], ports.asked);
    expect(portOf(status.stdout)).toBe(ports.started);
    expect(await serverPort(script, status.stdout)).toBe(ports.started);
    const note = status.stderr.split('\n').filter((line) => line.includes(String(ports.asked)));
    expect(note).toHaveLength(1);
    expect(note[0]).toContain(String(ports.started));
    expect(note[0]).toContain(variable);

    const lease = await scriptWithPort(script, ['lease', String(process.pid)], ports.asked);
    expect(portOf(lease.stdout)).toBe(ports.started);
    await scriptWithPort(script, ['release', String(process.pid)], ports.asked);

    await scriptWithPort(script, ['stop'], ports.asked);
    await expect(dbScript(script, ['status'], { instance: INSTANCE, port: ports.started })).rejects.toThrow(/not running/);
  });

  it('a data folder first started on one port starts on another, which the next status names', async () => {
    await scriptWithPort(script, ['start'], ports.restarted);
    const status = await scriptWithPort(script, ['status'], ports.started);
    expect(portOf(status.stdout)).toBe(ports.restarted);
    expect(await serverPort(script, status.stdout)).toBe(ports.restarted);

    const same = await scriptWithPort(script, ['status'], ports.restarted);
    expect(portOf(same.stdout)).toBe(ports.restarted);
    expect(same.stderr).not.toContain(variable);
    await scriptWithPort(script, ['stop'], ports.started);
  });
});
