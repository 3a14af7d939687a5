import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Test files run in this many processes at once: one per core. vitest's default is one fewer than
 * the cores, which is one file at a time on a 2-core machine, while most files spend much of their
 * time waiting (on the Kafka broker, the CLI's child processes, servers and timers). One per core
 * rather than more: the CLI-heavy files are CPU-bound, and on a loaded machine a third process
 * pushed their longest tests past the 60 s timeout. ONECODE_TEST_WORKERS overrides it.
 */
const workers = Number(process.env.ONECODE_TEST_WORKERS) || Math.max(2, availableParallelism());

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One process per file (DuckDB's native module, leases named by pid, process-wide env in tests).
    pool: 'forks',
    maxWorkers: workers,
    minWorkers: 1,
    // build-dist.ts builds dist/ when it is not that of the sources (the tests spawn the compiled
    // bin/onecode.js). global-setup.ts holds the local Kafka, PostgreSQL and MariaDB servers from
    // their first lease to the end, so they start once per run rather than once per file.
    globalSetup: ['tests/support/build-dist.ts', 'tests/support/global-setup.ts'],
  },
});
