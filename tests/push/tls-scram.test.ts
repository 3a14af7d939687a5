/**
 * `onecode push` to a secured broker, configured through the environment as an operator does it:
 * TLS with the broker's CA, SASL SCRAM-SHA-256 / SCRAM-SHA-512, PLAIN with a client certificate.
 * Against the SASL_SSL listener of scripts/kafka.sh's broker (its test CA and SCRAM user); the feed
 * is read back by a consumer over the same listener. The failures an operator meets: a wrong
 * password (the message never holds a password, not even in debug logs), a broker whose CA is not
 * trusted, a client certificate from another CA. And `onecode serve`'s relay over the same listener.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../src/sample/generate.ts';
import { onecode } from '../support/cli.ts';
import { resolveKafkaTls, type ResolvedKafkaTls } from '../support/kafka.ts';
import { REPO } from '../support/workspace.ts';
import { consumeAll, deleteTopics } from './outbox-fixtures.ts';

const run = promisify(execFile);

let tls: ResolvedKafkaTls;
let dir: string;
let password: string;
/** The index with one run of the legal-person pipeline, all its events pending; copied per test. */
let baseDb: string;
let events: number;
const topics: string[] = [];

/** Every TLS and SASL variable emptied, so that nothing from the shell running the tests leaks in. */
const CLEAN_ENV = {
  KAFKA_SSL: '',
  KAFKA_SSL_CA_FILE: '',
  KAFKA_SSL_CERT_FILE: '',
  KAFKA_SSL_KEY_FILE: '',
  KAFKA_SSL_REJECT_UNAUTHORIZED: '',
  KAFKA_SASL_MECHANISM: '',
  KAFKA_SASL_USERNAME: '',
  KAFKA_SASL_PASSWORD: '',
  KAFKA_SASL_PASSWORD_FILE: '',
  ONECODE_LOG_LEVEL: 'silent',
};

beforeAll(async () => {
  tls = await resolveKafkaTls();
  password = (await readFile(tls.passwordFile, 'utf8')).trim();
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-tls-scram-'));
  await cp(path.join(REPO, 'pipelines'), path.join(dir, 'pipelines'), { recursive: true });
  await generateSample({ outDir: path.join(dir, 'data/sample'), seed: 3, scale: 1 });
  baseDb = path.join(dir, 'base.duckdb');
  const runs = await onecode(['run', 'bookkeeping-agencies', '--db', baseDb], { cwd: dir, env: { ...CLEAN_ENV, KAFKA_BROKERS: '' } });
  expect(runs.code, runs.stderr).toBe(0);
  events = Number(/(\d+) change event\(s\) pending/.exec(runs.stdout)![1]);
  expect(events).toBeGreaterThan(100);
}, 600_000);

afterAll(async () => {
  if (tls) {
    await deleteTopics(tls.plaintextBrokers, topics);
    await tls.stop();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A copy of the base index and a topic prefix of its own; returns the env that points push at the SASL_SSL listener. */
async function freshIndex(name: string): Promise<{ db: string; prefix: string; env: Record<string, string> }> {
  const db = path.join(dir, `${name}.duckdb`);
  await copyFile(baseDb, db);
  if (existsSync(`${baseDb}.wal`)) await copyFile(`${baseDb}.wal`, `${db}.wal`);
  const prefix = `tls-${name}-${randomUUID().slice(0, 8)}`;
  topics.push(...['person', 'legal_person', 'record'].map((e) => `${prefix}.${e}.v1`));
  return { db, prefix, env: { ...CLEAN_ENV, KAFKA_BROKERS: tls.brokers.join(','), ONECODE_TOPIC_PREFIX: prefix } };
}

/** Outbox counts from `onecode status --json`. */
async function outbox(db: string): Promise<{ pending: number; published: number }> {
  const status = await onecode(['status', '--json', '--db', db], { cwd: dir, env: CLEAN_ENV });
  expect(status.code, status.stderr).toBe(0);
  return (JSON.parse(status.stdout) as { outbox: { pending: number; published: number } }).outbox;
}

/** Reads the feed of `prefix` back over SASL_SSL (SCRAM-SHA-512) and checks it holds each event once, seq 1…events. */
async function expectFeed(prefix: string): Promise<void> {
  const feed = await consumeAll({
    brokers: tls.brokers,
    topics: ['person', 'legal_person', 'record'].map((e) => `${prefix}.${e}.v1`),
    expected: events,
    security: {
      ssl: { ca: [await readFile(tls.caFile, 'utf8')] },
      sasl: { mechanism: 'scram-sha-512', username: tls.username, password },
    },
  });
  expect(feed.filter((m) => m.value === null)).toEqual([]); // one run of new rows: no deletes
  expect(new Set(feed.map((m) => m.eventId)).size).toBe(events);
  expect(feed.map((m) => Number(m.seq)).sort((a, b) => a - b)).toEqual(Array.from({ length: events }, (_, i) => i + 1));
}

describe('onecode push over SASL_SSL', () => {
  it('the test broker offers what these tests use', () => {
    expect(tls.mechanisms).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']);
    expect(tls.brokers).not.toEqual(tls.plaintextBrokers);
    expect(password.length).toBeGreaterThan(0);
  });

  it.each(['scram-sha-256', 'scram-sha-512'])('%s with the broker CA: every event published, and read back over TLS', async (mechanism) => {
    const { db, prefix, env } = await freshIndex(mechanism);
    const push = await onecode(['push', '--db', db], {
      cwd: dir,
      env: { ...env, KAFKA_SSL_CA_FILE: tls.caFile, KAFKA_SASL_MECHANISM: mechanism.toUpperCase(), KAFKA_SASL_USERNAME: tls.username, KAFKA_SASL_PASSWORD_FILE: tls.passwordFile },
    });
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout)).toEqual({ published: events, skippedAlreadyOnBroker: 0, parked: 0, held: 0, pending: 0 });
    await expectFeed(prefix);
  }, 120_000);

  it('PLAIN with a client certificate (mutual TLS), KAFKA_SSL=true said outright', async () => {
    const { db, prefix, env } = await freshIndex('plain-mtls');
    const push = await onecode(['push', '--db', db], {
      cwd: dir,
      env: {
        ...env,
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: tls.caFile,
        KAFKA_SSL_CERT_FILE: tls.clientCertFile,
        KAFKA_SSL_KEY_FILE: tls.clientKeyFile,
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: tls.username,
        KAFKA_SASL_PASSWORD_FILE: tls.passwordFile,
      },
    });
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout)).toMatchObject({ published: events, pending: 0 });
    await expectFeed(prefix);
  }, 120_000);

  it('a wrong password: exit 1, AUTHENTICATION_FAILED, no password in the message or the debug log, nothing published', async () => {
    const { db, env } = await freshIndex('wrong-password');
    const wrong = `wrong-${randomUUID()}`;
    const wrongFile = path.join(dir, 'wrong-password');
    await writeFile(wrongFile, `${wrong}\n`, { mode: 0o600 });
    const push = await onecode(['push', '--db', db], {
      cwd: dir,
      env: { ...env, ONECODE_LOG_LEVEL: 'debug', KAFKA_SSL_CA_FILE: tls.caFile, KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: tls.username, KAFKA_SASL_PASSWORD_FILE: wrongFile },
    });
    expect(push.code).toBe(1);
    expect(push.stdout).toBe('');
    const last = push.stderr.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^onecode: push failed \(AUTHENTICATION_FAILED, not retriable\): Kafka broker refused the SASL credentials .*invalid credentials.*KAFKA_SASL_PASSWORD_FILE/);
    expect(last).toContain(`[0 published and 0 parked before it stopped, ${events} pending]`);
    expect(push.stderr.split('\n').length).toBeGreaterThan(3); // the debug log is there to be searched
    expect(push.stderr).not.toContain(wrong);
    expect(push.stderr).not.toContain(password);
    expect(await outbox(db)).toMatchObject({ pending: events, published: 0 });
  }, 120_000);

  it('a client that does not trust the broker CA: exit 1, TLS_FAILED saying the certificate does not verify, nothing published', async () => {
    const { db, env } = await freshIndex('untrusted');
    const push = await onecode(['push', '--db', db], {
      cwd: dir,
      env: { ...env, KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: tls.username, KAFKA_SASL_PASSWORD_FILE: tls.passwordFile },
    });
    expect(push.code).toBe(1);
    expect(push.stderr).toMatch(/^onecode: push failed \(TLS_FAILED, not retriable\): TLS handshake with the Kafka broker failed .*unable to verify the first certificate.*KAFKA_SSL_CA_FILE/);
    expect(push.stderr.split('\n')).toHaveLength(2);
    expect(await outbox(db)).toMatchObject({ pending: events, published: 0 });
  }, 120_000);

  it('a client certificate signed by another CA: the broker refuses it, exit 1, TLS_FAILED, nothing published', async () => {
    const { db, env } = await freshIndex('rogue-client');
    const rogue = path.join(dir, 'rogue-ca');
    // The same maker as the broker's (scripts/lib/test-ca.sh), so only the CA differs.
    await run('bash', ['-c', 'say() { :; }; die() { echo "$*" >&2; exit 1; }; source "$0"; ensure_test_ca "$1" rogue', path.join(REPO, 'scripts/lib/test-ca.sh'), rogue]);
    const push = await onecode(['push', '--db', db], {
      cwd: dir,
      env: {
        ...env,
        KAFKA_SSL_CA_FILE: tls.caFile,
        KAFKA_SSL_CERT_FILE: path.join(rogue, 'client-cert.pem'),
        KAFKA_SSL_KEY_FILE: path.join(rogue, 'client-key.pem'),
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: tls.username,
        KAFKA_SASL_PASSWORD_FILE: tls.passwordFile,
      },
    });
    expect(push.code).toBe(1);
    // The broker's TLS alert 46, certificate_unknown (RFC 5246 §7.2.2): the client certificate was sent and refused.
    expect(push.stderr).toMatch(/^onecode: push failed \(TLS_FAILED, not retriable\): TLS handshake with the Kafka broker failed .*certificate unknown.*KAFKA_SSL_CERT_FILE/);
    expect(await outbox(db)).toMatchObject({ pending: events, published: 0 });
  }, 120_000);

  it('KAFKA_SSL_REJECT_UNAUTHORIZED=false: pushes without the CA, and warns that the broker is not verified', async () => {
    const { db, env } = await freshIndex('unverified');
    const push = await onecode(['push', '--db', db], {
      cwd: dir,
      env: {
        ...env,
        ONECODE_LOG_LEVEL: 'warn',
        KAFKA_SSL: 'true',
        KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: tls.username,
        KAFKA_SASL_PASSWORD_FILE: tls.passwordFile,
      },
    });
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout)).toMatchObject({ published: events, pending: 0 });
    expect(push.stderr).toContain("TLS without verifying the broker's certificate (KAFKA_SSL_REJECT_UNAUTHORIZED=false)");
  }, 120_000);
});

describe('onecode serve over SASL_SSL', () => {
  it("relays the outbox with SCRAM-SHA-512 from the same variables as push", async () => {
    const { db, prefix, env } = await freshIndex('serve');
    const noPipelines = path.join(dir, 'no-pipelines');
    await mkdir(noPipelines, { recursive: true });
    const serve = spawn(process.execPath, [path.join(REPO, 'bin/onecode.js'), 'serve', '--pipelines', noPipelines, '--db', db, '--relay-interval', '0.5'], {
      cwd: dir,
      env: {
        ...process.env,
        CI: 'true',
        ...env,
        ONECODE_LOG_LEVEL: 'info',
        KAFKA_SSL_CA_FILE: tls.caFile,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: tls.username,
        KAFKA_SASL_PASSWORD_FILE: tls.passwordFile,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = once(serve, 'exit');
    const stderr: string[] = [];
    let published = 0;
    try {
      // Relayed lines until every event is published, or serve exits, or 60 s pass.
      const lines = createInterface({ input: serve.stderr! });
      const deadline = setTimeout(() => lines.close(), 60_000);
      for await (const line of lines) {
        stderr.push(line);
        const entry = parseLogLine(line);
        if (entry?.msg === 'outbox relayed') published += Number(entry.published ?? 0);
        if (published >= events) break;
      }
      clearTimeout(deadline);
    } finally {
      serve.kill('SIGTERM');
      await exited;
    }
    expect(published, stderr.join('\n').slice(-3000)).toBe(events);
    expect(stderr.join('\n')).not.toContain(password);
    expect(await outbox(db)).toMatchObject({ pending: 0, published: events });
    await expectFeed(prefix);
  }, 120_000);
});

/** A pino JSON line, or undefined for any other line (an error message). */
function parseLogLine(line: string): { msg?: string; published?: unknown } | undefined {
  try {
    return JSON.parse(line) as { msg?: string; published?: unknown };
  } catch {
    return undefined;
  }
}
