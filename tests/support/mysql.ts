/**
 * Finds a MySQL-compatible server (MariaDB) for integration tests. Never skips: without one it
 * throws and says how to provide one.
 *
 * Order:
 *  1. MYSQL_TEST_URL (mysql://user:password@host:port/database): an existing MySQL or MariaDB
 *     server, never stopped by tests. The user needs to create tables in that database.
 *  2. A Docker engine that answers: testcontainers' MariaDbContainer (image from
 *     MYSQL_TESTCONTAINERS_IMAGE, default mariadb:10.11, the version Debian 12 ships; it must be a
 *     MariaDB image), with the same database, user and settings as the local server.
 *     MYSQL_NO_DOCKER=1 skips this step.
 *  3. Debian's mariadb-server package: the local server of scripts/mysql.sh on 127.0.0.1:53306,
 *     taken with a lease so that parallel test files share it and the last one out stops it (a
 *     server started by hand with `npm run db:start` is left running).
 *
 * Every path gives database `onecode_test` (utf8mb4, server time zone +00:00) reached as user
 * `onecode` with all privileges on it and on databases named onecode_test_* (except for a
 * MYSQL_TEST_URL, which is as given).
 */
import { canRunLocalDb, leaseLocalDb, TEST_DATABASE, TEST_PASSWORD, TEST_USER } from './db-local.ts';
import { dockerAnswers, sharedPerProcess, type TestServer } from './shared-server.ts';

export type { TestServer } from './shared-server.ts';

const DEFAULT_IMAGE = 'mariadb:10.11';

/** The server settings scripts/mysql.sh gives mariadbd, for the container too. */
const SERVER_OPTIONS = ['--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', '--default-time-zone=+00:00'];

/**
 * Resolves a MySQL-compatible server once per test process and counts its users: every caller must
 * call `stop()` once (in afterAll); the server is released when the last caller has.
 *
 * @throws Error when no server can be had, naming the three ways to provide one; or when a container
 *   or the local script fails to start (with the reason, never the URL).
 */
export const resolveMysql: () => Promise<TestServer> = sharedPerProcess(resolveOnce);

async function resolveOnce(): Promise<TestServer> {
  const fromEnv = process.env.MYSQL_TEST_URL?.trim();
  if (fromEnv) return { url: fromEnv, source: 'env', stop: async () => {} };

  if (await dockerAnswers('MYSQL_NO_DOCKER')) return startContainer();

  const local = await canRunLocalDb('mysql');
  if (local.ok) return leaseLocalDb('mysql');

  throw new Error(
    'No MySQL-compatible server for the integration tests. Provide one of: ' +
      '(1) MYSQL_TEST_URL=mysql://user:password@host:port/database of a running MySQL or MariaDB; ' +
      '(2) a Docker engine for testcontainers (DOCKER_HOST or /var/run/docker.sock); ' +
      "(3) Debian's MariaDB, so scripts/mysql.sh can run one " +
      '(apt-get install -y --no-install-recommends mariadb-server). ' +
      `scripts/mysql.sh check said: ${local.reason}`,
  );
}

async function startContainer(): Promise<TestServer> {
  const { MariaDbContainer } = await import('@testcontainers/mariadb');
  const image = process.env.MYSQL_TESTCONTAINERS_IMAGE ?? DEFAULT_IMAGE;
  let container;
  try {
    container = await new MariaDbContainer(image)
      .withDatabase(TEST_DATABASE)
      .withUsername(TEST_USER)
      .withUserPassword(TEST_PASSWORD)
      .withRootPassword(TEST_PASSWORD)
      .withCommand(SERVER_OPTIONS) // the image's entrypoint passes options to mariadbd
      .start();
  } catch (error) {
    throw new Error(
      `testcontainers could not start ${image} (${(error as Error).message}); ` +
        'set MYSQL_NO_DOCKER=1 to use scripts/mysql.sh instead, or MYSQL_TEST_URL for a running server',
    );
  }
  const grant = `GRANT ALL PRIVILEGES ON \`onecode\\_test\\_%\`.* TO '${TEST_USER}'@'%'`;
  const result = await container.exec(['mariadb', '-uroot', `-p${TEST_PASSWORD}`, '-e', grant]);
  if (result.exitCode !== 0) {
    await container.stop();
    throw new Error(`could not grant ${TEST_USER} the onecode_test_* databases in the ${image} container: ${result.output}`);
  }
  return {
    url: `mysql://${TEST_USER}:${TEST_PASSWORD}@${container.getHost()}:${container.getPort()}/${TEST_DATABASE}`,
    source: 'docker',
    stop: async () => {
      await container.stop();
    },
  };
}
