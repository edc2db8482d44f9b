import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { lambdaEnvironment, lambdaNodeFlags } from './lambda-environment.js';

describe('Function: lambdaNodeFlags', () => {
  it('sizes the heap from the memory as the nodejs24.x bootstrap does', () => {
    expect(lambdaNodeFlags(512)).toEqual([
      '--expose-gc',
      '--max-http-header-size=81920',
      '--max-semi-space-size=17',
      '--max-old-space-size=461',
    ]);
    expect(lambdaNodeFlags(128)).toContain('--max-old-space-size=116');
  });
});

describe('Function: lambdaEnvironment', () => {
  it('names the runtime, the function and its paths as Lambda does', () => {
    // Act
    const env = lambdaEnvironment({ functionName: 'gate', memoryMb: 256, handler: 'gate.handler' });

    // Assess
    expect(env).toMatchObject({
      _HANDLER: 'gate.handler',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: 'gate',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/gate',
      LAMBDA_TASK_ROOT: '/var/task',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
    });
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(
      /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/,
    );
    expect(env.NODE_PATH?.split(':').at(-1)).toBe('/var/task');
  });
});

// Only in `npm run test:lambda`: proves that pass really runs the tests that way.
describe.runIf(process.env.AWS_EXECUTION_ENV === 'AWS_Lambda_nodejs24.x')(
  'The Lambda test pass',
  () => {
    it("runs this file in a process with nodejs24.x's flags and environment", () => {
      // Prepare
      const memoryMb = Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
      const oldSpace = Number(
        /--max-old-space-size=(\d+)/.exec(lambdaNodeFlags(memoryMb).join(' '))?.[1],
      );

      // Assess
      for (const flag of lambdaNodeFlags(memoryMb)) expect(process.execArgv).toContain(flag);
      expect(typeof globalThis.gc).toBe('function');
      // The old space plus the young generation (V8 rounds the semi-space to its own steps),
      // far below what this machine would give by default.
      const heapMb = getHeapStatistics().heap_size_limit / 2 ** 20;
      expect(heapMb).toBeGreaterThanOrEqual(oldSpace);
      expect(heapMb).toBeLessThan(oldSpace + 128);
      expect(process.env.TZ).toBe(':UTC');
      expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('UTC');
      expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBe('codepipeline-handler-lambda-pass');
    });
  },
);
