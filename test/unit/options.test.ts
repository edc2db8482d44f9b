import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { codePipelineJob, invokeAction } from '../../src/index.js';

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
  ])('refuses %o', (options, message) => {
    expect(() => codePipelineJob(options as never)).toThrow(message);
  });

  it('refuses invokeAction without run', () => {
    expect(() => invokeAction({} as never)).toThrow(/needs a run\(job\) function/);
  });
});
