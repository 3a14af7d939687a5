/**
 * Errors that stop a push. Each has a stable `code`, a `retriable` flag (true: run the push again
 * later, nothing is lost or duplicated), and a message that says what to do.
 */

/** Stable codes of {@link PushError}. */
export type PushErrorCode =
  /** No broker answered (connection refused, timed out, retries exhausted). Retriable. */
  | 'BROKER_UNAVAILABLE'
  /**
   * The TLS handshake failed: the broker's certificate does not verify against the trusted CAs or
   * names another host, the broker refused the client certificate, or one side does not speak TLS.
   * Not retriable: the settings must change.
   */
  | 'TLS_FAILED'
  /** The broker refused the SASL credentials (mechanism, user or password). Not retriable. */
  | 'AUTHENTICATION_FAILED'
  /** The broker answered with an error that is not about one event (e.g. authorisation). */
  | 'PUBLISH_FAILED'
  /** Topics could not be created or described. */
  | 'TOPIC_SETUP_FAILED'
  /** The highest published seq per partition could not be read back from the broker. */
  | 'READ_BACK_FAILED'
  /** The outbox table could not be read or updated. */
  | 'OUTBOX_FAILED'
  /**
   * A topic's last message was published under another feed policy or pseudonymisation key than
   * this push's (src/push/feed-policy.ts): one topic set carries one policy. Not retriable.
   */
  | 'FEED_POLICY_CHANGED';

/** An error that stops a push; see {@link PushErrorCode}. */
export class PushError extends Error {
  override readonly name = 'PushError';
  readonly code: PushErrorCode;
  readonly retriable: boolean;

  constructor(options: { code: PushErrorCode; message: string; retriable: boolean; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retriable = options.retriable;
  }
}

/** The parts of a kafkajs error this module reads (kafkajs errors are plain Error subclasses). */
interface KafkaJSErrorLike {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  /** Node's error code, which kafkajs copies onto its connection errors, e.g. ECONNREFUSED. */
  code?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

const UNAVAILABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSTimeout',
]);

const UNAVAILABLE_TYPES = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
]);

/**
 * Node's codes for a TLS handshake that failed (OpenSSL's X509_V_ERR_* names without the prefix,
 * Node's ERR_TLS_* and ERR_SSL_*).
 */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);

/** True when one error of the chain is a failed TLS handshake (see {@link TLS_CODES}). */
function isTlsFailure(chain: readonly KafkaJSErrorLike[]): boolean {
  return chain.some((e) => typeof e.code === 'string' && (TLS_CODES.has(e.code) || e.code.startsWith('ERR_SSL_')));
}

/** The error and its causes, outermost first (kafkajs wraps with `cause` or `originalError`). */
export function errorChain(error: unknown): KafkaJSErrorLike[] {
  const chain: KafkaJSErrorLike[] = [];
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && chain.length < 10) {
    const e = current as KafkaJSErrorLike;
    chain.push(e);
    current = e.cause ?? e.originalError;
  }
  return chain;
}

/** True when the kafkajs error (or one of its causes) is the protocol error `type`, e.g. MESSAGE_TOO_LARGE. */
export function hasKafkaErrorType(error: unknown, type: string): boolean {
  return errorChain(error).some((e) => e.type === type);
}

/**
 * librdkafka's error codes (rdkafka.h `rd_kafka_resp_err_t`, as @confluentinc/kafka-javascript
 * reports them in `code`) that this module reads: negative codes are librdkafka's own, positive
 * ones the Kafka protocol's.
 */
const RD = {
  MSG_SIZE_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  SASL_AUTHENTICATION_FAILED: 58,
  AUTHENTICATION: -169,
  SSL: -181,
} as const;

/** librdkafka codes of an unreachable or unanswering broker (time-outs included). */
const RD_UNAVAILABLE = new Set([
  -195, // _TRANSPORT
  -187, // _ALL_BROKERS_DOWN
  -192, // _MSG_TIMED_OUT
  -185, // _TIMED_OUT
  -166, // _TIMED_OUT_QUEUE
  -188, // _RESOLVE
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  7, // REQUEST_TIMED_OUT
  13, // NETWORK_EXCEPTION
  19, // NOT_ENOUGH_REPLICAS
  20, // NOT_ENOUGH_REPLICAS_AFTER_APPEND
]);

/** The librdkafka error code of `e` (a LibrdKafkaError has a numeric `code`), else undefined. */
function rdCode(e: KafkaJSErrorLike): number | undefined {
  return typeof e.code === 'number' ? e.code : undefined;
}

/** True when the broker (or librdkafka's own check) refused a message or its record batch as too large. */
export function isMessageTooLarge(error: unknown): boolean {
  return errorChain(error).some((e) => e.type === 'MESSAGE_TOO_LARGE' || rdCode(e) === RD.MSG_SIZE_TOO_LARGE || rdCode(e) === RD.RECORD_LIST_TOO_LARGE);
}

/**
 * Turns a kafkajs or librdkafka error into a {@link PushError}: a failed TLS handshake becomes
 * TLS_FAILED and refused SASL credentials AUTHENTICATION_FAILED (neither retriable), connection
 * problems and time-outs BROKER_UNAVAILABLE (retriable), anything else `fallback` with the
 * client's own retriable flag. The messages come from kafkajs, librdkafka and Node, which never
 * put a password in them.
 * @param doing what was being done, for the message, e.g. "sending 500 events".
 */
export function toPushError(error: unknown, doing: string, fallback: PushErrorCode = 'PUBLISH_FAILED'): PushError {
  if (error instanceof PushError) return error;
  const chain = errorChain(error);
  const detail = chain.map((e) => e.message).filter(Boolean).join(': ') || String(error);
  if (chain.some((e) => e.name === 'KafkaJSSASLAuthenticationError' || rdCode(e) === RD.AUTHENTICATION || rdCode(e) === RD.SASL_AUTHENTICATION_FAILED)) {
    return new PushError({
      code: 'AUTHENTICATION_FAILED',
      retriable: false,
      message: `Kafka broker refused the SASL credentials while ${doing} (${detail}). Check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and the password in KAFKA_SASL_PASSWORD_FILE against the user on the broker.`,
      cause: error,
    });
  }
  if (isTlsFailure(chain) || chain.some((e) => rdCode(e) === RD.SSL)) {
    return new PushError({
      code: 'TLS_FAILED',
      retriable: false,
      message: `TLS handshake with the Kafka broker failed while ${doing} (${detail}). Check that KAFKA_SSL_CA_FILE holds the CA that signed the broker's certificate, that the broker's certificate names the host in KAFKA_BROKERS, that the broker accepts the client certificate (KAFKA_SSL_CERT_FILE), and that KAFKA_BROKERS names the broker's TLS listener.`,
      cause: error,
    });
  }
  const unavailable = chain.some(
    (e) =>
      UNAVAILABLE_NAMES.has(e.name ?? '') ||
      UNAVAILABLE_TYPES.has(e.type ?? '') ||
      RD_UNAVAILABLE.has(rdCode(e) ?? 0) ||
      /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH/.test(e.message ?? ''),
  );
  if (unavailable) {
    return new PushError({
      code: 'BROKER_UNAVAILABLE',
      retriable: true,
      message: `Kafka broker unavailable while ${doing} (${detail}). Nothing was marked published that the broker did not acknowledge; start the broker or check the brokers setting, then push again.`,
      cause: error,
    });
  }
  return new PushError({
    code: fallback,
    retriable: chain[0]?.retriable ?? (chain[0] as { isRetriable?: boolean } | undefined)?.isRetriable ?? false,
    message: `Kafka error while ${doing}: ${detail}`,
    cause: error,
  });
}
