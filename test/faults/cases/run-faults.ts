/**
 * Faults in the user's `run`: throwing, rejecting with errors and with things that
 * are not errors (some hostile to being turned into a message), hanging past the
 * deadline, finishing after it, and returning results CodePipeline would refuse.
 */
import { ConfigurationError } from '../../../src/errors.js';
import { jobEvent } from '../../../src/testing/index.js';
import {
  type Expected,
  type FaultCase,
  type FaultRun,
  faultHandler,
  secretsOf,
  TIMING,
  type Timing,
} from '../helpers/fault-case.js';

const failed = (message?: RegExp): Expected => ({
  verdict: 'answered-once',
  answer: 'JobFailed',
  ...(message ? { message } : {}),
});

/** Resolves `ms` after the tight timing's deadline has passed. */
const afterDeadline = (ms: number) =>
  new Promise((resolve) =>
    setTimeout(resolve, TIMING.tight.remainingTimeMs - TIMING.tight.timeoutMarginMs + ms),
  );

const RUN_FAULTS: ReadonlyArray<{
  kind: string;
  run: FaultRun;
  expected: Expected;
  timing?: Timing;
}> = [
  {
    kind: 'throws synchronously',
    run: () => {
      throw new TypeError('cannot read properties of undefined');
    },
    expected: failed(/TypeError: cannot read properties of undefined/),
  },
  {
    kind: 'rejects with an Error',
    run: async () => {
      throw new Error('gate exploded');
    },
    expected: failed(/gate exploded/),
  },
  {
    kind: 'rejects with a CodePipelineJobError',
    run: async () => {
      throw new ConfigurationError('threshold missing');
    },
    expected: { verdict: 'answered-once', answer: 'ConfigurationError', message: /threshold/ },
  },
  {
    kind: 'rejects with a string',
    run: () => Promise.reject('plain string'),
    expected: failed(/plain string/),
  },
  { kind: 'rejects with undefined', run: () => Promise.reject(undefined), expected: failed() },
  { kind: 'rejects with null', run: () => Promise.reject(null), expected: failed() },
  {
    kind: 'rejects with a plain object',
    run: () => Promise.reject({ code: 42, reason: 'object' }),
    expected: failed(),
  },
  {
    kind: 'rejects with an object without a prototype',
    run: () => Promise.reject(Object.create(null)),
    expected: failed(),
  },
  {
    kind: 'rejects with an object whose toString throws',
    run: () =>
      Promise.reject({
        toString() {
          throw new Error('no string for you');
        },
      }),
    expected: failed(),
  },
  { kind: 'rejects with a BigInt', run: () => Promise.reject(10n), expected: failed(/10/) },
  {
    kind: 'rejects with an object holding a BigInt',
    run: () => Promise.reject({ attempts: 3n }),
    expected: failed(),
  },
  {
    kind: 'rejects with a revoked Proxy',
    run: () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return Promise.reject(proxy);
    },
    expected: failed(),
  },
  {
    kind: 'hangs past the deadline',
    run: () => new Promise(() => {}),
    expected: failed(/timed out/),
    timing: TIMING.tight,
  },
  {
    kind: 'succeeds after the deadline',
    run: async (job) => {
      await afterDeadline(200);
      return job.succeed({ summary: 'too late' });
    },
    expected: failed(/timed out/),
    timing: TIMING.tight,
  },
  {
    kind: 'throws after the deadline',
    run: async () => {
      await afterDeadline(200);
      throw new Error('too late');
    },
    expected: failed(/timed out/),
    timing: TIMING.tight,
  },
  {
    kind: 'records success, then throws',
    run: (job) => {
      job.succeed();
      throw new Error('after succeed');
    },
    expected: failed(/after succeed/),
  },
  {
    kind: 'returns a value that is not an Outcome',
    run: () => 42 as never,
    expected: { verdict: 'answered-once', answer: 'succeeded' },
  },
  {
    kind: 'returns invalid output variables',
    run: (job) => job.succeed({ outputVariables: { 'not a key!': 'x' } }),
    expected: failed(/output variables/),
  },
];

export function runFaultCases(): FaultCase[] {
  return RUN_FAULTS.map(
    ({ kind, run, expected, timing = TIMING.roomy }): FaultCase => ({
      point: 'user code',
      kind,
      expected,
      async prepare() {
        const event = jobEvent();
        const handler = faultHandler(run, timing);
        return {
          event,
          jobId: event['CodePipeline.job'].id,
          handler,
          timing,
          closedBefore: false,
          secrets: secretsOf(event),
        };
      },
    }),
  );
}
