/**
 * Finds a PostgreSQL server for integration tests. Never skips: without one it throws and says how
 * to provide one.
 *
 * Order:
 *  1. POSTGRES_TEST_URL (postgres://user:password@host:port/database): an existing server, never
 *     stopped by tests. The user needs to create tables in that database.
 *  2. A Docker engine that answers: testcontainers' PostgreSqlContainer (image from
 *     POSTGRES_TESTCONTAINERS_IMAGE, default postgres:15-alpine, the major version Debian 12 ships),
 *     with the same database and user as the local server. POSTGRES_NO_DOCKER=1 skips this step.
 *  3. Debian's postgresql package: the local server of scripts/postgres.sh on 127.0.0.1:55432,
 *     taken with a lease so that parallel test files share it and the last one out stops it (a
 *     server started by hand with `npm run db:start` is left running).
 *
 * Every path gives database `onecode_test` (UTF8, server time zone UTC) reached as a user that owns
 * it, may create databases and is no superuser (except for a POSTGRES_TEST_URL, which is as given).
 */
import { canRunLocalDb, leaseLocalDb, TEST_DATABASE, TEST_PASSWORD, TEST_USER } from './db-local.ts';
import { dockerAnswers, sharedPerProcess, type TestServer } from './shared-server.ts';

export type { TestServer } from './shared-server.ts';

const DEFAULT_IMAGE = 'postgres:15-alpine';

/**
 * Resolves a PostgreSQL server once per test process and counts its users: every caller must call
 * `stop()` once (in afterAll); the server is released when the last caller has.
 *
 * @throws Error when no server can be had, naming the three ways to provide one; or when a container
 *   or the local script fails to start (with the reason, never the URL).
 */
export const resolvePostgres: () => Promise<TestServer> = sharedPerProcess(resolveOnce);

async function resolveOnce(): Promise<TestServer> {
  const fromEnv = process.env.POSTGRES_TEST_URL?.trim();
  if (fromEnv) return { url: fromEnv, source: 'env', stop: async () => {} };

  if (await dockerAnswers('POSTGRES_NO_DOCKER')) return startContainer();

  const local = await canRunLocalDb('postgres');
  if (local.ok) return leaseLocalDb('postgres');

  throw new Error(
    'No PostgreSQL server for the integration tests. Provide one of: ' +
      '(1) POSTGRES_TEST_URL=postgres://user:password@host:port/database of a running server; ' +
      '(2) a Docker engine for testcontainers (DOCKER_HOST or /var/run/docker.sock); ' +
      "(3) Debian's PostgreSQL, so scripts/postgres.sh can run one " +
      '(apt-get install -y --no-install-recommends postgresql). ' +
      `scripts/postgres.sh check said: ${local.reason}`,
  );
}

/** A container whose `onecode` user is, like the local server's, the owner of `onecode_test` and no superuser. */
async function startContainer(): Promise<TestServer> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const image = process.env.POSTGRES_TESTCONTAINERS_IMAGE ?? DEFAULT_IMAGE;
  let container;
  try {
    container = await new PostgreSqlContainer(image).withDatabase('postgres').withUsername('postgres').withPassword(TEST_PASSWORD).start();
  } catch (error) {
    throw new Error(
      `testcontainers could not start ${image} (${(error as Error).message}); ` +
        'set POSTGRES_NO_DOCKER=1 to use scripts/postgres.sh instead, or POSTGRES_TEST_URL for a running server',
    );
  }
  // Two -c: CREATE DATABASE cannot run inside the transaction that one multi-statement -c is.
  const result = await container.exec([
    'psql', '-v', 'ON_ERROR_STOP=1', '-U', 'postgres', '-d', 'postgres',
    '-c', `CREATE ROLE ${TEST_USER} LOGIN CREATEDB PASSWORD '${TEST_PASSWORD}'`,
    '-c', `CREATE DATABASE ${TEST_DATABASE} OWNER ${TEST_USER}`,
  ]);
  if (result.exitCode !== 0) {
    await container.stop();
    throw new Error(`could not create user ${TEST_USER} and database ${TEST_DATABASE} in the ${image} container: ${result.output}`);
  }
  return {
    url: `postgres://${TEST_USER}:${TEST_PASSWORD}@${container.getHost()}:${container.getPort()}/${TEST_DATABASE}`,
    source: 'docker',
    stop: async () => {
      await container.stop();
    },
  };
}
