import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { codePipelineJob, invokeAction } from '../../src/index.js';
import { WATCHDOG_ENV, watchdogEnabled } from '../../src/options.js';

describe('Function: validateOptions (through the public API)', () => {
  it('accepts every documented option', () => {
    expect(() =>
      codePipelineJob({
        params: z.object({}),
        logLevel: 'debug',
        timeoutMarginMs: 1,
        reportTimeoutMs: 1,
        reportAttempts: 1,
        artifactLimits: {},
        watchdog: false,
      }),
    ).not.toThrow();
  });

  it.each([
    [{ timeoutMarginMs: -1 }, /"timeoutMarginMs" must be a non-negative number/],
    [{ reportAttempts: Number.NaN }, /"reportAttempts" must be a non-negative number/],
    [{ params: { parse: () => 1 } }, /"params" must be a Standard Schema/],
    [{ retries: 3, verbose: true }, /unknown options "retries", "verbose"/],
    [{ artifactLimits: { maxEntrys: 5 } }, /"artifactLimits": Unknown artifact limit "maxEntrys"/],
    [{ artifactLimits: { maxReadBytes: 0 } }, /maxReadBytes must be a positive integer/],
    [{ watchdog: 'yes' }, /"watchdog" must be true or false/],
  ])('refuses %o', (options, message) => {
    expect(() => codePipelineJob(options as never)).toThrow(message);
  });

  it('refuses invokeAction without run', () => {
    expect(() => invokeAction({} as never)).toThrow(/needs a run\(job\) function/);
  });
});

describe('Function: watchdogEnabled', () => {
  it.each([
    [true, {}, true],
    [false, { [WATCHDOG_ENV]: 'true' }, false],
    [undefined, { [WATCHDOG_ENV]: 'TRUE' }, true],
    [undefined, { [WATCHDOG_ENV]: '1' }, true],
    [undefined, { [WATCHDOG_ENV]: 'false' }, false],
    [undefined, {}, false],
  ])('with option %o and environment %o is %o', (option, env, expected) => {
    expect(watchdogEnabled(option, env)).toBe(expected);
  });

  it('refuses an environment value it cannot read, naming the variable', () => {
    expect(() => watchdogEnabled(undefined, { [WATCHDOG_ENV]: 'on' })).toThrow(
      /CODEPIPELINE_HANDLER_WATCHDOG must be "true" or "false", got "on"/,
    );
  });
});

describe('Option: foreignContinuationToken', () => {
  it('accepts a function and refuses anything else', () => {
    expect(() => codePipelineJob({ foreignContinuationToken: (token) => token })).not.toThrow();
    expect(() => codePipelineJob({ foreignContinuationToken: 'parse' as never })).toThrow(
      /"foreignContinuationToken" must be a function/,
    );
  });
});
