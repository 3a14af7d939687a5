/**
 * TLS and SASL settings of the push from the environment (src/cli/kafka-settings.ts,
 * kafka-security-settings.ts): what a good configuration gives the publisher, and that every bad one
 * is a ConfigError kafka_config_invalid naming the variable, without the password. Real files: a CA,
 * certificates and keys made by openssl through scripts/lib/test-ca.sh, as the broker's are.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { resolveKafkaSettings } from '../../src/cli/kafka-settings.ts';
import { PushError } from '../../src/push/errors.ts';
import { createPublisher } from '../../src/push/publisher.ts';
import { isLoopbackBroker } from '../../src/push/security.ts';
import { ConfigError } from '../../src/errors.ts';
import { REPO } from '../support/workspace.ts';

const run = promisify(execFile);
const PASSWORD = 'Correct-Horse-7f3a';

let dir: string;
/** Files: CAs `a` and `b` (each with a client certificate and key), the password, and bad ones. */
const f = {} as Record<'caA' | 'certA' | 'keyA' | 'caB' | 'keyB' | 'password' | 'encryptedKey' | 'openKey' | 'openPassword' | 'certAsKey', string>;

async function makeCa(name: string): Promise<string> {
  const out = path.join(dir, name);
  await run('bash', ['-c', 'say() { :; }; die() { echo "$*" >&2; exit 1; }; source "$0"; ensure_test_ca "$1" "$2"', path.join(REPO, 'scripts/lib/test-ca.sh'), out, name]);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-kafka-security-'));
  const [a, b] = await Promise.all([makeCa('a'), makeCa('b')]);
  Object.assign(f, {
    caA: path.join(a, 'ca.pem'),
    certA: path.join(a, 'client-cert.pem'),
    keyA: path.join(a, 'client-key.pem'),
    caB: path.join(b, 'ca.pem'),
    keyB: path.join(b, 'client-key.pem'),
    password: path.join(dir, 'password'),
    encryptedKey: path.join(dir, 'encrypted-key.pem'),
    openKey: path.join(dir, 'open-key.pem'),
    openPassword: path.join(dir, 'open-password'),
    certAsKey: path.join(dir, 'cert-as-key.pem'),
  });
  await writeFile(f.password, `${PASSWORD}\n`, { mode: 0o600 });
  await writeFile(f.openPassword, `${PASSWORD}\n`);
  await chmod(f.openPassword, 0o644);
  await run('openssl', ['pkey', '-in', f.keyA, '-aes256', '-passout', 'pass:secret', '-out', f.encryptedKey]);
  await chmod(f.encryptedKey, 0o600);
  await writeFile(f.openKey, await readFile(f.keyA));
  await chmod(f.openKey, 0o644);
  await writeFile(f.certAsKey, await readFile(f.certA), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const BROKERS = { KAFKA_BROKERS: '127.0.0.1:9094' };
const SCRAM = { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'onecode-push' };

/** The settings for `env` (on top of a broker list). */
function settings(env: Record<string, string>) {
  return resolveKafkaSettings({}, { ...BROKERS, ...env });
}

/** Expects ConfigError kafka_config_invalid whose message matches `message` and holds no password. */
function expectInvalid(env: Record<string, string>, message: RegExp): void {
  let error: unknown;
  try {
    settings(env);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const e = error as ConfigError;
  expect(e.code).toBe('kafka_config_invalid');
  expect(e.exitCode).toBe(2);
  expect(e.message).toMatch(message);
  expect(e.message).not.toContain(PASSWORD);
}

describe('TLS settings', () => {
  it('none set: plain TCP, no SASL', () => {
    const s = settings({})!;
    expect(s.ssl).toBeUndefined();
    expect(s.sasl).toBeUndefined();
  });

  it('a CA file turns TLS on and is read; verification stays on', async () => {
    const s = settings({ KAFKA_SSL_CA_FILE: f.caA })!;
    expect(s.ssl).toEqual({ ca: await readFile(f.caA, 'utf8'), rejectUnauthorized: true });
  });

  it('KAFKA_SSL=true alone: TLS with the public CAs', () => {
    expect(settings({ KAFKA_SSL: 'TRUE' })!.ssl).toEqual({ rejectUnauthorized: true });
    expect(settings({ KAFKA_SSL: 'false' })!.ssl).toBeUndefined();
  });

  it('a client certificate and its key', async () => {
    const s = settings({ KAFKA_SSL_CA_FILE: f.caA, KAFKA_SSL_CERT_FILE: f.certA, KAFKA_SSL_KEY_FILE: f.keyA })!;
    expect(s.ssl?.cert).toBe(await readFile(f.certA, 'utf8'));
    expect(s.ssl?.key).toBe(await readFile(f.keyA, 'utf8'));
  });

  it('KAFKA_SSL_REJECT_UNAUTHORIZED=false is kept; without TLS it is refused', () => {
    expect(settings({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' })!.ssl).toEqual({ rejectUnauthorized: false });
    expectInvalid({ KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }, /^KAFKA_SSL_REJECT_UNAUTHORIZED is set but TLS is off/);
  });

  it('bad TLS settings name the variable', () => {
    expectInvalid({ KAFKA_SSL: 'maybe' }, /^KAFKA_SSL 'maybe' is not true or false/);
    expectInvalid({ KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: f.caA }, /^KAFKA_SSL=false but KAFKA_SSL_CA_FILE is set/);
    expectInvalid({ KAFKA_SSL_CA_FILE: path.join(dir, 'missing.pem') }, /^KAFKA_SSL_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/);
    expectInvalid({ KAFKA_SSL_CA_FILE: dir }, /^KAFKA_SSL_CA_FILE: .* is not a regular file/);
    expectInvalid({ KAFKA_SSL_CA_FILE: f.password }, /^KAFKA_SSL_CA_FILE: .*password holds no PEM certificate/);
    expectInvalid({ KAFKA_SSL_CERT_FILE: f.certA }, /^KAFKA_SSL_CERT_FILE is set without KAFKA_SSL_KEY_FILE/);
    expectInvalid({ KAFKA_SSL_KEY_FILE: f.keyA }, /^KAFKA_SSL_KEY_FILE is set without KAFKA_SSL_CERT_FILE/);
    expectInvalid({ KAFKA_SSL_CERT_FILE: f.certA, KAFKA_SSL_KEY_FILE: f.keyB }, /^KAFKA_SSL_KEY_FILE \(.*\) is not the private key of the first certificate in KAFKA_SSL_CERT_FILE/);
    expectInvalid({ KAFKA_SSL_CERT_FILE: f.certA, KAFKA_SSL_KEY_FILE: f.encryptedKey }, /^KAFKA_SSL_KEY_FILE: .* is encrypted/);
    expectInvalid({ KAFKA_SSL_CERT_FILE: f.certA, KAFKA_SSL_KEY_FILE: f.certAsKey }, /^KAFKA_SSL_KEY_FILE: .* holds no PEM private key/);
    expectInvalid({ KAFKA_SSL_CERT_FILE: f.certA, KAFKA_SSL_KEY_FILE: f.openKey }, /^KAFKA_SSL_KEY_FILE: .* is readable by others \(mode 644\): chmod 600 it/);
  });
});

describe('SASL settings', () => {
  it('SCRAM: the mechanism in either case, the password from its file without the line end', () => {
    const s = settings({ ...SCRAM, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_PASSWORD_FILE: f.password })!;
    expect(s.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'onecode-push', password: PASSWORD });
    expect(s.ssl).toBeUndefined(); // SCRAM never sends the password: it may go without TLS
  });

  it('the password never shows in JSON (pino) or util.inspect', () => {
    const s = settings({ ...SCRAM, KAFKA_SSL_CA_FILE: f.caA, KAFKA_SASL_PASSWORD_FILE: f.password })!;
    for (const shown of [JSON.stringify(s), inspect(s, { depth: 5 }), inspect({ ...s, sasl: { ...s.sasl } }, { depth: 5 })]) {
      expect(shown).not.toContain(PASSWORD);
      expect(shown).toContain('[redacted]');
      expect(shown).toContain('onecode-push');
    }
  });

  it('PLAIN over TLS is accepted, without TLS refused', () => {
    const plain = { ...SCRAM, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD_FILE: f.password };
    expect(settings({ ...plain, KAFKA_SSL: 'true' })!.sasl?.mechanism).toBe('plain');
    expectInvalid(plain, /^KAFKA_SASL_MECHANISM=plain sends the password itself .*KAFKA_SSL=true/);
  });

  it('bad SASL settings name the variable, never the password', async () => {
    expectInvalid({ ...SCRAM, KAFKA_SASL_PASSWORD: PASSWORD }, /^KAFKA_SASL_PASSWORD is not read: .*KAFKA_SASL_PASSWORD_FILE/);
    expectInvalid({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: f.password }, /^KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE set without KAFKA_SASL_MECHANISM/);
    expectInvalid({ ...SCRAM, KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_PASSWORD_FILE: f.password }, /^KAFKA_SASL_MECHANISM 'gssapi' is not one of scram-sha-256, scram-sha-512, plain/);
    expectInvalid({ ...SCRAM, KAFKA_SASL_USERNAME: ' ', KAFKA_SASL_PASSWORD_FILE: f.password }, /^KAFKA_SASL_MECHANISM=scram-sha-256 needs KAFKA_SASL_USERNAME/);
    expectInvalid(SCRAM, /^KAFKA_SASL_MECHANISM=scram-sha-256 needs KAFKA_SASL_PASSWORD_FILE/);
    expectInvalid({ ...SCRAM, KAFKA_SASL_PASSWORD_FILE: f.openPassword }, /^KAFKA_SASL_PASSWORD_FILE: .*open-password is readable by others \(mode 644\)/);
    const empty = path.join(dir, 'empty');
    await writeFile(empty, '\n', { mode: 0o600 });
    expectInvalid({ ...SCRAM, KAFKA_SASL_PASSWORD_FILE: empty }, /^KAFKA_SASL_PASSWORD_FILE \(.*empty\) is empty/);
    const twoLines = path.join(dir, 'two-lines');
    await writeFile(twoLines, `${PASSWORD}\nsecond\n`, { mode: 0o600 });
    expectInvalid({ ...SCRAM, KAFKA_SASL_PASSWORD_FILE: twoLines }, /^KAFKA_SASL_PASSWORD_FILE \(.*two-lines\) holds more than one line/);
  });

  it('without a broker nothing of TLS or SASL is read', () => {
    expect(resolveKafkaSettings({}, { KAFKA_SSL: 'maybe', KAFKA_SASL_PASSWORD: PASSWORD })).toBeUndefined();
  });
});

describe('SASL without TLS', () => {
  it('loopback brokers: localhost, 127.0.0.0/8 and ::1; any other name or address is remote', () => {
    for (const b of ['localhost:9092', 'LOCALHOST:9092', '127.0.0.1:29092', '127.1.2.3:9092', '[::1]:9092']) expect(isLoopbackBroker(b), b).toBe(true);
    for (const b of ['kafka.example.org:9093', '10.0.0.5:9092', '128.0.0.1:9092', 'localhost.example.org:9092', '[::2]:9092']) expect(isLoopbackBroker(b), b).toBe(false);
  });

  /** The publisher's log lines when it tries to connect to `brokers` (nothing answers there) with SCRAM and no TLS. */
  async function warningsConnecting(brokers: string[]): Promise<Array<Record<string, unknown>>> {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } }));
    const connecting = createPublisher({ brokers, sasl: { mechanism: 'scram-sha-256', username: 'u', password: PASSWORD }, logger, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 }, connectionTimeoutMs: 200 });
    await expect(connecting).rejects.toBeInstanceOf(PushError);
    return lines.filter((l) => String(l.msg).startsWith('SASL without TLS'));
  }

  it('to a broker not on this machine is logged as a warning naming the brokers, never the password; to a loopback broker it is not', async () => {
    const remote = await warningsConnecting(['127.0.0.1:1', 'onecode-no-such-broker.invalid:9092']);
    expect(remote).toHaveLength(1);
    expect(remote[0]).toMatchObject({ level: 40, brokers: ['onecode-no-such-broker.invalid:9092'], mechanism: 'scram-sha-256' });
    expect(String(remote[0]!.msg)).toMatch(/personal values included, crosses the network in clear.*KAFKA_SSL=true/);
    expect(JSON.stringify(remote)).not.toContain(PASSWORD);
    expect(await warningsConnecting(['127.0.0.1:1', 'localhost:1'])).toHaveLength(0);
  });
});
