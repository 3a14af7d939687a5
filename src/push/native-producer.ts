/**
 * The publisher's producer: librdkafka (through @confluentinc/kafka-javascript's callback API),
 * idempotent (acks all, at most 5 requests in flight per broker, retries without duplicates or
 * reordering), with a delivery report per message, so the publisher knows exactly which messages
 * the broker acknowledged.
 *
 * `enable.gapless.guarantee` is on: a message that cannot be delivered (a refusal by the broker,
 * retries used up) makes the producer fail every later message too instead of going on after a
 * gap, so each partition on the broker holds a prefix of what was produced to it, in order. The
 * relay's read-back (src/push/read-back.ts) relies on that. librdkafka's guarantee does not cover
 * messages that time out (`message.timeout.ms`; INTRODUCTION.md of librdkafka, "Idempotent
 * Producer": after a time-out it goes on with later messages, leaving a gap), so messages never
 * time out inside librdkafka (`message.timeout.ms` 0): the delivery time-out is this module's own,
 * and when it passes the producer is destroyed ({@link NativeProducer.reset}), which purges what it
 * had not sent; what it had sent reached the broker, if at all, in order. After any failed delivery
 * the producer is replaced: a fresh producer id and sequence numbers.
 *
 * Connection settings map onto librdkafka's (CONFIGURATION.md of librdkafka): TLS and SASL as
 * `security.protocol`, `ssl.*` (PEM strings), `sasl.*`.
 */
import tls from 'node:tls';
import rdkafka from '@confluentinc/kafka-javascript';
import type { KafkaSasl, KafkaTls } from './security.ts';

const { Producer, CODES } = rdkafka;
type RdProducer = InstanceType<typeof Producer>;

/** librdkafka error codes the publisher reads (rdkafka.h, `rd_kafka_resp_err_t`). */
export const RD_ERRORS = {
  /** The broker (or librdkafka's own check) refused a message or batch as too large. */
  MSG_SIZE_TOO_LARGE: CODES.ERRORS.ERR_MSG_SIZE_TOO_LARGE,
  RECORD_LIST_TOO_LARGE: CODES.ERRORS.ERR_RECORD_LIST_TOO_LARGE,
  QUEUE_FULL: CODES.ERRORS.ERR__QUEUE_FULL,
} as const;

/** A message as librdkafka takes it. */
export interface NativeMessage {
  topic: string;
  partition: number;
  key: Buffer;
  /** null: a tombstone. */
  value: Buffer | null;
  /** Header name → value, in order. */
  headers: Array<Record<string, string>>;
}

/** An error of librdkafka (LibrdKafkaError): `code` is an rdkafka.h error code. */
export interface NativeError extends Error {
  code: number;
  origin?: string;
  isFatal?: boolean;
  isRetriable?: boolean;
}

/** Options of {@link createNativeProducer}. */
export interface NativeProducerOptions {
  brokers: readonly string[];
  clientId: string;
  ssl?: KafkaTls;
  sasl?: KafkaSasl;
  /**
   * Time produce() waits for the next delivery report, retries included, in ms: when it passes,
   * the messages not reported fail with ERR__MSG_TIMED_OUT and the caller replaces the producer.
   */
  deliveryTimeoutMs: number;
  /** Time the broker may take to answer one request, in ms. */
  requestTimeoutMs: number;
  /** Retries of a failed request, and their back-off (first and largest), in ms. */
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** Largest record batch of one partition, in bytes: the smallest topic limit. */
  batchBytes: number;
  /** Largest request, in bytes: at least the largest topic limit. */
  requestBytes: number;
  /** TCP connect time-out, in ms. */
  connectionTimeoutMs: number;
  /** Receives librdkafka's log lines and errors not tied to one message. */
  onLog: (level: 'info' | 'debug', message: string, fields: Record<string, unknown>) => void;
}

/** An idempotent producer with a delivery report per message; see {@link createNativeProducer}. */
export interface NativeProducer {
  /**
   * Produces `messages` in order and waits for the delivery report of each, or until no report
   * came for the delivery time-out. A message refused before it was queued (e.g. larger than
   * message.max.bytes) gets its error and no later message is produced (they get
   * ERR__PREV_IN_PROGRESS), so no gap forms behind it.
   * @returns per message, undefined when acknowledged (acks all) or the error: librdkafka's, or
   *   ERR__MSG_TIMED_OUT for a message not reported in time (then call {@link reset}: the producer
   *   may still deliver it, in order, until it is destroyed).
   */
  produce(messages: readonly NativeMessage[]): Promise<Array<NativeError | undefined>>;
  /** Replaces the producer by a fresh one (new producer id), e.g. after a failed delivery. */
  reset(): Promise<void>;
  /** Disconnects. Never throws. */
  close(): Promise<void>;
}

/** librdkafka's configuration for `options` (the same for every producer of one publisher). */
export function nativeConfig(options: NativeProducerOptions): Record<string, string | number | boolean> {
  const config: Record<string, string | number | boolean> = {
    'bootstrap.servers': options.brokers.join(','),
    'client.id': options.clientId,
    'enable.idempotence': true,
    'enable.gapless.guarantee': true,
    acks: 'all',
    'max.in.flight.requests.per.connection': 5,
    'linger.ms': 5,
    'batch.size': options.batchBytes,
    'message.max.bytes': options.requestBytes,
    // Never time out in librdkafka (its gapless guarantee does not cover time-outs): produce() keeps the deadline.
    'message.timeout.ms': 0,
    'request.timeout.ms': Math.min(options.requestTimeoutMs, options.deliveryTimeoutMs),
    'message.send.max.retries': options.retries,
    'retry.backoff.ms': options.retryBackoffMs,
    'retry.backoff.max.ms': Math.max(options.retryBackoffMs, options.retryBackoffMaxMs),
    'socket.connection.setup.timeout.ms': Math.max(1_000, options.connectionTimeoutMs),
    'queue.buffering.max.messages': 2_000_000,
    'queue.buffering.max.kbytes': 2_097_151,
    // Partitions are set on every message (the publisher's murmur2, as kafkajs and Java do).
    partitioner: 'murmur2_random',
    'allow.auto.create.topics': false,
    'topic.metadata.refresh.interval.ms': 60_000,
    dr_cb: true,
  };
  const protocol = options.ssl === undefined ? (options.sasl === undefined ? 'plaintext' : 'sasl_plaintext') : options.sasl === undefined ? 'ssl' : 'sasl_ssl';
  config['security.protocol'] = protocol;
  if (options.ssl !== undefined) {
    // Without a CA of its own, the CAs Node trusts (as the admin client, kafkajs on Node's TLS, does).
    config['ssl.ca.pem'] = options.ssl.ca ?? tls.rootCertificates.join('\n');
    if (options.ssl.cert !== undefined) config['ssl.certificate.pem'] = options.ssl.cert;
    if (options.ssl.key !== undefined) config['ssl.key.pem'] = options.ssl.key;
    config['enable.ssl.certificate.verification'] = options.ssl.rejectUnauthorized;
    config['ssl.endpoint.identification.algorithm'] = options.ssl.rejectUnauthorized ? 'https' : 'none';
  }
  if (options.sasl !== undefined) {
    config['sasl.mechanisms'] = options.sasl.mechanism.toUpperCase();
    config['sasl.username'] = options.sasl.username;
    config['sasl.password'] = options.sasl.password;
  }
  return config;
}

/**
 * Connects an idempotent producer (waits for the brokers' metadata).
 * @throws NativeError when it cannot connect within the connection time-out.
 */
export async function createNativeProducer(options: NativeProducerOptions): Promise<NativeProducer> {
  const config = nativeConfig(options);
  /** Delivery callbacks by opaque number, of the messages not yet reported. */
  const waiting = new Map<number, (error: NativeError | undefined) => void>();
  let nextOpaque = 0;

  const connect = async (): Promise<RdProducer> => {
    const producer = new Producer(config as ConstructorParameters<typeof Producer>[0]);
    producer.on('delivery-report', (error, report) => {
      const done = waiting.get(report.opaque as number);
      if (done === undefined) return;
      waiting.delete(report.opaque as number);
      done(error === null || error === undefined ? undefined : (error as unknown as NativeError));
    });
    producer.on('event.error', (error) => options.onLog('info', `librdkafka: ${error.message}`, { code: (error as unknown as NativeError).code }));
    producer.on('event.log', (log) => options.onLog('debug', `librdkafka: ${log.message}`, { fac: log.fac, severity: log.severity }));
    await new Promise<void>((resolve, reject) => {
      producer.connect({ timeout: Math.max(options.connectionTimeoutMs, options.requestTimeoutMs) }, (error) => (error ? reject(error) : resolve()));
    });
    producer.setPollInBackground(true);
    return producer;
  };

  let producer = await connect();

  const disconnect = async (p: RdProducer): Promise<void> => {
    await new Promise<void>((resolve) => {
      try {
        p.disconnect(5_000, () => resolve());
      } catch {
        resolve();
      }
    });
  };

  return {
    produce: async (messages) => {
      const results = new Array<NativeError | undefined>(messages.length);
      let left = messages.length;
      if (left === 0) return results;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      /** Opaque numbers of this call's messages not yet reported. */
      const mine = new Set<number>();
      /** When the last report (or the last hand-over) was, for the delivery time-out. */
      let lastProgress = performance.now();
      produceAll: for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        const opaque = nextOpaque++;
        mine.add(opaque);
        waiting.set(opaque, (error) => {
          mine.delete(opaque);
          lastProgress = performance.now();
          results[i] = error;
          if (--left === 0) finish();
        });
        for (;;) {
          try {
            producer.produce(m.topic, m.partition, m.value, m.key, null, opaque, m.headers);
            break;
          } catch (error) {
            if ((error as NativeError).code === RD_ERRORS.QUEUE_FULL) {
              await new Promise((resolve) => setTimeout(resolve, 5));
              continue;
            }
            // Refused before it was queued (e.g. larger than message.max.bytes): reported like a
            // delivery, and nothing after it is produced (a gap would follow it on the broker).
            waiting.delete(opaque);
            mine.delete(opaque);
            results[i] = error as NativeError;
            left--;
            for (let j = i + 1; j < messages.length; j++) {
              results[j] = Object.assign(new Error('not produced: an earlier message of the batch was refused'), { code: CODES.ERRORS.ERR__PREV_IN_PROGRESS }) as NativeError;
              left--;
            }
            if (left === 0) finish();
            break produceAll;
          }
        }
      }
      lastProgress = performance.now();
      // The delivery time-out: no report for deliveryTimeoutMs fails what is not reported.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        const check = (): void => {
          const idle = performance.now() - lastProgress;
          if (idle >= options.deliveryTimeoutMs) resolve();
          else timer = setTimeout(check, options.deliveryTimeoutMs - idle);
        };
        timer = setTimeout(check, options.deliveryTimeoutMs);
      });
      await Promise.race([finished, timedOut]);
      clearTimeout(timer);
      if (left > 0) {
        for (const opaque of mine) {
          const done = waiting.get(opaque);
          waiting.delete(opaque);
          done?.(Object.assign(new Error(`no delivery report within ${options.deliveryTimeoutMs} ms`), { code: CODES.ERRORS.ERR__MSG_TIMED_OUT }) as NativeError);
        }
      }
      return results;
    },
    reset: async () => {
      const old = producer;
      for (const done of waiting.values()) done(Object.assign(new Error('producer replaced before the delivery report'), { code: CODES.ERRORS.ERR__DESTROY }) as NativeError);
      waiting.clear();
      await disconnect(old);
      producer = await connect();
    },
    close: async () => {
      await disconnect(producer);
    },
  };
}
