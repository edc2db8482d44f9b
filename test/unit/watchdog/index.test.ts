import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { describe, expect, it, vi } from 'vitest';
import { invokeAction } from '../../../src/index.js';
import { jobEvent, lambdaContext } from '../../../src/testing/index.js';
import { startTestJobApi } from '../../helpers/job-api.js';
import { ENV_SECRET, runGateProcess, waitFor } from '../helpers/gate-process.js';

const FAILURE = 'CodePipeline_20150709.PutJobFailureResult';
const SUCCESS = 'CodePipeline_20150709.PutJobSuccessResult';

describe('Function: createWatchdog (option watchdog, gates in a process of their own)', () => {
  it('reports one failure before the Lambda deadline for a run that never yields', async () => {
    // Prepare
    const gate = await runGateProcess('endless-loop');
    const { jobId, lambdaEndAt } = await gate.started();

    // Act
    await waitFor(
      () => gate.watchdogLines().some((line) => line.operation === 'PutJobFailureResult'),
      "the watchdog's report",
    );
    await gate.kill();

    // Assess
    expect(gate.endpoint.requests.map((request) => request.target)).toEqual([FAILURE]);
    const [request] = gate.endpoint.requests;
    expect(request?.body.jobId).toBe(jobId);
    expect(request?.body.failureDetails).toMatchObject({
      type: 'JobFailed',
      message: expect.stringMatching(
        /^The gate blocked the event loop: the function's main thread has not responded for \d+ ms/,
      ),
    });
    expect(gate.arrivals[0]).toBeLessThan(lambdaEndAt);
    expect(gate.lines.join('\n')).not.toContain(ENV_SECRET);
  });

  it("keeps the main thread's late answer from being sent once the watchdog answered", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'watchdog-release-'));
    const release = join(dir, 'release');
    const gate = await runGateProcess('block-until-released', {
      env: { WATCHDOG_TEST_RELEASE: release },
    });
    await waitFor(
      () => gate.watchdogLines().some((line) => line.operation === 'PutJobFailureResult'),
      "the watchdog's report",
    );

    // Act: run unblocks and returns a success.
    await writeFile(release, '');
    const result = await gate.exited();
    await rm(dir, { recursive: true, force: true });

    // Assess
    expect(gate.endpoint.requests.map((request) => request.target)).toEqual([FAILURE]);
    expect(result?.resolved).toMatchObject({ status: 'failed', failureType: 'JobFailed' });
    const skipped = gate.lines.find((line) => line.includes('not reporting this result'));
    expect(JSON.parse(skipped ?? '{}')).toMatchObject({
      level: 'WARN',
      watchdog: 'reported',
      dropped: 'succeeded',
    });
  });

  it('stays silent when run blocks only briefly and answers itself', async () => {
    // Act
    const gate = await runGateProcess('brief-block');
    const result = await gate.exited();

    // Assess
    expect(gate.endpoint.requests.map((request) => request.target)).toEqual([SUCCESS]);
    expect(gate.endpoint.requests[0]?.body.executionDetails).toEqual({
      summary: 'answered after a brief block',
    });
    expect(result?.resolved).toMatchObject({ status: 'succeeded' });
    expect(gate.watchdogLines()).toEqual([]);
  });

  it('leaves a gate that never blocks alone, and lets its process exit', async () => {
    // Act
    const gate = await runGateProcess('normal');
    const result = await gate.exited();

    // Assess
    expect(gate.endpoint.requests.map((request) => request.target)).toEqual([SUCCESS]);
    expect(result?.resolved).toMatchObject({ status: 'succeeded' });
    expect(gate.watchdogLines()).toEqual([]);
  });
});

describe('Function: createWatchdog (in this process, from TypeScript sources)', () => {
  it('starts its thread under vitest and answers while this thread is blocked', async () => {
    // Prepare: the endpoint lives on this thread too, so the watchdog's call waits in the
    // socket's backlog until the block ends; the engine must then wait for it.
    const endpoint = await startTestJobApi([]);
    // The thread takes its credentials from the environment it inherits (on Lambda, the
    // function's role), never from the engine's client.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAWATCHDOGTEST0000');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'watchdog-test-secret');
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    const handler = invokeAction({
      client: new CodePipelineClient({
        region: 'us-east-1',
        endpoint: endpoint.endpoint,
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
        maxAttempts: 1,
      }),
      timeoutMarginMs: 19_900,
      // Longer than the block below: the watchdog's call sits in the backlog until the
      // block ends, and a shorter per-call timeout made it retry into the same backlog
      // (three requests on a quiet machine, where the thread starts early).
      reportTimeoutMs: 15_000,
      logLevel: 'error',
      watchdog: true,
      run(job) {
        // Past the deadline (100 ms) and the grace (1 s), with time for the thread to start
        // (seconds on a busy machine, where 4 s were not always enough).
        Atomics.wait(sleeper, 0, 0, 12_000);
        return job.succeed();
      },
    });
    const event = jobEvent();

    // Act
    const result = await handler(event, lambdaContext({ remainingTimeMs: 20_000 })).finally(() => {
      vi.unstubAllEnvs();
      return endpoint.close();
    });

    // Assess
    expect(result).toEqual({
      jobId: event['CodePipeline.job'].id,
      status: 'failed',
      failureType: 'JobFailed',
    });
    expect(endpoint.requests.map((request) => request.target)).toEqual([FAILURE]);
  });
});
