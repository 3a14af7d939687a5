/**
 * A broker run by scripts/kafka.sh (Apache Kafka from Maven Central, KRaft, one JVM) for tests on
 * machines without Docker. Needs `java` (17+) and `mvn` on PATH; the first start resolves the jars
 * into .cache/kafka/lib (about 40 s with an empty Maven repository), later starts take a few seconds.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Absolute path of scripts/kafka.sh. */
export const KAFKA_SCRIPT = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));

/** Options naming one independent broker instance of scripts/kafka.sh. */
export interface LocalKafkaOptions {
  /** Instance name: its own data, pid file and log under .cache/kafka/<instance>. Default "default". */
  instance?: string;
  /** Client port on 127.0.0.1; the controller listens on port + 1. Default 9092. */
  port?: number;
}

/** A handle on one scripts/kafka.sh instance. */
export interface LocalKafka {
  /** Bootstrap addresses, e.g. ['127.0.0.1:9092']. */
  brokers: string[];
  /** `kafka.sh start`: starts it (idempotent) and waits until a metadata request works. */
  start: () => Promise<void>;
  /** `kafka.sh stop`: stops it cleanly and waits until the process is gone. */
  stop: () => Promise<void>;
  /** `kafka.sh reset`: stops it and deletes its topics and data. */
  reset: () => Promise<void>;
}

/** True when `java` and `mvn` are both on PATH, so scripts/kafka.sh can run a broker. */
export async function canRunLocalKafka(): Promise<boolean> {
  try {
    await run('bash', ['-c', 'command -v java && command -v mvn']);
    return true;
  } catch {
    return false;
  }
}

/** Runs `scripts/kafka.sh <args>` for one instance and returns its stdout; the error carries the log tail. */
export async function kafkaScript(args: string[], options: LocalKafkaOptions = {}): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.instance !== undefined) env.KAFKA_INSTANCE = options.instance;
  if (options.port !== undefined) env.KAFKA_PORT = String(options.port);
  try {
    const { stdout } = await run('bash', [KAFKA_SCRIPT, ...args], {
      env,
      timeout: 15 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`scripts/kafka.sh ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** A handle on a scripts/kafka.sh instance; nothing is started until `start()`. */
export function localKafka(options: LocalKafkaOptions = {}): LocalKafka {
  const port = options.port ?? 9092;
  return {
    brokers: [`127.0.0.1:${port}`],
    start: async () => {
      await kafkaScript(['start'], options);
    },
    stop: async () => {
      await kafkaScript(['stop'], options);
    },
    reset: async () => {
      await kafkaScript(['reset'], options);
    },
  };
}
