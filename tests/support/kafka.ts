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
 *     by hand with `scripts/kafka.sh start` is left running); under vitest the run holds a lease
 *     too (global-setup.ts), so the broker starts once per run, not once per file.
 *
 * {@link resolveKafkaTls} gives the tests of pushing to a secured broker the SASL_SSL listener of
 * that same local broker (its CA, client certificate and SCRAM user): always scripts/kafka.sh,
 * whatever KAFKA_BROKERS or Docker give the other tests.
 */
import { canRunLocalKafka, kafkaScript } from './kafka-local.ts';
import { leaseHolders, sharedPerProcess } from './shared-server.ts';

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

  if (await canRunLocalKafka()) return await leaseLocalKafka();

  throw new Error(
    'No Kafka broker for the integration tests. Provide one of: ' +
      '(1) KAFKA_BROKERS=host:port of a running broker; ' +
      '(2) a Docker engine for testcontainers (DOCKER_HOST or /var/run/docker.sock); ' +
      '(3) java 17+ and mvn on PATH, so scripts/kafka.sh can run Apache Kafka from Maven Central ' +
      '(apt-get install openjdk-17-jre-headless maven).',
  );
}

/**
 * A lease on scripts/kafka.sh's broker, shared by {@link resolveKafkaBrokers} and
 * {@link resolveKafkaTls} in one process: the lease is named by the process id, so two leases of
 * one process would be one, and the first release would let the broker stop under the other.
 */
const leaseLocalKafka: () => Promise<ResolvedKafka> = sharedPerProcess(async () => {
  const holder = String(process.pid);
  let bootstrap = '';
  for (const h of leaseHolders()) bootstrap = await kafkaScript(['lease', h]); // the run's, then this process's
  return {
    brokers: [bootstrap.split('\n').pop() ?? '127.0.0.1:9092'],
    stop: async () => {
      await kafkaScript(['release', holder]);
    },
  };
});

/** The SASL_SSL listener of the local broker, as `scripts/kafka.sh tls` describes it. */
export interface ResolvedKafkaTls {
  /** Bootstrap addresses of the SASL_SSL listener, e.g. ['127.0.0.1:9094']. */
  brokers: string[];
  /** Bootstrap addresses of the same broker's PLAINTEXT listener (for cleaning up). */
  plaintextBrokers: string[];
  /** PEM file of the test CA that signed the broker's certificate. */
  caFile: string;
  /** A client certificate signed by that CA, and its key (mode 600), for mutual TLS. */
  clientCertFile: string;
  clientKeyFile: string;
  /** The test user, known to SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN. */
  username: string;
  /** File (mode 600) holding its password on one line. */
  passwordFile: string;
  /** SASL mechanisms the listener takes, in Kafka's spelling: SCRAM-SHA-256, SCRAM-SHA-512, PLAIN. */
  mechanisms: string[];
  /** Releases the broker, as {@link ResolvedKafka.stop}. */
  stop: () => Promise<void>;
}

/**
 * The local broker's SASL_SSL listener, resolved once per test process; every caller calls `stop()`
 * once (in afterAll). Never skips.
 * @throws Error when scripts/kafka.sh cannot run here, or its running broker has no such listener
 *   (started by an older kafka.sh: the message says to restart or reset it).
 */
export const resolveKafkaTls: () => Promise<ResolvedKafkaTls> = sharedPerProcess(async () => {
  if (!(await canRunLocalKafka())) {
    throw new Error(
      'The tests of pushing to a secured broker need the SASL_SSL listener of scripts/kafka.sh: install java 17+, mvn and openssl ' +
        '(apt-get install openjdk-17-jre-headless maven openssl); a broker from KAFKA_BROKERS or Docker has no test CA or SCRAM user known to the tests.',
    );
  }
  const lease = await leaseLocalKafka();
  try {
    const info = JSON.parse(await kafkaScript(['tls'])) as Omit<ResolvedKafkaTls, 'plaintextBrokers' | 'stop'>;
    return { ...info, plaintextBrokers: lease.brokers, stop: lease.stop };
  } catch (error) {
    await lease.stop();
    throw error;
  }
});

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
