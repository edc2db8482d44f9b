// The Lambda test pass (`npm run test:lambda`): the suite again, with test files
// running in processes started the way Lambda's nodejs24.x runtime starts a function's
// process: its environment variables and its memory-dependent node flags, for the
// template's largest MemorySize (a test file exercises several functions, and the
// test runner itself shares the heap).
//
// Only the tests of code that runs on Lambda: the tooling that runs on a developer's
// machine or in CI (the local CLI, template checks, the packed package, the test
// helpers' own tests) is left out, as are the type tests; `npm test` runs those.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.js';
import { lambdaEnvironment, lambdaNodeFlags } from './lambda-environment.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Tests of code that never runs on Lambda (added to the suite's own exclusions). */
const LOCAL_TOOLING = [
  'test/unit/local/**',
  'test/integration/local/**',
  'test/unit/template/**',
  'test/integration/package.test.ts',
  'test/self/**',
];
const template = readFileSync(new URL('../../template.yaml', import.meta.url), 'utf8');
const memoryMb = Math.max(
  ...[...template.matchAll(/^\s+MemorySize:\s*(\d+)/gm)].map((m) => Number(m[1])),
);

// The machine's PATH and library path stay: tests start npm and node by name, and
// Lambda's /var/lang does not exist here.
const {
  PATH: _path,
  LD_LIBRARY_PATH: _libraries,
  ...environment
} = lambdaEnvironment({
  functionName: 'codepipeline-handler-lambda-pass',
  memoryMb,
  handler: 'index.handler',
});

export default mergeConfig(
  base,
  defineConfig({
    root: ROOT,
    test: {
      env: environment,
      execArgv: lambdaNodeFlags(memoryMb),
      exclude: LOCAL_TOOLING,
      typecheck: { enabled: false },
    },
  }),
);
