import { defineConfig } from 'vitest/config';

export default defineConfig({
  // readme-examples/ import the package by name, as users do; point that at the source.
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
    exclude: ['test/fixtures/**', 'node_modules/**'],
    setupFiles: ['test/helpers/setup.ts'],
    // Worker threads started by the code under test (the watchdog) run TypeScript sources
    // too; they inherit the test process's execArgv, and with it this loader.
    execArgv: ['--import', 'tsx'],
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
