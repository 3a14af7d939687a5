/**
 * vitest globalSetup (vitest.config.ts): keeps the local test servers of scripts/kafka.sh,
 * scripts/postgres.sh and scripts/mysql.sh running for the whole test run instead of one start and
 * stop per test file.
 *
 * Each test file leases a server for its own process (tests/support/kafka.ts, postgres.ts, mysql.ts
 * through db-local.ts), and the scripts stop a server they started when its last live holder lets
 * go. vitest runs every file in a process of its own, so without more the broker was started and
 * stopped once per Kafka test file (a JVM start of 5-20 s each). Here the vitest process itself
 * becomes a holder: its pid goes to the workers in {@link RUN_HOLDER_VARIABLE}, a file's first lease
 * also takes one in that pid's name, and the server stays up between files. It is still started by
 * the first file that needs it (a run of files that need no server starts none), and the teardown
 * releases the run's leases, so the scripts stop what a lease started and leave alone a server
 * started by hand. A file run on its own, outside vitest (bench/connectors-db.ts), leases as before.
 *
 * It also asks once whether a Docker engine answers, and when none does sets KAFKA_NO_DOCKER,
 * POSTGRES_NO_DOCKER and MYSQL_NO_DOCKER for the workers, so that no test file loads testcontainers
 * to ask again (about 0.7 s each). Nothing here skips a test: a server that cannot be had fails the
 * file that needs it, with the resolver's message.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaScript } from './kafka-local.ts';
import { dbScript } from './db-local.ts';
import { dockerAnswers, RUN_HOLDER_VARIABLE } from './shared-server.ts';

/** The repository root (not workspace.ts's REPO: that module loads DuckDB, which this process does not need). */
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A script whose server the run may hold, and where that script keeps its leases. */
interface LeasedScript {
  name: 'kafka' | 'postgres' | 'mysql';
  /** Environment prefix of the script's variables (KAFKA_CACHE_DIR, KAFKA_INSTANCE, ...). */
  prefix: 'KAFKA' | 'POSTGRES' | 'MYSQL';
  /** The server given by the environment, which no lease holds. */
  givenBy: string;
  release(holder: string): Promise<string>;
}

const SCRIPTS: LeasedScript[] = [
  { name: 'kafka', prefix: 'KAFKA', givenBy: 'KAFKA_BROKERS', release: (holder) => kafkaScript(['release', holder]) },
  { name: 'postgres', prefix: 'POSTGRES', givenBy: 'POSTGRES_TEST_URL', release: (holder) => dbScript('postgres', ['release', holder]) },
  { name: 'mysql', prefix: 'MYSQL', givenBy: 'MYSQL_TEST_URL', release: (holder) => dbScript('mysql', ['release', holder]) },
];

/** The lease file scripts/lib/local-server.sh writes for `holder` on the script's instance. */
function leaseFile(script: LeasedScript, holder: string): string {
  const cache = process.env[`${script.prefix}_CACHE_DIR`] || path.join(REPO, '.cache', script.name);
  const instance = process.env[`${script.prefix}_INSTANCE`] || 'default';
  return path.join(cache, instance, 'leases', holder);
}

/** Names this process as the run's lease holder; returns the teardown that releases its leases. */
export default async function setup(): Promise<() => Promise<void>> {
  const holder = String(process.pid);
  process.env[RUN_HOLDER_VARIABLE] = holder;

  const mayUseDocker = SCRIPTS.filter((s) => !process.env[s.givenBy]?.trim() && process.env[`${s.prefix}_NO_DOCKER`] !== '1');
  if (mayUseDocker.length > 0 && !(await dockerAnswers(`${mayUseDocker[0]!.prefix}_NO_DOCKER`))) {
    for (const s of mayUseDocker) process.env[`${s.prefix}_NO_DOCKER`] = '1';
  }

  return async () => {
    const failures: string[] = [];
    for (const script of SCRIPTS) {
      if (!existsSync(leaseFile(script, holder))) continue; // no file of this run leased it
      await script.release(holder).catch((error: Error) => failures.push(error.message));
    }
    if (failures.length > 0) throw new Error(`could not release the run's test servers: ${failures.join('; ')}`);
  };
}
