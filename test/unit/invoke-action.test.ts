import { inspect } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import middy from '@middy/core';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  codePipelineJob,
  invokeAction,
  Job,
  type JobContext,
  NotAJobEventError,
  PermissionError,
} from '../../src/index.js';
import { jobEvent, runJob, runUntilDone } from '../../src/testing/index.js';
import { context } from '../helpers/context.js';

describe('Function: invokeAction', () => {
  it('reports success when run returns nothing', async () => {
    // Prepare
    const handler = invokeAction({ run: async () => {} });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.calls.filter((call) => call.service === 'codepipeline')).toHaveLength(1);
    expect(result.handlerResult).toEqual({ jobId: result.jobId, status: 'succeeded' });
  });

  it('reports the summary and output variables run returns', async () => {
    // Prepare
    const handler = invokeAction({
      run: (job) =>
        job.succeed({
          summary: 'all good',
          outputVariables: { avgRating: '4.5' },
          percentComplete: 100,
        }),
    });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result).toMatchObject({
      status: 'succeeded',
      summary: 'all good',
      outputVariables: { avgRating: '4.5' },
      percentComplete: 100,
    });
  });

  it('reports failure when run throws, and resolves normally', async () => {
    // Prepare
    const handler = invokeAction({
      run: async () => {
        throw new RangeError('rating out of range');
      },
    });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      failureType: 'JobFailed',
      message: 'RangeError: rating out of range',
    });
    expect(result.handlerError).toBeUndefined();
  });

  it('reports the failure type of a CodePipelineJobError', async () => {
    // Prepare
    const handler = invokeAction({
      run: async () => {
        throw new PermissionError('role cannot read the bucket');
      },
    });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      failureType: 'PermissionError',
      message: 'role cannot read the bucket',
    });
  });

  it('reports a failure recorded with job.fail even when run does not return it', async () => {
    // Prepare
    const handler = invokeAction({
      run: async (job) => {
        job.fail('too few ratings', {
          failureType: 'ConfigurationError',
          externalExecutionId: 'ext-1',
        });
      },
    });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      failureType: 'ConfigurationError',
      message: 'too few ratings',
      externalExecutionId: 'ext-1',
    });
  });

  it('validates UserParameters and types job.params', async () => {
    // Prepare
    let seen: { minRating: number } | undefined;
    const handler = invokeAction({
      params: z.object({ minRating: z.number() }),
      run: (job) => {
        seen = job.params;
      },
    });

    // Act
    const result = await runJob(handler, { params: { minRating: 4 } });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(seen).toEqual({ minRating: 4 });
  });

  it.each([
    ['a field of the wrong type', { minRating: 'high' }, /UserParameters\.minRating: /],
    ['text that is not JSON', '{"minRating": 4', /UserParameters is not valid JSON/],
    ['no UserParameters at all', undefined, /UserParameters is missing/],
  ])('fails with a ConfigurationError on %s, without running', async (_label, params, message) => {
    // Prepare
    let ran = false;
    const handler = invokeAction({
      params: z.object({ minRating: z.number() }),
      run: () => {
        ran = true;
      },
    });

    // Act
    const result = await runJob(handler, { params });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('ConfigurationError');
    expect(result.message).toMatch(message);
    expect(ran).toBe(false);
  });

  it('offers a non-JSON UserParameters string to the schema as is', async () => {
    // Prepare
    let seen: string | undefined;
    const handler = invokeAction({
      params: z.string().startsWith('https://'),
      run: (job) => {
        seen = job.params;
      },
    });

    // Act
    const result = await runJob(handler, { params: 'https://example.test/health' });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(seen).toBe('https://example.test/health');
  });

  it('refuses an event that is not a CodePipeline job without calling CodePipeline', async () => {
    // Prepare
    const codePipeline = mockClient(CodePipelineClient);
    const handler = invokeAction({ run: () => {} });

    // Act & Assess
    try {
      await expect(handler({ Records: [] }, context())).rejects.toThrow(NotAJobEventError);
      await expect(handler({ Records: [] }, context())).rejects.toThrow(/CodePipeline\.job/);
      expect(codePipeline.calls()).toHaveLength(0);
    } finally {
      codePipeline.restore();
    }
  });

  it('refuses a non-job event even when the context object carried a previous job', async () => {
    // Prepare
    const codePipeline = mockClient(CodePipelineClient);
    codePipeline.on(PutJobSuccessResultCommand).resolves({});
    const handler = invokeAction({ run: () => {}, logLevel: 'error' });
    const shared = context();

    // Act & Assess
    try {
      await expect(handler(jobEvent(), shared)).resolves.toMatchObject({ status: 'succeeded' });
      await expect(handler({ Records: [] }, shared)).rejects.toThrow(NotAJobEventError);
      expect(codePipeline.calls()).toHaveLength(1);
    } finally {
      codePipeline.restore();
    }
  });

  it('answers a job with malformed data with one ConfigurationError failure', async () => {
    // Prepare
    const event = jobEvent();
    (event['CodePipeline.job'].data as { actionConfiguration: unknown }).actionConfiguration = {};
    let ran = false;
    const handler = invokeAction({
      run: () => {
        ran = true;
      },
    });

    // Act
    const result = await runJob(handler, { event });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('ConfigurationError');
    expect(result.message).toContain('actionConfiguration.configuration');
    expect(result.calls.filter((call) => call.service === 'codepipeline')).toHaveLength(1);
    expect(ran).toBe(false);
  });

  it('answers before the Lambda deadline when run hangs, saying it timed out', async () => {
    // Prepare
    let signal: AbortSignal | undefined;
    // The margin kept for reporting is what a busy machine may take between the deadline
    // timer and the answer: 2 s, not the 200 ms a quiet one needs.
    const handler = invokeAction({
      timeoutMarginMs: 2000,
      run: (job) => {
        signal = job.signal;
        return new Promise<void>(() => {});
      },
    });
    const started = Date.now();

    // Act
    const result = await runJob(handler, { remainingTimeMs: 2500 });

    // Assess
    expect(Date.now() - started).toBeLessThan(2500);
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(
      /timed out: run did not finish within \d+ ms \(the Lambda timeout minus 2000 ms kept for reporting\); it ran for \d+ ms/,
    );
    expect(signal?.aborted).toBe(true);
  });

  it.each([0, -50, 100])(
    'fails at once when the invocation starts with %i ms left',
    async (remainingTimeMs) => {
      // Prepare
      const handler = invokeAction({ run: () => new Promise<void>(() => {}) });

      // Act
      const result = await runJob(handler, { remainingTimeMs });

      // Assess
      expect(result.status).toBe('failed');
      expect(result.message).toMatch(/Raise the function's timeout/);
    },
  );

  it('carries state, round and start time across continuation rounds', async () => {
    // Prepare
    const seen: { round: number; state: number | undefined; startedAt: number; id: string }[] = [];
    const handler = invokeAction<undefined, number>({
      run: (job) => {
        seen.push({
          round: job.round,
          state: job.state(),
          startedAt: job.startedAt.getTime(),
          id: job.id,
        });
        const count = (job.state() ?? 0) + 1;
        return count < 3
          ? job.inProgress(count, { summary: `step ${count}`, percentComplete: count * 30 })
          : job.succeed();
      },
    });

    // Act
    const result = await runUntilDone(handler);

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.rounds.map((round) => round.status)).toEqual([
      'in-progress',
      'in-progress',
      'succeeded',
    ]);
    expect(result.rounds[1]?.percentComplete).toBe(60);
    expect(seen.map((round) => [round.round, round.state])).toEqual([
      [1, undefined],
      [2, 1],
      [3, 2],
    ]);
    expect(new Set(seen.map((round) => round.startedAt)).size).toBe(1);
    expect(new Set(seen.map((round) => round.id)).size).toBe(3);
  });

  it('fails clearly when the continuation state is too large for a token', async () => {
    // Prepare
    const handler = invokeAction({ run: (job) => job.inProgress({ blob: 'x'.repeat(3000) }) });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/continuation state is too large/);
    expect(result.continuationToken).toBeUndefined();
  });

  it('turns invalid output variables into a clear failure instead of a ValidationException', async () => {
    // Prepare
    const handler = invokeAction({
      run: (job) => job.succeed({ outputVariables: { 'bad key!': 'x' } }),
    });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toContain('"bad key!"');
  });

  it('clamps a summary longer than the API allows', async () => {
    // Prepare
    const handler = invokeAction({ run: (job) => job.succeed({ summary: 'y'.repeat(5000) }) });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result.summary?.length).toBe(2048);
  });

  it('does not run a job again when the same event is delivered twice to one handler', async () => {
    // Prepare
    const codePipeline = mockClient(CodePipelineClient);
    codePipeline.on(PutJobSuccessResultCommand).resolves({});
    let runs = 0;
    const handler = invokeAction({
      logLevel: 'error',
      run: () => {
        runs += 1;
      },
    });
    const event = jobEvent();

    // Act
    try {
      const first = await handler(event, context());
      const second = await handler(event, context());

      // Assess
      expect(first).toMatchObject({ status: 'succeeded' });
      expect(second).toMatchObject({ status: 'already-answered' });
      expect(runs).toBe(1);
      expect(codePipeline).toHaveReceivedCommandTimes(PutJobSuccessResultCommand, 1);
    } finally {
      codePipeline.restore();
    }
  });

  it('keeps the memory of answered jobs per handler: a new handler runs a job another one answered', async () => {
    // Prepare
    const codePipeline = mockClient(CodePipelineClient);
    codePipeline.on(PutJobSuccessResultCommand).resolves({});
    let runs = 0;
    const build = () =>
      invokeAction({
        logLevel: 'error',
        run: () => {
          runs += 1;
        },
      });
    const event = jobEvent();

    // Act
    try {
      const first = await build()(event, context());
      const second = await build()(event, context());

      // Assess
      expect(first).toMatchObject({ status: 'succeeded' });
      expect(second).toMatchObject({ status: 'succeeded' });
      expect(runs).toBe(2);
    } finally {
      codePipeline.restore();
    }
  });

  it('runs the same fixture twice against one handler, each run starting clean', async () => {
    // Prepare
    let runs = 0;
    const handler = invokeAction({
      run: (job) => {
        runs += 1;
        return job.succeed({ summary: `run ${runs}` });
      },
    });
    const event = jobEvent();

    // Act
    const first = await runJob(handler, { event });
    const second = await runJob(handler, { event });

    // Assess
    expect(first).toMatchObject({ status: 'succeeded', summary: 'run 1' });
    expect(second).toMatchObject({ status: 'succeeded', summary: 'run 2' });
    expect(runs).toBe(2);
  });

  it('gives run the Lambda context of the invocation', async () => {
    // Prepare
    const lambda = context();
    let seen: unknown;
    const codePipeline = mockClient(CodePipelineClient);
    codePipeline.on(PutJobSuccessResultCommand).resolves({});
    const handler = invokeAction({
      logLevel: 'error',
      run: (job) => {
        seen = job.lambdaContext;
        return job.succeed({ externalExecutionId: job.lambdaContext.awsRequestId });
      },
    });

    // Act
    try {
      await handler(jobEvent(), lambda);

      // Assess
      expect(seen).toBe(lambda);
      expect(codePipeline).toHaveReceivedCommandWith(PutJobSuccessResultCommand, {
        executionDetails: expect.objectContaining({ externalExecutionId: lambda.awsRequestId }),
      });
    } finally {
      codePipeline.restore();
    }
  });

  it("keeps the Lambda context out of the job's JSON", async () => {
    // Prepare
    let printed = '';
    const handler = invokeAction({
      run: (job) => {
        printed = JSON.stringify(job);
      },
    });

    // Act
    const result = await runJob(handler, { functionName: 'context-check' });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(printed).not.toContain('awsRequestId');
  });

  it('never reveals the artifact credentials in logs, messages, JSON or inspect output', async () => {
    // Prepare
    const event = jobEvent();
    const { secretAccessKey, sessionToken } = event['CodePipeline.job'].data.artifactCredentials;
    let printed = '';
    const handler = invokeAction({
      run: (job) => {
        printed = `${inspect(job, { depth: 10, showHidden: true })} ${JSON.stringify(job)}`;
        job.logger.info('echoing', {
          credentials: { secretAccessKey },
          note: `token ${sessionToken}`,
        });
        throw new Error(`leaked ${secretAccessKey}`);
      },
    });

    // Act
    const result = await runJob(handler, { event });

    // Assess
    const everything = `${printed} ${JSON.stringify(result.logs)} ${result.message}`;
    expect(result.logs.length).toBeGreaterThan(0);
    expect(everything).not.toContain(secretAccessKey);
    expect(everything).not.toContain(sessionToken);
    expect(result.message).toContain('[REDACTED]');
  });

  it('writes JSON log lines that carry the job id', async () => {
    // Prepare
    const handler = invokeAction({ run: (job) => job.logger.info('checking', { files: 2 }) });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result.logs).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'checking',
        files: 2,
        jobId: result.jobId,
      }),
    );
  });

  it('logs through a Powertools Logger passed in the options', async () => {
    // Prepare
    const logger = new Logger({ serviceName: 'gate' });
    const handler = invokeAction({ logger, run: (job) => job.logger.info('through powertools') });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result.logs).toContainEqual(
      expect.objectContaining({
        message: 'through powertools',
        service: 'gate',
        jobId: result.jobId,
      }),
    );
  });

  it('fails loudly on a mistyped option', () => {
    expect(() => invokeAction({ run: () => {}, timeoutMargin: 5 } as never)).toThrow(
      /unknown option "timeoutMargin"/,
    );
  });

  it('exposes a Job instance with the refs of the event', async () => {
    // Prepare
    let job: Job<undefined> | undefined;
    const handler = invokeAction({
      run: (current) => {
        job = current;
      },
    });

    // Act
    await runJob(handler, {
      inputArtifacts: ['Source', 'Build'],
      outputArtifacts: ['Out'],
      params: 'raw',
      encryptionKey: 'key-1',
      functionName: 'fn',
    });

    // Assess
    expect(job).toBeInstanceOf(Job);
    expect(job?.inputArtifacts.map((artifact) => artifact.name)).toEqual(['Source', 'Build']);
    expect(job?.outputArtifacts[0]?.bucket).toBe('codepipeline-us-east-1-123456789012');
    expect(job?.userParameters).toBe('raw');
    expect(job?.params).toBeUndefined();
    expect(job?.encryptionKey).toEqual({ id: 'key-1', type: 'KMS' });
    expect(job?.functionName).toBe('fn');
    expect(job?.round).toBe(1);
    expect(job?.remainingTimeMs()).toBeGreaterThan(20_000);
  });
});

describe('Function: codePipelineJob', () => {
  it('runs inside a user-built middy chain, with the job on the context', async () => {
    // Prepare
    const handler = middy(async (_event: unknown, ctx: JobContext<{ env: string }>) =>
      ctx.job.succeed({ summary: `checked ${ctx.job.params.env}` }),
    ).use(codePipelineJob({ params: z.object({ env: z.string() }) }));

    // Act
    const result = await runJob(handler as never, { params: { env: 'prod' } });

    // Assess
    expect(result).toMatchObject({ status: 'succeeded', summary: 'checked prod' });
  });

  it('reports a middy early timeout as a timed-out failure', async () => {
    // Prepare
    const handler = middy(() => new Promise(() => {}), { timeoutEarlyInMillis: 400 }).use(
      codePipelineJob({ timeoutMarginMs: 100 }),
    );

    // Act
    const result = await runJob(handler as never, { remainingTimeMs: 600 });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/timed out/);
  });

  it('treats InvalidJobStateException as already answered and resolves', async () => {
    // Prepare
    const codePipeline = mockClient(CodePipelineClient);
    codePipeline
      .on(PutJobSuccessResultCommand)
      .rejects(Object.assign(new Error('closed'), { name: 'InvalidJobStateException' }));
    const handler = invokeAction({ run: () => {}, logLevel: 'error' });

    // Act
    try {
      const result = await handler(jobEvent(), context());

      // Assess
      expect(result).toMatchObject({ status: 'already-answered' });
      expect(codePipeline).toHaveReceivedCommandTimes(PutJobSuccessResultCommand, 1);
      expect(codePipeline).not.toHaveReceivedCommand(PutJobFailureResultCommand);
    } finally {
      codePipeline.restore();
    }
  });
});

describe('Fuzz: invokeAction answers exactly once', () => {
  const behaviours = {
    nothing: () => undefined,
    succeed: (job: Job) => job.succeed({ summary: 's'.repeat(3000), outputVariables: { ok: '1' } }),
    fail: (job: Job) => job.fail(''),
    throwError: () => {
      throw new Error('boom');
    },
    throwString: () => {
      throw 'a string';
    },
    rejectLater: async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      throw new TypeError('late');
    },
    continueSmall: (job: Job) => job.inProgress({ n: 1 }),
    continueHuge: (job: Job) => job.inProgress('x'.repeat(5000)),
    badVariables: (job: Job) => job.succeed({ outputVariables: { 'no spaces allowed': 'x' } }),
    recordThenThrow: (job: Job) => {
      job.succeed();
      throw new Error('after recording');
    },
  } as const;

  it('sends one PutJob*Result whatever run does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(behaviours) as (keyof typeof behaviours)[])),
        async (name) => {
          // Prepare
          const handler = invokeAction({ run: (job) => behaviours[name](job as Job) as never });

          // Act
          const result = await runJob(handler);

          // Assess
          const answers = result.calls.filter((call) => call.service === 'codepipeline');
          expect(answers).toHaveLength(1);
          expect(result.handlerError).toBeUndefined();
          const expected = ['nothing', 'succeed'].includes(name)
            ? 'succeeded'
            : name === 'continueSmall'
              ? 'in-progress'
              : 'failed';
          expect(result.status).toBe(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
