/**
 * TLS and SASL for the push, from the environment (the table in src/cli/kafka-settings.ts lists the
 * variables). Files are read here, once, so that a wrong path or a bad file is a configuration
 * error before anything connects, naming the variable; no message ever holds a password or the
 * contents of a file.
 *
 * Rules (decisions, documented in the README, "Pushing to a secured broker"):
 * - TLS is on when KAFKA_SSL is true, or when it is unset and a KAFKA_SSL_*_FILE is set.
 *   KAFKA_SSL=false with a KAFKA_SSL_*_FILE is a contradiction, refused.
 * - The SASL password comes from a file only (KAFKA_SASL_PASSWORD_FILE): environment variables are
 *   inherited by child processes and readable in /proc/<pid>/environ; KAFKA_SASL_PASSWORD is refused
 *   with a message saying so, rather than ignored.
 * - Files holding a secret (the password, the client key) must be readable by their owner only,
 *   like the pseudonym key file (src/protect/key-file.ts).
 * - PLAIN sends the password itself, so it needs TLS; SCRAM does not send it and may go without,
 *   but then the feed itself crosses the network in clear: the publisher warns when SASL goes
 *   without TLS to a broker that is not on this machine (src/push/publisher.ts).
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { ownerOnlyProblem } from '../protect/owner-only-file.ts';
import { SASL_MECHANISMS, saslCredentials, type KafkaSasl, type KafkaTls, type SaslMechanism } from '../push/security.ts';

/** TLS and SASL settings; each absent when not configured. */
export interface KafkaSecurity {
  ssl?: KafkaTls;
  sasl?: KafkaSasl;
}

/** Largest file read as a CA bundle, certificate, key or password: 1 MiB (a CA bundle of a few hundred certificates). */
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Reads KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE,
 * KAFKA_SSL_REJECT_UNAUTHORIZED, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and
 * KAFKA_SASL_PASSWORD_FILE, reading the files they name.
 * @throws ConfigError `kafka_config_invalid` naming the variable (and the file, never its contents).
 */
export function resolveKafkaSecurity(env: NodeJS.ProcessEnv): KafkaSecurity {
  const ssl = resolveTls(env);
  const sasl = resolveSasl(env, ssl !== undefined);
  return { ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }) };
}

function resolveTls(env: NodeJS.ProcessEnv): KafkaTls | undefined {
  const files = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'].filter((v) => set(env, v));
  const enabled = flag(env, 'KAFKA_SSL');
  if (enabled === false && files.length > 0) {
    throw invalid(`KAFKA_SSL=false but ${files.join(', ')} ${files.length === 1 ? 'is' : 'are'} set: set KAFKA_SSL=true, or unset ${files.join(', ')}`);
  }
  const rejectUnauthorized = flag(env, 'KAFKA_SSL_REJECT_UNAUTHORIZED');
  if (enabled !== true && files.length === 0) {
    if (rejectUnauthorized !== undefined) throw invalid('KAFKA_SSL_REJECT_UNAUTHORIZED is set but TLS is off: set KAFKA_SSL=true');
    return undefined;
  }

  const tls: KafkaTls = { rejectUnauthorized: rejectUnauthorized ?? true };
  if (set(env, 'KAFKA_SSL_CA_FILE')) {
    tls.ca = readPemFile(env, 'KAFKA_SSL_CA_FILE', { secret: false });
    certificatesIn(tls.ca, 'KAFKA_SSL_CA_FILE', env.KAFKA_SSL_CA_FILE!);
  }
  const hasCert = set(env, 'KAFKA_SSL_CERT_FILE');
  const hasKey = set(env, 'KAFKA_SSL_KEY_FILE');
  if (hasCert !== hasKey) {
    throw invalid(`${hasCert ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE'} is set without ${hasCert ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE'}: a client certificate needs its private key, and the key its certificate`);
  }
  if (hasCert) {
    tls.cert = readPemFile(env, 'KAFKA_SSL_CERT_FILE', { secret: false });
    tls.key = readPemFile(env, 'KAFKA_SSL_KEY_FILE', { secret: true });
    const certificate = certificatesIn(tls.cert, 'KAFKA_SSL_CERT_FILE', env.KAFKA_SSL_CERT_FILE!)[0]!;
    if (!certificate.checkPrivateKey(privateKey(tls.key, env.KAFKA_SSL_KEY_FILE!))) {
      throw invalid(`KAFKA_SSL_KEY_FILE (${env.KAFKA_SSL_KEY_FILE}) is not the private key of the first certificate in KAFKA_SSL_CERT_FILE (${env.KAFKA_SSL_CERT_FILE})`);
    }
  }
  return tls;
}

function resolveSasl(env: NodeJS.ProcessEnv, tls: boolean): KafkaSasl | undefined {
  if (set(env, 'KAFKA_SASL_PASSWORD')) {
    throw invalid('KAFKA_SASL_PASSWORD is not read: put the password in a file readable by its owner only (chmod 600) and set KAFKA_SASL_PASSWORD_FILE to its path');
  }
  const rawMechanism = env.KAFKA_SASL_MECHANISM?.trim() ?? '';
  if (rawMechanism === '') {
    const stray = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD_FILE'].filter((v) => set(env, v));
    if (stray.length > 0) throw invalid(`${stray.join(' and ')} set without KAFKA_SASL_MECHANISM: set it to ${SASL_MECHANISMS.join(', ')}`);
    return undefined;
  }
  const mechanism = rawMechanism.toLowerCase() as SaslMechanism;
  if (!SASL_MECHANISMS.includes(mechanism)) {
    throw invalid(`KAFKA_SASL_MECHANISM '${rawMechanism}' is not one of ${SASL_MECHANISMS.join(', ')}`);
  }
  if (mechanism === 'plain' && !tls) {
    throw invalid('KAFKA_SASL_MECHANISM=plain sends the password itself over the connection: turn TLS on (KAFKA_SSL=true), or use scram-sha-256 or scram-sha-512');
  }
  const username = env.KAFKA_SASL_USERNAME?.trim() ?? '';
  if (username === '') throw invalid(`KAFKA_SASL_MECHANISM=${mechanism} needs KAFKA_SASL_USERNAME`);
  if (!set(env, 'KAFKA_SASL_PASSWORD_FILE')) {
    throw invalid(`KAFKA_SASL_MECHANISM=${mechanism} needs KAFKA_SASL_PASSWORD_FILE: the path of a file holding the password (one line, chmod 600)`);
  }
  return saslCredentials({ mechanism, username, password: readPassword(env) });
}

/** The password: the file's text without one final line ending; one line, not empty. */
function readPassword(env: NodeJS.ProcessEnv): string {
  const file = env.KAFKA_SASL_PASSWORD_FILE!;
  const password = readFileChecked('KAFKA_SASL_PASSWORD_FILE', file, { secret: true }).replace(/\r?\n$/, '');
  if (password === '') throw invalid(`KAFKA_SASL_PASSWORD_FILE (${file}) is empty`);
  if (/[\r\n]/.test(password)) throw invalid(`KAFKA_SASL_PASSWORD_FILE (${file}) holds more than one line: put the password alone on one line`);
  return password;
}

function readPemFile(env: NodeJS.ProcessEnv, variable: string, options: { secret: boolean }): string {
  return readFileChecked(variable, env[variable]!, options);
}

/**
 * A regular file's text, at most {@link MAX_FILE_BYTES}; a `secret` one must be this user's own and
 * readable by its owner only (mode 0600 or 0400; src/protect/owner-only-file.ts).
 */
function readFileChecked(variable: string, file: string, options: { secret: boolean }): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw invalid(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const info = fstatSync(fd);
    // Any file: a regular one. A secret one: owner-only too (no bit is checked for the others).
    const problem = ownerOnlyProblem(info, options.secret ? {} : { bits: 0, ownerUid: Number(info.uid) });
    if (problem?.kind === 'not_regular') throw invalid(`${variable}: ${file} is not a regular file`);
    if (problem?.kind === 'open_mode') throw invalid(`${variable}: ${file} is readable by others (${problem.text}): chmod 600 it`);
    if (problem !== undefined) throw invalid(`${variable}: ${file} is ${problem.text}: a secret file must be this user's own`);
    if (info.size > MAX_FILE_BYTES) throw invalid(`${variable}: ${file} is ${info.size} bytes, more than ${MAX_FILE_BYTES} is not a certificate, key or password`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** The PEM certificates in `pem`, parsed; at least one. */
function certificatesIn(pem: string, variable: string, file: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw invalid(`${variable}: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw invalid(`${variable}: certificate ${i + 1} in ${file} cannot be parsed`);
    }
  });
}

/** The private key in `pem`; it must not be encrypted (neither client, kafkajs nor librdkafka, is given a passphrase). */
function privateKey(pem: string, file: string): KeyObject {
  // PKCS#8 (RFC 5958) or the traditional OpenSSL header; Node's own error for them varies by version.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw invalid(`KAFKA_SSL_KEY_FILE: ${file} is encrypted: give an unencrypted key (openssl pkey -in KEY -out KEY.plain), readable by its owner only`);
  }
  try {
    return createPrivateKey(pem);
  } catch {
    throw invalid(`KAFKA_SSL_KEY_FILE: ${file} holds no PEM private key`);
  }
}

/** true / false for `true`, `1`, `yes` / `false`, `0`, `no` (any case); undefined when unset or empty. */
function flag(env: NodeJS.ProcessEnv, variable: string): boolean | undefined {
  const raw = env[variable]?.trim().toLowerCase() ?? '';
  if (raw === '') return undefined;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw invalid(`${variable} '${env[variable]}' is not true or false`);
}

function set(env: NodeJS.ProcessEnv, variable: string): boolean {
  return (env[variable]?.trim() ?? '') !== '';
}

function invalid(message: string): ConfigError {
  return new ConfigError('kafka_config_invalid', message);
}
