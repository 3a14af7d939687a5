/**
 * Errors that stop a push. Each has a stable `code`, a `retriable` flag (true: run the push again
 * later, nothing is lost or duplicated), and a message that says what to do.
 */

/** Stable codes of {@link PushError}. */
export type PushErrorCode =
  /** No broker answered (connection refused, timed out, retries exhausted). Retriable. */
  | 'BROKER_UNAVAILABLE'
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
 * Turns a kafkajs error into a {@link PushError}: connection problems become BROKER_UNAVAILABLE
 * (retriable), anything else `fallback` with kafkajs' own retriable flag.
 * @param doing what was being done, for the message, e.g. "sending 500 events".
 */
export function toPushError(error: unknown, doing: string, fallback: PushErrorCode = 'PUBLISH_FAILED'): PushError {
  if (error instanceof PushError) return error;
  const chain = errorChain(error);
  const detail = chain.map((e) => e.message).filter(Boolean).join(': ') || String(error);
  const unavailable = chain.some(
    (e) =>
      UNAVAILABLE_NAMES.has(e.name ?? '') ||
      UNAVAILABLE_TYPES.has(e.type ?? '') ||
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
    retriable: chain[0]?.retriable ?? false,
    message: `Kafka error while ${doing}: ${detail}`,
    cause: error,
  });
}
