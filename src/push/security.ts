/**
 * How the publisher protects its connections to the brokers: TLS (Kafka's SSL security protocol)
 * and SASL authentication, as a deployment configures them (src/cli/kafka-settings.ts reads them
 * from the environment). Kafka's own names: a broker listener is PLAINTEXT, SSL, SASL_PLAINTEXT or
 * SASL_SSL; this module's `tls` and `sasl` together make SASL_SSL.
 *
 * The shapes are what kafkajs (the admin client and the read-back) takes as its `ssl` (Node's
 * tls.connect options) and `sasl` options, passed through unchanged; the producer (librdkafka)
 * gets the same settings as its `ssl.*` and `sasl.*` (native-producer.ts nativeConfig).
 */
import { inspect } from 'node:util';

/**
 * TLS to the brokers (RFC 8446 / 5246 as Node's OpenSSL speaks them). The broker's certificate is
 * verified against `ca` (or Node's bundled public CAs) and its name against the address in the
 * broker list / the broker's advertised listener (RFC 6125).
 */
export interface KafkaTls {
  /** PEM certificates of the CAs the broker's certificate must chain to; absent: Node's public CAs. */
  ca?: string;
  /** PEM client certificate (and its chain) for mutual TLS; set with `key`. */
  cert?: string;
  /** PEM private key (unencrypted) of `cert`. */
  key?: string;
  /**
   * Refuse a broker whose certificate does not verify. Default true; false only for a test broker,
   * and the publisher logs a warning when it is false.
   */
  rejectUnauthorized: boolean;
}

/**
 * SASL mechanisms the publisher offers: SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677; Kafka
 * KIP-84: the password never crosses the wire) and PLAIN (RFC 4616: the password crosses the wire,
 * so it is accepted only over TLS).
 */
export const SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;

/** One of {@link SASL_MECHANISMS}, lower case as kafkajs names them. */
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * SASL credentials, one shape per mechanism (as kafkajs types them). Made by {@link saslCredentials},
 * the object never shows its password in JSON or util.inspect.
 */
export type KafkaSasl = { [M in SaslMechanism]: { mechanism: M; username: string; password: string } }[SaslMechanism];

/** What JSON and util.inspect show instead of a password. */
export const REDACTED = '[redacted]';

/**
 * SASL credentials whose password stays out of logs: JSON.stringify (and so pino) and util.inspect
 * (console.log, vitest's diffs) show {@link REDACTED} in its place. Both clients read `password` directly.
 */
export function saslCredentials(credentials: KafkaSasl): KafkaSasl {
  const shown = (): { mechanism: SaslMechanism; username: string; password: string } => ({
    mechanism: credentials.mechanism,
    username: credentials.username,
    password: REDACTED,
  });
  return Object.assign({ ...credentials }, { toJSON: shown, [inspect.custom]: shown });
}

/**
 * True when the broker `host:port` (or `[v6]:port`) is on this machine: `localhost`, an IPv4
 * address of 127.0.0.0/8 (RFC 1122 §3.2.1.3) or `::1` (RFC 4291 §2.5.3). A connection to it never
 * crosses a network, so values sent to it in clear are not exposed. Names are not resolved: any
 * other name counts as remote.
 */
export function isLoopbackBroker(broker: string): boolean {
  const host = broker.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
