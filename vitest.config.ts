import { defineConfig } from 'vitest/config';

// Three projects: fast pure tests; integration tests that start real
// services (PostgreSQL, PGlite, server and agent processes); end-to-end tests
// of the chart on the single-node cluster of test/k8s/cluster (test/e2e).
export default defineConfig({
  test: {
    // The default output, then which real services the tests ran on (test/helpers/tools.ts).
    reporters: ['default', './test/helpers/services-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/helpers/services-setup.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          setupFiles: ['test/helpers/services-setup.ts'],
          // Bounds on a hang, not on speed: on a loaded machine one server start can take a minute.
          testTimeout: 480_000,
          hookTimeout: 480_000,
          // Server and agent processes are heavy on 2 cores: one file at a time.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          setupFiles: ['test/helpers/services-setup.ts'],
          // Rollouts, fail-over and mail on a 2-core machine: minutes, not seconds.
          testTimeout: 600_000,
          hookTimeout: 600_000,
          // One cluster, one release at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
