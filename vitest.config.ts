import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // builds dist/ when it is not that of the sources: the tests spawn the compiled bin/onecode.js
    globalSetup: ['tests/support/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
