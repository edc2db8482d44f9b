import { defineConfig } from 'vitest/config';

export default defineConfig({
  // examples/ import the package by name, as users do; point that at the source.
  resolve: {
    alias: [
      { find: /^codepipeline-handler$/, replacement: `${import.meta.dirname}/src/index.ts` },
      {
        find: /^codepipeline-handler\/testing$/,
        replacement: `${import.meta.dirname}/src/testing/index.ts`,
      },
      {
        find: /^codepipeline-handler\/gates$/,
        replacement: `${import.meta.dirname}/src/gates/index.ts`,
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // test/fixtures holds files for other projects (the packed-package consumer).
    // *.heavy.test.ts need tens of seconds of CPU: `npm run test:heavy` runs them.
    exclude: ['test/fixtures/**', 'node_modules/**', '**/*.heavy.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // Its teardown fails the run when a test left an orphaned process behind.
    globalSetup: ['test/helpers/global-setup.ts'],
    // Says what kept the process alive if vitest cannot exit after the run.
    reporters: ['default', 'hanging-process'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'html'],
    },
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
    },
  },
});
