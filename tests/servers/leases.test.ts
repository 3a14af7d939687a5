/**
 * The lease protocol of scripts/postgres.sh and scripts/mysql.sh, on instances of their own (so the
 * shared default servers are not disturbed): holders are real processes, and whether the server
 * runs is asked of the script and proved by a login.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunLocalDb, dbScript, localDb, type DbScript, type LocalDbOptions } from '../support/db-local.ts';

const INSTANCES: Record<DbScript, LocalDbOptions> = {
  postgres: { instance: 'lease-test', port: 55442 },
  mysql: { instance: 'lease-test', port: 53316 },
};

/** A live process to hold a lease (the script counts a lease only while its pid lives). */
function holderProcess(): ChildProcess {
  return spawn('sleep', ['600'], { stdio: 'ignore' });
}

async function running(script: DbScript): Promise<boolean> {
  try {
    await dbScript(script, ['status'], INSTANCES[script]);
    return true;
  } catch {
    return false;
  }
}

/** Logs in as the test user and runs a query: the server answers, not only its pid file. */
async function answers(script: DbScript, url: string): Promise<boolean> {
  if (script === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('SELECT 1 AS one');
    await client.end();
    return rows[0].one === 1;
  }
  const connection = await mysql.createConnection({ uri: url });
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
  await connection.end();
  return rows[0]!.one === 1;
}

describe.each<DbScript>(['postgres', 'mysql'])('scripts/%s.sh leases', (script) => {
  const options = INSTANCES[script];
  const server = localDb(script, options);
  const holders: ChildProcess[] = [];
  const lease = (holder: ChildProcess) => dbScript(script, ['lease', String(holder.pid)], options);
  const release = (holder: ChildProcess) => dbScript(script, ['release', String(holder.pid)], options);

  beforeAll(async () => {
    const local = await canRunLocalDb(script);
    if (!local.ok) throw new Error(`These tests run scripts/${script}.sh itself: ${local.reason}`);
    await server.reset();
  });

  afterAll(async () => {
    for (const h of holders) h.kill('SIGKILL');
    await server.reset();
  });

  it('starts on the first lease, stays up while another holder lives, stops when the last one releases', async () => {
    const a = holderProcess();
    const b = holderProcess();
    holders.push(a, b);
    const url = await lease(a);
    expect(url).toBe(server.url);
    expect(await answers(script, url)).toBe(true);
    expect(await lease(b)).toBe(server.url);

    await release(a);
    expect(await running(script)).toBe(true);
    expect(await answers(script, url)).toBe(true);

    await release(b);
    expect(await running(script)).toBe(false);
  });

  it('does not count a holder that died without releasing', async () => {
    const dead = holderProcess();
    const alive = holderProcess();
    holders.push(dead, alive);
    await lease(dead);
    await lease(alive);
    dead.kill('SIGKILL');
    await new Promise((resolve) => dead.once('exit', resolve));

    await release(alive);
    expect(await running(script)).toBe(false);
  });

  it('never stops a server started by hand', async () => {
    const holder = holderProcess();
    holders.push(holder);
    await server.start();
    await lease(holder);
    await release(holder);
    expect(await running(script)).toBe(true);
    expect(await answers(script, server.url)).toBe(true);
    await server.stop();
    expect(await running(script)).toBe(false);
  });
});
