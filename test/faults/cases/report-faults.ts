/**
 * Faults on the answer itself: every way a PutJob*Result call can fail, on each path
 * that sends one (run succeeded, run failed, run timed out).
 */
import { ConfigurationError, type FailureType } from '../../../src/errors.js';
import { jobEvent } from '../../../src/testing/index.js';
import type { ScriptedReply } from '../../helpers/job-api.js';
import {
  type Expected,
  type FaultCase,
  type FaultRun,
  faultHandler,
  secretsOf,
  TIMING,
  type Timing,
} from '../helpers/fault-case.js';

/** The paths that end in a PutJob*Result, and the answer each gives when delivered. */
const PATHS: ReadonlyArray<{
  path: string;
  run: FaultRun;
  answer: 'succeeded' | FailureType;
  message?: RegExp;
  timing: Timing;
}> = [
  {
    path: 'PutJobSuccessResult',
    run: (job) => job.succeed({ summary: 'all good' }),
    answer: 'succeeded',
    timing: TIMING.roomy,
  },
  {
    path: 'PutJobFailureResult',
    run: async () => {
      throw new ConfigurationError('threshold missing');
    },
    answer: 'ConfigurationError',
    message: /threshold missing/,
    timing: TIMING.roomy,
  },
  {
    path: 'PutJobFailureResult after a timeout',
    run: () => new Promise(() => {}),
    answer: 'JobFailed',
    message: /timed out/,
    timing: TIMING.tight,
  },
];

const times = (count: number, reply: ScriptedReply) => Array.from({ length: count }, () => reply);
// More than any number of attempts the framework makes.
const EVERY = 20;

const throttled: ScriptedReply = { kind: 'error', status: 400, type: 'ThrottlingException' };
const internal: ScriptedReply = { kind: 'error', status: 500, type: 'InternalFailure' };
const unavailable: ScriptedReply = { kind: 'error', status: 503, type: 'ServiceUnavailable' };
const invalid: ScriptedReply = {
  kind: 'error',
  status: 400,
  type: 'ValidationException',
  message: '1 validation error detected',
};

/**
 * What goes wrong, and what must come of it given the path's own answer.
 * `oneAnswerPerJob` models CodePipeline refusing a second answer (for the faults
 * where the first one got through without the client hearing so).
 */
const REPORT_KINDS: ReadonlyArray<{
  kind: string;
  replies?: ScriptedReply[];
  closedBefore?: boolean;
  oneAnswerPerJob?: boolean;
  expected: (answer: Expected & { verdict: 'answered-once' }) => Expected;
}> = [
  { kind: 'throttled once (400 ThrottlingException)', replies: [throttled], expected: (a) => a },
  {
    kind: 'throttled on every attempt',
    replies: times(EVERY, throttled),
    expected: () => ({ verdict: 'retry-signalled' }),
  },
  { kind: '500 once', replies: [internal], expected: (a) => a },
  {
    kind: '503 on every attempt',
    replies: times(EVERY, unavailable),
    expected: () => ({ verdict: 'retry-signalled' }),
  },
  { kind: 'hung once (no response)', replies: [{ kind: 'hang' }], expected: (a) => a },
  {
    kind: 'hung on every attempt',
    replies: times(EVERY, { kind: 'hang' }),
    expected: () => ({ verdict: 'retry-signalled' }),
  },
  { kind: 'connection reset once', replies: [{ kind: 'reset' }], expected: (a) => a },
  {
    kind: 'connection reset on every attempt',
    replies: times(EVERY, { kind: 'reset' }),
    expected: () => ({ verdict: 'retry-signalled' }),
  },
  {
    kind: 'taken, but the response hung',
    replies: [{ kind: 'accept-then-hang' }],
    oneAnswerPerJob: true,
    expected: (a) => a,
  },
  {
    kind: 'taken, but the connection reset before the response',
    replies: [{ kind: 'accept-then-reset' }],
    oneAnswerPerJob: true,
    expected: (a) => a,
  },
  {
    kind: 'InvalidJobStateException (job already closed)',
    closedBefore: true,
    expected: () => ({ verdict: 'already-closed' }),
  },
  {
    kind: 'ValidationException once',
    replies: [invalid],
    // A refused result is replaced by a failure saying why, of the same type for a failure.
    expected: (a) => ({
      verdict: 'answered-once',
      answer: a.answer === 'succeeded' ? 'JobFailed' : a.answer,
      message: /CodePipeline rejected the job's result: ValidationException/,
    }),
  },
  {
    kind: 'ValidationException on every call',
    replies: times(EVERY, invalid),
    expected: () => ({ verdict: 'retry-signalled' }),
  },
];

export function reportFaultCases(): FaultCase[] {
  return PATHS.flatMap(({ path, run, answer, message, timing }) =>
    REPORT_KINDS.map(
      ({
        kind,
        replies = [],
        closedBefore = false,
        oneAnswerPerJob = false,
        expected,
      }): FaultCase => ({
        point: path,
        kind,
        expected: expected({ verdict: 'answered-once', answer, ...(message ? { message } : {}) }),
        async prepare(world) {
          const event = jobEvent();
          const jobId = event['CodePipeline.job'].id;
          world.aws.codePipeline.script(jobId, replies, { oneAnswerPerJob });
          if (closedBefore) world.aws.codePipeline.closeJob(jobId);
          const handler = faultHandler(run, timing);
          return { event, jobId, handler, timing, closedBefore, secrets: secretsOf(event) };
        },
      }),
    ),
  );
}
