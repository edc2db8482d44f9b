/**
 * Duplicate and retried deliveries of one job. Lambda may deliver an event twice, and
 * re-delivers one whose invocation failed or timed out; the two deliveries may land in
 * the same container or in two. The scripted endpoint answers as CodePipeline does: a
 * job takes one answer, and a PutJob*Result for a closed job gets
 * InvalidJobStateException.
 *
 * What the framework guarantees: CodePipeline takes exactly one answer, the second
 * delivery's PutJob*Result (if it sends one) is logged as "already answered" and the
 * handler resolves. What it cannot: when two containers run the job, `run` runs twice
 * (side effects included), and the answer CodePipeline keeps is whichever arrived first.
 * Within one container a delivery already answered is not run again.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../src/job.js';
import { jobEvent, lambdaContext } from '../../src/testing/index.js';
import { type LoopbackAws, startLoopbackAws } from '../helpers/loopback-aws.js';
import type { FaultRun, LambdaHandler } from './helpers/fault-case.js';
import { captureJobLogs } from './helpers/log-capture.js';
import { settleWithin } from './helpers/verdict.js';

const REMAINING_MS = 8000;

/**
 * A fresh copy of the framework, as a new Lambda container has: its own memory of
 * answered jobs and its own CodePipeline client.
 */
async function newContainer() {
  vi.resetModules();
  return import('../../src/index.js');
}

async function handlerIn(
  container: Awaited<ReturnType<typeof newContainer>>,
  run: FaultRun,
  options: { reportTimeoutMs?: number; timeoutMarginMs?: number } = {},
): Promise<LambdaHandler> {
  const handler = container.invokeAction({
    run: run as never,
    // Not so small that a busy machine makes an answered call look hung (see REPORT_TIMEOUT_MS).
    reportTimeoutMs: options.reportTimeoutMs ?? 3000,
    timeoutMarginMs: options.timeoutMarginMs ?? 2000,
    logLevel: 'debug',
  });
  return handler as unknown as LambdaHandler;
}

/** A run that counts its calls and waits until `expected` calls are in flight at once. */
function rendezvousRun(
  expected: number,
  outcome: (job: Job<unknown, unknown>, call: number) => unknown,
) {
  let calls = 0;
  let release: () => void = () => {};
  const allIn = new Promise<void>((resolve) => {
    release = resolve;
  });
  const run: FaultRun = async (job) => {
    const call = ++calls;
    if (call === expected) release();
    await allIn;
    return outcome(job, call);
  };
  return { run, calls: () => calls };
}

describe('Duplicate and retried deliveries of one job', () => {
  let aws: LoopbackAws;
  let logs: ReturnType<typeof captureJobLogs>;

  beforeAll(async () => {
    aws = await startLoopbackAws({ buckets: [], codePipeline: { oneAnswerPerJob: true } });
    logs = captureJobLogs();
  });

  afterAll(async () => {
    logs?.restore();
    await aws?.close();
  });

  const invoke = (handler: LambdaHandler, event: unknown, remainingTimeMs = REMAINING_MS) =>
    settleWithin(handler(event, lambdaContext({ remainingTimeMs })), remainingTimeMs + 3000);

  const answersFor = (jobId: string) =>
    aws.codePipeline.requestsFor(jobId).filter((request) => /PutJob/.test(request.target));

  const loggedAlreadyAnswered = (jobId: string) =>
    logs
      .logsOf(jobId)
      .filter((line) => /"level":"WARN"/.test(line) && /already answered/.test(line)).length;

  it('answers once when the same container gets the event twice in sequence, and does not run it again', async () => {
    // Prepare
    const container = await newContainer();
    let runs = 0;
    const handler = await handlerIn(container, (job) => {
      runs++;
      return job.succeed({ summary: 'checked' });
    });
    const event = jobEvent();
    const jobId = event['CodePipeline.job'].id;

    // Act
    const first = await invoke(handler, event);
    const second = await invoke(handler, event);

    // Assess
    expect(first).toEqual({
      state: 'resolved',
      value: expect.objectContaining({ status: 'succeeded' }),
    });
    expect(second).toEqual({
      state: 'resolved',
      value: expect.objectContaining({ status: 'already-answered' }),
    });
    expect(runs).toBe(1);
    expect(answersFor(jobId)).toHaveLength(1);
    expect(aws.codePipeline.acceptedAnswers(jobId)).toHaveLength(1);
  });

  it('answers once when two containers get the event in sequence; the second runs it, and its answer is refused and logged', async () => {
    // Prepare
    let runs = 0;
    const run: FaultRun = (job) => {
      runs++;
      return job.succeed({ summary: 'checked' });
    };
    const first = await handlerIn(await newContainer(), run);
    const second = await handlerIn(await newContainer(), run);
    const event = jobEvent();
    const jobId = event['CodePipeline.job'].id;

    // Act
    const one = await invoke(first, event);
    const two = await invoke(second, event);

    // Assess
    expect(one).toEqual({
      state: 'resolved',
      value: expect.objectContaining({ status: 'succeeded' }),
    });
    expect(two).toEqual({
      state: 'resolved',
      value: expect.objectContaining({ status: 'already-answered' }),
    });
    expect(runs).toBe(2);
    expect(answersFor(jobId).map((request) => request.reply)).toEqual(['ok', 'closed']);
    expect(aws.codePipeline.acceptedAnswers(jobId)).toHaveLength(1);
    expect(loggedAlreadyAnswered(jobId)).toBe(1);
  });

  it.each([
    { where: 'in one container', containers: 1 },
    { where: 'in two containers', containers: 2 },
  ])('answers once when two deliveries run at the same time $where', async ({ containers }) => {
    // Prepare
    const { run, calls } = rendezvousRun(2, (job) => job.succeed({ summary: 'checked' }));
    const first = await handlerIn(await newContainer(), run);
    const second = containers === 1 ? first : await handlerIn(await newContainer(), run);
    const event = jobEvent();
    const jobId = event['CodePipeline.job'].id;

    // Act
    const settled = await Promise.all([invoke(first, event), invoke(second, event)]);

    // Assess
    expect(calls()).toBe(2);
    const statuses = settled.map((settlement) =>
      settlement.state === 'resolved'
        ? (settlement.value as { status: string }).status
        : settlement.state,
    );
    expect(statuses.sort()).toEqual(['already-answered', 'succeeded']);
    expect(aws.codePipeline.acceptedAnswers(jobId)).toHaveLength(1);
    expect(answersFor(jobId)).toHaveLength(2);
    expect(loggedAlreadyAnswered(jobId)).toBe(1);
  });

  it('keeps whichever answer arrives first when two containers disagree', async () => {
    // Prepare: a flaky gate that passes in one container and fails in the other.
    const { run } = rendezvousRun(2, (job, call) =>
      call === 1 ? job.succeed({ summary: 'passed' }) : job.fail('failed this time'),
    );
    const first = await handlerIn(await newContainer(), run);
    const second = await handlerIn(await newContainer(), run);
    const event = jobEvent();
    const jobId = event['CodePipeline.job'].id;

    // Act
    const settled = await Promise.all([invoke(first, event), invoke(second, event)]);

    // Assess: one answer is taken, which one is a race the framework cannot decide.
    expect(settled.every((settlement) => settlement.state === 'resolved')).toBe(true);
    const taken = aws.codePipeline.acceptedAnswers(jobId);
    expect(taken).toHaveLength(1);
    expect(
      answersFor(jobId)
        .map((request) => request.reply)
        .sort(),
    ).toEqual(['closed', 'ok']);
    expect(loggedAlreadyAnswered(jobId)).toBe(1);
  });

  it.each([
    {
      case: 'the hung answer never reached CodePipeline',
      firstReply: { kind: 'hang' } as const,
      secondReply: 'ok',
    },
    {
      case: 'CodePipeline took the answer but its response hung',
      firstReply: { kind: 'accept-then-hang' } as const,
      secondReply: 'closed',
    },
  ])(
    'answers once when Lambda re-delivers after the first invocation hung in PutJob*Result until its deadline: $case',
    async ({ firstReply, secondReply }) => {
      // Prepare: one call may take all the time there is, so the first invocation spends
      // its last second in one hung PutJobSuccessResult.
      const container = await newContainer();
      const handler = await handlerIn(container, (job) => job.succeed({ summary: 'checked' }), {
        reportTimeoutMs: 60_000,
        timeoutMarginMs: 1000,
      });
      const event = jobEvent();
      const jobId = event['CodePipeline.job'].id;
      aws.codePipeline.script(jobId, [firstReply]);

      // Act
      const first = await invoke(handler, event, 1500);
      const retry = await invoke(handler, event);

      // Assess
      expect(first.state).toBe('rejected');
      expect(first.state === 'rejected' && (first.error as Error).name).toBe(
        'ReportNotDeliveredError',
      );
      expect(answersFor(jobId).map((request) => request.reply)).toEqual([
        firstReply.kind,
        secondReply,
      ]);
      expect(retry).toEqual({
        state: 'resolved',
        value: expect.objectContaining({
          status: secondReply === 'ok' ? 'succeeded' : 'already-answered',
        }),
      });
      expect(aws.codePipeline.acceptedAnswers(jobId)).toHaveLength(1);
    },
  );
});
