/**
 * Finds a Kafka broker for integration tests. Never skips: without a broker it throws and says how
 * to provide one.
 *
 * Order:
 *  1. KAFKA_BROKERS (comma-separated host:port list): an existing broker, never stopped by tests.
 *  2. A Docker engine that answers: testcontainers' KafkaContainer (image from
 *     KAFKA_TESTCONTAINERS_IMAGE, default confluentinc/cp-kafka:8.0.0, i.e. Apache Kafka 4.0).
 *     KAFKA_NO_DOCKER=1 skips this step.
 *  3. `java` and `mvn` on PATH: the local broker of scripts/kafka.sh on 127.0.0.1:9092, taken with
 *     a lease so that parallel test files share it and the last one out stops it (a broker started
 *     by hand with `scripts/kafka.sh start` is left running).
 */
import { canRunLocalKafka, kafkaScript } from './kafka-local.ts';
import { sharedPerProcess } from './shared-server.ts';

/** Bootstrap addresses and how to let go of the broker when the tests are done. */
export interface ResolvedKafka {
  brokers: string[];
  /** Releases the broker: stops what this process started, leaves alone what it found running. */
  stop: () => Promise<void>;
}

const DEFAULT_IMAGE = 'confluentinc/cp-kafka:8.0.0';

/**
 * Resolves a broker once per test process and counts its users: every caller must call `stop()`
 * once (in afterAll); the broker is released when the last caller has.
 *
 * @throws Error when no broker can be had, naming the three ways to provide one.
 */
export const resolveKafkaBrokers: () => Promise<ResolvedKafka> = sharedPerProcess(resolveOnce);

async function resolveOnce(): Promise<ResolvedKafka> {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) {
    const brokers = fromEnv.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
    return { brokers, stop: async () => {} };
  }

  if (await dockerAnswers()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const image = process.env.KAFKA_TESTCONTAINERS_IMAGE ?? DEFAULT_IMAGE;
    const container = await new KafkaContainer(image).start();
    return {
      brokers: [`${container.getHost()}:${container.getMappedPort(9093)}`],
      stop: async () => {
        await container.stop();
      },
    };
  }

  if (await canRunLocalKafka()) {
    const holder = String(process.pid);
    const bootstrap = await kafkaScript(['lease', holder]);
    const brokers = [bootstrap.split('\n').pop() ?? '127.0.0.1:9092'];
    return {
      brokers,
      stop: async () => {
        await kafkaScript(['release', holder]);
      },
    };
  }

  throw new Error(
    'No Kafka broker for the integration tests. Provide one of: ' +
      '(1) KAFKA_BROKERS=host:port of a running broker; ' +
      '(2) a Docker engine for testcontainers (DOCKER_HOST or /var/run/docker.sock); ' +
      '(3) java 17+ and mvn on PATH, so scripts/kafka.sh can run Apache Kafka from Maven Central ' +
      '(apt-get install openjdk-17-jre-headless maven).',
  );
}

/** True when testcontainers finds a Docker (or compatible) engine; fails fast when there is none. */
async function dockerAnswers(): Promise<boolean> {
  if (process.env.KAFKA_NO_DOCKER === '1') return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const probe = getContainerRuntimeClient().then(() => true);
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref());
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  }
}

/**
 * For afterAll: deletes the topics a test file created (best effort) and releases its broker.
 * @param broker what resolveKafkaBrokers gave, or undefined when it failed.
 */
export async function releaseBroker(broker: ResolvedKafka | undefined, topics: string[]): Promise<void> {
  if (!broker) return;
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ clientId: 'onecode-test-cleanup', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect().then(() => admin.deleteTopics({ topics })).catch(() => {});
  await admin.disconnect().catch(() => {});
  await broker.stop();
}
