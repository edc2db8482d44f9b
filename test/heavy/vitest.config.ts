// The heavy tier (`npm run test:heavy`): the tests named *.heavy.test.ts, which need
// tens of seconds of CPU each and so stay out of `npm test`. Same setup as the suite
// (its setup file, global setup, timeouts and reporters; not its projects); each heavy
// test sets its own timeout, its budget.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

const { projects: _suiteProjects, coverage: _coverage, ...shared } = base.test ?? {};

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../../', import.meta.url)),
  test: {
    ...shared,
    include: ['test/**/*.heavy.test.ts'],
    exclude: ['test/fixtures/**', 'node_modules/**'],
  },
});
