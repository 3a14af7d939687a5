/**
 * What tests/support/postgres.ts, mysql.ts and kafka.ts share: the shape of a resolved server,
 * resolving it once per test process with a count of its users, and asking whether a Docker engine
 * answers.
 */

/** A database server for the tests: a connection URL and how to let go of it. */
export interface TestServer {
  /**
   * Connection URL with credentials, e.g. `postgres://onecode:onecode-test-only@127.0.0.1:55432/onecode_test`.
   * The local and testcontainers credentials are test-only; still, never put the URL in a log or an
   * error message (a URL from the environment may hold a real password).
   */
  url: string;
  /** Where it came from: the *_TEST_URL variable, a testcontainers container, or the local script. */
  source: 'env' | 'docker' | 'local';
  /** Releases the server: stops what this process started, leaves alone what it found running. */
  stop: () => Promise<void>;
}

/**
 * Wraps a resolver so that the server is resolved once per test process and its users are counted:
 * every caller must call `stop()` once (in afterAll); the server is released when the last caller
 * has. A failed resolution is forgotten, so the next caller tries again.
 */
export function sharedPerProcess<T extends { stop: () => Promise<void> }>(resolveOnce: () => Promise<T>): () => Promise<T> {
  let shared: { users: number; server: Promise<T> } | undefined;
  return async () => {
    if (shared === undefined) {
      const server = resolveOnce();
      shared = { users: 0, server };
      server.catch(() => {
        shared = undefined;
      });
    }
    const current = shared;
    const server = await current.server;
    current.users += 1;
    let stopped = false;
    return {
      ...server,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        current.users -= 1;
        if (current.users === 0) {
          if (shared === current) shared = undefined;
          await server.stop();
        }
      },
    };
  };
}

/**
 * The environment variable through which tests/support/global-setup.ts gives the test workers the
 * pid of the vitest process, which holds a lease on each local server for the whole run.
 */
export const RUN_HOLDER_VARIABLE = 'ONECODE_TEST_RUN_HOLDER';

/**
 * The pids to lease a local server for, the whole run's first: the run's holder (from
 * {@link RUN_HOLDER_VARIABLE}, when it is set, names a number and is not this process), then this
 * process. The script counts a lease only while its pid lives, so the run's lease keeps the server
 * up between test files and lapses when vitest exits.
 */
export function leaseHolders(): string[] {
  const own = String(process.pid);
  const run = process.env[RUN_HOLDER_VARIABLE]?.trim();
  return run && /^[0-9]+$/.test(run) && run !== own ? [run, own] : [own];
}

/**
 * True when testcontainers finds a Docker (or compatible) engine within 10 s; false at once when the
 * variable named by `noDockerVariable` is "1" (e.g. POSTGRES_NO_DOCKER).
 */
export async function dockerAnswers(noDockerVariable: string): Promise<boolean> {
  if (process.env[noDockerVariable] === '1') return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const probe = getContainerRuntimeClient().then(
      () => true,
      () => false,
    );
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref());
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  }
}
