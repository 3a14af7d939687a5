import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One process per file (DuckDB's native module, leases named by pid, process-wide env in tests).
    pool: 'forks',
    // The run holds the local Kafka, PostgreSQL and MariaDB servers from their first lease to the
    // end, so they start once per run rather than once per file (tests/support/global-setup.ts).
    globalSetup: ['tests/support/global-setup.ts'],
  },
});
