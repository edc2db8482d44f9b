// The heavy tier (`npm run test:heavy`): the tests named *.heavy.test.ts, which need
// tens of seconds of CPU each and so stay out of `npm test`. Same setup as the suite;
// each heavy test sets its own timeout, its budget.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../../', import.meta.url)),
  test: {
    ...base.test,
    include: ['test/**/*.heavy.test.ts'],
    exclude: ['test/fixtures/**', 'node_modules/**'],
    typecheck: { enabled: false },
  },
});
