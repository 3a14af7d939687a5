import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Test files run in this many processes at once. vitest's default is one fewer than the cores
 * (one file at a time on a 2-core machine), but most of a file's time here is spent waiting: on
 * the Kafka broker, on the CLI's child processes, on servers and timers. One more process than
 * there are cores keeps the cores busy while a file waits. ONECODE_TEST_WORKERS overrides it.
 */
const workers = Number(process.env.ONECODE_TEST_WORKERS) || availableParallelism() + 1;

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One process per file (DuckDB's native module, leases named by pid, process-wide env in tests).
    pool: 'forks',
    maxWorkers: workers,
    minWorkers: 1,
    // The run holds the local Kafka, PostgreSQL and MariaDB servers from their first lease to the
    // end, so they start once per run rather than once per file (tests/support/global-setup.ts).
    globalSetup: ['tests/support/global-setup.ts'],
  },
});
