import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { afterEach, describe, expect, it } from 'vitest';
import { invokeAction } from '../../src/index.js';
import { jobEvent } from '../../src/testing/index.js';
import { context } from '../helpers/context.js';
import { type ScriptedReply, startTestJobApi } from '../helpers/job-api.js';

type Endpoint = Awaited<ReturnType<typeof startTestJobApi>>;

describe('Integration: reporting over HTTP with the real SDK', () => {
  let endpoint: Endpoint | undefined;

  afterEach(async () => {
    await endpoint?.close();
    endpoint = undefined;
  });

  /** Starts the endpoint with `replies`; a client reporting to it, with the SDK's retries off. */
  const clientAgainst = async (replies: ScriptedReply[]) => {
    endpoint = await startTestJobApi(replies);
    return new CodePipelineClient({
      region: 'us-east-1',
      endpoint: endpoint.endpoint,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  };

  const handlerAgainst = async (
    replies: ScriptedReply[],
    run: Parameters<typeof invokeAction>[0]['run'],
  ) => {
    const client = await clientAgainst(replies);
    return invokeAction({ client, run, reportTimeoutMs: 500, logLevel: 'error' });
  };

  it('retries a throttled PutJobSuccessResult and gets through', async () => {
    // Prepare
    const handler = await handlerAgainst(
      [{ kind: 'error', status: 400, type: 'ThrottlingException' }],
      () => {},
    );
    const event = jobEvent();

    // Act
    const result = await handler(event, context());

    // Assess
    expect(result).toMatchObject({ status: 'succeeded' });
    expect(endpoint?.requests.map((request) => request.target)).toEqual([
      'CodePipeline_20150709.PutJobSuccessResult',
      'CodePipeline_20150709.PutJobSuccessResult',
    ]);
    expect(endpoint?.requests[1]?.body.jobId).toBe(event['CodePipeline.job'].id);
  });

  it('gives up on a hung call after its own timeout and retries', async () => {
    // Prepare
    const handler = await handlerAgainst([{ kind: 'hang' }], () => {});
    const started = Date.now();

    // Act
    const result = await handler(jobEvent(), context());

    // Assess
    expect(result).toMatchObject({ status: 'succeeded' });
    expect(endpoint?.requests).toHaveLength(2);
    // Its own 500 ms timeout, not the 5 s default, with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(4500);
  });

  it('resolves on InvalidJobStateException (a job already answered)', async () => {
    // Prepare
    const handler = await handlerAgainst(
      [{ kind: 'error', status: 400, type: 'InvalidJobStateException' }],
      () => {},
    );

    // Act
    const result = await handler(jobEvent(), context());

    // Assess
    expect(result).toMatchObject({ status: 'already-answered' });
    expect(endpoint?.requests).toHaveLength(1);
  });

  it('answers a ValidationException on success with a failure that says why', async () => {
    // Prepare
    const handler = await handlerAgainst(
      [{ kind: 'error', status: 400, type: 'ValidationException', message: 'summary too long' }],
      (job) => job.succeed({ summary: 'ok' }),
    );

    // Act
    const result = await handler(jobEvent(), context());

    // Assess
    expect(result).toMatchObject({ status: 'failed', failureType: 'JobFailed' });
    const failure = endpoint?.requests[1];
    expect(failure?.target).toBe('CodePipeline_20150709.PutJobFailureResult');
    expect(JSON.stringify(failure?.body)).toContain('ValidationException: summary too long');
  });

  it('rejects so Lambda retries when CodePipeline cannot be reached at all', async () => {
    // Prepare
    const handler = await handlerAgainst(
      Array.from(
        { length: 4 },
        () => ({ kind: 'error', status: 503, type: 'ServiceUnavailableException' }) as const,
      ),
      () => {},
    );

    // Act & Assess
    await expect(handler(jobEvent(), context())).rejects.toThrow(/Could not report the result/);
    expect(endpoint?.requests).toHaveLength(4);
  });

  /** A handler reporting to the endpoint, its JSON log lines collected. */
  const loggedHandlerAgainst = async (replies: ScriptedReply[]) => {
    const lines: Array<{ message: string } & Record<string, unknown>> = [];
    const collect = (message: string, extra?: unknown) =>
      lines.push({ message, ...(extra as Record<string, unknown>) });
    const logger = { debug: collect, info: collect, warn: collect, error: collect };
    const client = await clientAgainst(replies);
    return { handler: invokeAction({ client, logger, run: () => {} }), lines };
  };

  it('says which action the execution role lacks, and how to grant it, when PutJobSuccessResult is denied', async () => {
    // Prepare: the body IAM's authorisation layer sends for a JSON 1.1 service.
    const principal =
      'arn:aws:sts::123456789012:assumed-role/gate-function-role-1A2B3C/gate-function';
    const { handler, lines } = await loggedHandlerAgainst([
      {
        kind: 'error',
        status: 400,
        type: 'AccessDeniedException',
        body: JSON.stringify({
          __type: 'com.amazon.coral.service#AccessDeniedException',
          Message: `User: ${principal} is not authorized to perform: codepipeline:PutJobSuccessResult because no identity-based policy allows the codepipeline:PutJobSuccessResult action`,
        }),
      },
    ]);

    // Act
    const outcome = handler(jobEvent(), context());

    // Assess: one attempt, a rejection Lambda shows, and an error log that fixes it.
    await expect(outcome).rejects.toThrow(/not allowed to call codepipeline:PutJobSuccessResult/);
    expect(endpoint?.requests).toHaveLength(1);
    const denial = lines.find((line) => line.missingAction !== undefined);
    expect(denial).toMatchObject({
      missingAction: 'codepipeline:PutJobSuccessResult',
      role: 'gate-function-role-1A2B3C',
      principal,
    });
    expect(denial?.message).toContain('gate-function-role-1A2B3C');
    expect(denial?.message).toContain('codepipeline:PutJobFailureResult on Resource "*"');
    expect(denial?.message).toContain('CodePipelineLambdaExecutionPolicy');
  });

  it('says CodePipeline does not know the job, not that it was already answered, on JobNotFoundException', async () => {
    // Prepare
    const { handler, lines } = await loggedHandlerAgainst([
      { kind: 'error', status: 400, type: 'JobNotFoundException', message: 'Job not found' },
    ]);

    // Act
    const result = await handler(jobEvent(), context());

    // Assess
    expect(result).toMatchObject({ status: 'job-not-found' });
    expect(endpoint?.requests).toHaveLength(1);
    const text = lines.map((line) => line.message).join('\n');
    expect(text).toContain('CodePipeline does not know this job');
    expect(text).toContain('sample event');
    expect(text).not.toContain('already answered');
  });
});
