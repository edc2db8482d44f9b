// The Lambda test pass: the tests of the code whose behaviour depends on how Lambda's
// nodejs24.x runtime starts a function's process, run again in processes started that
// way: its environment variables and its memory-dependent node flags, for the
// template's largest MemorySize (a test file exercises several functions, and the
// test runner itself shares the heap). A project of the suite's own config
// (vitest.config.ts), so `npm test` runs it beside the suite on the same workers;
// `npm run test:lambda` runs it alone.
import { readFileSync } from 'node:fs';
import { lambdaEnvironment, lambdaNodeFlags } from './lambda-environment.js';

/**
 * The test files of the pass, and why each depends on Lambda's flags or environment.
 * Left out: code that behaves the same whatever node's flags and environment (the
 * event, params, outcome, error and redaction logic, the gates' rating arithmetic),
 * the testing kit and the package surface (they run on a developer's machine), the
 * local CLI, template checks and the test helpers (tooling), the type tests, and the
 * bundle smoke test (it starts each bundle in a node of its own with Lambda's flags
 * and environment, whatever the test process has).
 */
export const LAMBDA_PASS_FILES = [
  // The watchdog thread inherits the process's V8 flags (the heap caps, --expose-gc);
  // its heartbeat and report must hold in a heap of Lambda's size.
  'test/unit/watchdog/**/*.test.ts',
  // Artifact code: the streaming paths collect dead Buffers through `gc` when
  // --expose-gc gives it (only on Lambda), the memory caps and Zip64 writing live in
  // a capped old space, and the artifact clients must use the artifact credentials,
  // never the execution role's keys that Lambda puts in the environment.
  'test/unit/artifacts/**/*.test.ts',
  'test/integration/artifacts/**/*.test.ts',
  // The answer to CodePipeline: its client reads the region and the execution role's
  // keys from the environment; its HTTP responses meet --max-http-header-size.
  'test/unit/invoke-action*.test.ts',
  'test/unit/report*.test.ts',
  'test/integration/report-http.test.ts',
  // Env-driven configuration (the watchdog switch, the log level).
  'test/unit/options.test.ts',
  // The promises under faults: exactly one answer, duplicate deliveries.
  'test/faults/**/*.test.ts',
  // The shipped handlers, with their HTTP calls, as deployed.
  'test/unit/handlers/**/*.test.ts',
  'test/integration/gates/**/*.test.ts',
  // Proves the pass itself runs with Lambda's flags and environment.
  'test/lambda-runtime/lambda-environment.test.ts',
];

/**
 * Files inside the globs above that the pass leaves out: each does its measured work in
 * child processes it starts with flags of its own (a capped heap or cgroup, Lambda's
 * 128 MB flags), so the test process's flags change nothing in what they check, and
 * running them twice cost about 140 s of a worker's time.
 */
export const LAMBDA_PASS_SKIPPED = [
  'test/integration/artifacts/memory-cap.test.ts',
  'test/unit/artifacts/hostile-zips-memory.test.ts',
];

const template = readFileSync(new URL('../../template.yaml', import.meta.url), 'utf8');
/** The template's largest MemorySize, in MB. */
export const LAMBDA_PASS_MEMORY_MB = Math.max(
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
  memoryMb: LAMBDA_PASS_MEMORY_MB,
  handler: 'index.handler',
});

/** The variables of the pass's test processes. */
export const LAMBDA_PASS_ENV = environment;
/** The node flags of the pass's test processes. */
export const LAMBDA_PASS_NODE_FLAGS = lambdaNodeFlags(LAMBDA_PASS_MEMORY_MB);
