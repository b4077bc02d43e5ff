import { defineConfig } from 'vitest/config';

// Kept apart from client/vite.config.ts, which sets `root` to the client folder.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'kernel/**/*.test.ts', 'server/**/*.test.ts', 'integrations/**/*.test.ts', 'jobs/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
