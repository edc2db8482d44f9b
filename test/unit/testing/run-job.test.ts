import {
  CodePipelineClient,
  GetPipelineStateCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invokeAction, type Job, NotAJobEventError } from '../../../src/index.js';
import {
  JobSkippedAsDuplicateError,
  jobEvent,
  runJob,
  runUntilDone,
} from '../../../src/testing/index.js';

describe('Function: runJob', () => {
  it('serves in-memory input artifacts to the handler', async () => {
    // Prepare
    const handler = invokeAction({
      run: async (job) => {
        const ratings = await job.input('Feedback').json<number[]>('ratings.json');
        return job.succeed({ summary: `${ratings.length} ratings` });
      },
    });

    // Act
    const result = await runJob(handler, {
      artifacts: { Feedback: { 'ratings.json': '[5,4,3]' } },
    });

    // Assess
    expect(result.summary).toBe('3 ratings');
    expect(
      result.calls.some((call) => call.service === 's3' && call.operation === 'GetObject'),
    ).toBe(true);
    expect(result.bytesServed).toBeGreaterThan(0);
  });

  it('returns the output artifacts the handler wrote, unzipped', async () => {
    // Prepare
    const handler = invokeAction({
      run: async (job) => {
        await job.output('Report').write({ 'report.txt': 'passed', 'nested/data.json': '{"a":1}' });
      },
    });

    // Act
    const result = await runJob(handler, { outputArtifacts: ['Report'], encryptionKey: 'key-123' });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.outputArtifacts.Report?.['report.txt']?.toString()).toBe('passed');
    expect(result.outputArtifacts.Report?.['nested/data.json']?.toString()).toBe('{"a":1}');
    const put = result.calls.find(
      (call) => call.operation === 'PutObject' || call.operation === 'CreateMultipartUpload',
    );
    expect(put?.input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'key-123' });
  });

  it('throws when a hand-written handler never answers CodePipeline', async () => {
    // Act & Assess
    await expect(runJob(async () => {})).rejects.toThrow(
      /sent no result .* would wait until the action times out/,
    );
  });

  it('restores the AWS SDK afterwards', async () => {
    // Prepare
    await runJob(invokeAction({ run: () => {} }));
    const outside = mockClient(CodePipelineClient);
    outside.on(PutJobSuccessResultCommand).resolves({ $metadata: { httpStatusCode: 299 } });

    // Act
    const response = await new CodePipelineClient({ region: 'us-east-1' }).send(
      new PutJobSuccessResultCommand({ jobId: 'x' }),
    );
    outside.restore();

    // Assess: our own mock answered, not the kit's leftover one
    expect(response.$metadata.httpStatusCode).toBe(299);
  });
});

describe("Function: runJob and the user's own mocks", () => {
  const mocks: { restore(): void }[] = [];
  afterEach(() => {
    for (const mock of mocks.splice(0)) mock.restore();
  });

  it("leaves a user's mockClient(S3Client) serving their own calls, during and after the run", async () => {
    // Prepare: the function reads its own bucket as well as the job's artifact
    const userS3 = mockClient(S3Client);
    mocks.push(userS3);
    userS3.on(GetObjectCommand).resolves({ ContentLength: 42 });
    const handler = invokeAction({
      run: async (job) => {
        const own = await new S3Client({ region: 'us-east-1' }).send(
          new GetObjectCommand({ Bucket: 'my-config', Key: 'settings.json' }),
        );
        const ratings = await job.input('Feedback').json<number[]>('ratings.json');
        return job.succeed({ summary: `${ratings.length} ratings, config ${own.ContentLength}` });
      },
    });

    // Act
    const result = await runJob(handler, {
      artifacts: { Feedback: { 'ratings.json': '[5,4,3]' } },
    });
    const after = await new S3Client({ region: 'us-east-1' }).send(
      new GetObjectCommand({ Bucket: 'my-config', Key: 'settings.json' }),
    );

    // Assess
    expect(result.summary).toBe('3 ratings, config 42');
    expect(userS3).toHaveReceivedCommandTimes(GetObjectCommand, 2);
    expect(userS3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'my-config' });
    expect(result.calls.some((call) => call.input.Bucket === 'my-config')).toBe(false);
    expect(after.ContentLength).toBe(42);
  });

  it("leaves a user's CodePipeline and STS mocks alone while the kit records the job's answer", async () => {
    // Prepare
    const userCodePipeline = mockClient(CodePipelineClient);
    const userSts = mockClient(STSClient);
    mocks.push(userCodePipeline, userSts);
    userCodePipeline.on(GetPipelineStateCommand).resolves({ pipelineName: 'release' });
    userSts.on(GetCallerIdentityCommand).resolves({ Account: '222222222222' });
    const handler = invokeAction({
      run: async (job) => {
        const state = await new CodePipelineClient({ region: 'us-east-1' }).send(
          new GetPipelineStateCommand({ name: 'release' }),
        );
        const me = await new STSClient({ region: 'us-east-1' }).send(
          new GetCallerIdentityCommand({}),
        );
        return job.succeed({ summary: `${state.pipelineName} in ${me.Account}` });
      },
    });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result).toMatchObject({ status: 'succeeded', summary: 'release in 222222222222' });
    expect(userCodePipeline).toHaveReceivedCommandTimes(GetPipelineStateCommand, 1);
    expect(userCodePipeline).not.toHaveReceivedCommand(PutJobSuccessResultCommand);
    expect(result.calls.map((call) => call.operation)).toEqual(['PutJobSuccessResult']);
    const later = await new STSClient({ region: 'us-east-1' }).send(
      new GetCallerIdentityCommand({}),
    );
    expect(later.Account).toBe('222222222222');
  });

  it('answers through the kit even when the handler is given its own CodePipeline client', async () => {
    // Prepare
    const own = new CodePipelineClient({ region: 'eu-west-1' });
    const ownSend = own.send;
    let ownCalls = 0;
    own.send = ((...args: Parameters<typeof own.send>) => {
      ownCalls += 1;
      return ownSend.apply(own, args);
    }) as typeof own.send;
    const handler = invokeAction({ client: own, run: (job) => job.succeed({ summary: 'ok' }) });

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result).toMatchObject({ status: 'succeeded', summary: 'ok' });
    expect(ownCalls).toBe(0);
  });

  it('runs two jobs at once, each against its own fakes', async () => {
    // Prepare
    const handler = invokeAction({
      run: async (job) => {
        const files = await job.input().files();
        return job.succeed({ summary: files.map((file) => file.path).join(',') });
      },
    });

    // Act
    const [one, two] = await Promise.all([
      runJob(handler, { artifacts: { A: { 'one.txt': '1' } } }),
      runJob(handler, { artifacts: { B: { 'two.txt': '2' } } }),
    ]);

    // Assess
    expect(one.summary).toBe('one.txt');
    expect(two.summary).toBe('two.txt');
  });
});

describe('Function: runJob with unusual input', () => {
  it.each([
    ['an empty object', {}],
    ["another service's event", { Records: [] }],
    ['a job without an id', { 'CodePipeline.job': {} }],
    ['null', null],
  ])('throws NotAJobEventError for %s', async (_name, event) => {
    // Prepare
    let ran = false;
    const handler = invokeAction({
      run: () => {
        ran = true;
      },
    });

    // Act & Assess
    await expect(runJob(handler, { event: event as never })).rejects.toThrow(NotAJobEventError);
    expect(ran).toBe(false);
  });

  it('says a handler skipped the job as a duplicate, not that it sent no result', async () => {
    // Prepare: a handler that remembers answered jobs across runs itself
    const answered = new Set<string>();
    const handler = async (event: { 'CodePipeline.job': { id: string } }) => {
      const jobId = event['CodePipeline.job'].id;
      if (answered.has(jobId)) return { jobId, status: 'already-answered' };
      answered.add(jobId);
      return { jobId, status: 'succeeded' };
    };
    const event = jobEvent();
    await runJob(handler as never, { event }).catch(() => undefined);

    // Act & Assess
    const second = runJob(handler as never, { event });
    await expect(second).rejects.toThrow(JobSkippedAsDuplicateError);
    await expect(second).rejects.toThrow(/already answered .* repeated delivery/);
  });
});

describe('Function: runJob mid-job', () => {
  it('starts at a round with a state, writing the token the engine would write', async () => {
    // Prepare
    let seen: { round: number; state: unknown; startedAt: Date } | undefined;
    const handler = invokeAction({
      run: (job) => {
        seen = { round: job.round, state: job.state(), startedAt: job.startedAt };
      },
    });
    const startedAt = new Date('2026-01-01T10:00:00Z');

    // Act
    const result = await runJob(handler, { state: { deploymentId: 'd-42' }, round: 3, startedAt });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(seen).toEqual({ round: 3, state: { deploymentId: 'd-42' }, startedAt });
  });

  it('starts at round 2 when only a state is given, and keeps the event it is given', async () => {
    // Prepare
    let seen: Job<undefined> | undefined;
    const handler = invokeAction({
      run: (job) => {
        seen = job;
      },
    });
    const event = jobEvent({ params: 'https://example.test' });

    // Act
    await runJob(handler, { event, state: 7 });

    // Assess
    expect(seen?.round).toBe(2);
    expect(seen?.state()).toBe(7);
    expect(seen?.userParameters).toBe('https://example.test');
    expect(seen?.id).toBe(event['CodePipeline.job'].id);
  });

  it.each([
    [{ round: 1 }, /"round" must be a whole number of 2 or more/],
    [{ round: 2.5 }, /"round" must be a whole number of 2 or more/],
    [{ state: 1, continuationToken: 'x' }, /either "continuationToken" or "state"/],
  ])('refuses %j clearly', async (options, message) => {
    await expect(runJob(invokeAction({ run: () => {} }), options)).rejects.toThrow(message);
  });
});

describe('Function: runUntilDone', () => {
  it("keeps the job's configuration across rounds; only the job id and token change", async () => {
    // Prepare
    const seen: Job<{ rounds: number }>[] = [];
    const handler = invokeAction({
      params: z.object({ rounds: z.number() }),
      run: async (job) => {
        seen.push(job);
        const files = await job.input('Build').files();
        return job.round < job.params.rounds
          ? job.inProgress({ files: files.length })
          : job.succeed({ summary: `done after ${job.round} rounds` });
      },
    });

    // Act
    const result = await runUntilDone(handler, {
      params: { rounds: 3 },
      artifacts: { Build: { 'a.txt': 'a' } },
      encryptionKey: 'key-1',
      functionName: 'gate-fn',
    });

    // Assess
    expect(result).toMatchObject({ status: 'succeeded', summary: 'done after 3 rounds' });
    expect(seen.map((job) => job.round)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((job) => job.id)).size).toBe(3);
    for (const job of seen) {
      expect(job.userParameters).toBe('{"rounds":3}');
      expect(job.functionName).toBe('gate-fn');
      expect(job.encryptionKey).toEqual({ id: 'key-1', type: 'KMS' });
      expect(job.inputArtifacts).toEqual(seen[0]?.inputArtifacts);
      expect(job.accountId).toBe(seen[0]?.accountId);
    }
    expect(seen[2]?.state()).toEqual({ files: 1 });
  });

  it('keeps the configuration of a given event across rounds', async () => {
    // Prepare
    const parameters: (string | undefined)[] = [];
    const handler = invokeAction({
      run: (job) => {
        parameters.push(job.userParameters);
        return job.round < 2 ? job.inProgress(null) : job.succeed();
      },
    });

    // Act
    await runUntilDone(handler, { event: jobEvent({ params: 'https://example.test/health' }) });

    // Assess
    expect(parameters).toEqual(['https://example.test/health', 'https://example.test/health']);
  });

  it('starts mid-job from state and round', async () => {
    // Prepare
    const handler = invokeAction({
      run: (job) => (job.round < 5 ? job.inProgress(job.state<number>() ?? 0) : job.succeed()),
    });

    // Act
    const result = await runUntilDone(handler, { state: 1, round: 4 });

    // Assess
    expect(result.rounds).toHaveLength(2);
    expect(result.status).toBe('succeeded');
  });

  it('stops with a clear error after maxRounds', async () => {
    // Prepare
    const handler = invokeAction({ run: (job) => job.inProgress(job.round) });

    // Act & Assess
    await expect(runUntilDone(handler, {}, { maxRounds: 3 })).rejects.toThrow(
      /still in progress after 3 rounds/,
    );
  });
});
