import { describe, expect, it, vi } from 'vitest';
import { parseJobEvent } from '../../../../src/event.js';
import {
  type CreateJobOptions,
  JobApiError,
  JobStore,
  NoJobAnswerError,
} from '../../../../src/local/job-api/index.js';

const options: CreateJobOptions = {
  pipelineName: 'Pipeline',
  stageName: 'Gate',
  actionName: 'Check',
  functionName: 'check-fn',
  userParameters: '{"minRating":3}',
  inputArtifacts: [{ name: 'BuildOutput', bucket: 'artifacts', key: 'Pipeline/Build/abc.zip' }],
  outputArtifacts: [{ name: 'Checked', bucket: 'artifacts', key: 'Pipeline/Check/def.zip' }],
  artifactCredentials: {
    accessKeyId: 'ASIAEXAMPLE',
    secretAccessKey: 'secret',
    sessionToken: 'token',
    expirationTime: 1_700_000_000_000,
  },
  encryptionKey: { id: 'arn:aws:kms:us-east-1:123456789012:key/abc' },
};

describe('Function: JobStore.createJob', () => {
  it('creates an InProgress job with a fresh lowercase UUID', () => {
    // Prepare
    const store = new JobStore();

    // Act
    const first = store.createJob(options);
    const second = store.createJob(options);

    // Assess
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(second.id).not.toBe(first.id);
    expect(first.status).toBe('InProgress');
    expect(first.result).toBeUndefined();
  });

  it('builds the exact Lambda event CodePipeline sends', () => {
    // Prepare
    const store = new JobStore();

    // Act
    const job = store.createJob(options);

    // Assess
    expect(job.event).toEqual({
      'CodePipeline.job': {
        id: job.id,
        accountId: '123456789012',
        data: {
          actionConfiguration: {
            configuration: { FunctionName: 'check-fn', UserParameters: '{"minRating":3}' },
          },
          inputArtifacts: [
            {
              name: 'BuildOutput',
              revision: null,
              location: {
                type: 'S3',
                s3Location: { bucketName: 'artifacts', objectKey: 'Pipeline/Build/abc.zip' },
              },
            },
          ],
          outputArtifacts: [
            {
              name: 'Checked',
              revision: null,
              location: {
                type: 'S3',
                s3Location: { bucketName: 'artifacts', objectKey: 'Pipeline/Check/def.zip' },
              },
            },
          ],
          artifactCredentials: {
            accessKeyId: 'ASIAEXAMPLE',
            secretAccessKey: 'secret',
            sessionToken: 'token',
            expirationTime: 1_700_000_000_000,
          },
          encryptionKey: { id: 'arn:aws:kms:us-east-1:123456789012:key/abc', type: 'KMS' },
        },
      },
    });
  });

  it('builds an event the engine parses as a job', () => {
    // Prepare
    const store = new JobStore();

    // Act
    const parsed = parseJobEvent(store.createJob({ ...options, continuationToken: 'tok' }).event);

    // Assess
    expect(parsed.ok).toBe(true);
  });

  it('leaves out UserParameters, continuationToken and encryptionKey when not given', () => {
    // Prepare
    const store = new JobStore();
    const { userParameters: _u, encryptionKey: _e, ...bare } = options;

    // Act
    const data = store.createJob(bare).event['CodePipeline.job'].data;

    // Assess
    expect(data.actionConfiguration).toEqual({ configuration: { FunctionName: 'check-fn' } });
    expect(data).not.toHaveProperty('continuationToken');
    expect(data).not.toHaveProperty('encryptionKey');
  });

  it('emits jobCreated', () => {
    // Prepare
    const store = new JobStore();
    const listener = vi.fn();
    store.on('jobCreated', listener);

    // Act
    const job = store.createJob(options);

    // Assess
    expect(listener).toHaveBeenCalledWith(job);
  });
});

describe('Function: JobStore.recordSuccess', () => {
  it('closes the job and emits jobAnswered once', () => {
    // Prepare
    const store = new JobStore();
    const job = store.createJob(options);
    const listener = vi.fn();
    store.on('jobAnswered', listener);

    // Act
    store.recordSuccess({ jobId: job.id, outputVariables: { avg: '4' } });

    // Assess
    expect(job.status).toBe('Succeeded');
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]?.[1]).toMatchObject({
      status: 'Succeeded',
      outputVariables: { avg: '4' },
    });
  });

  it('throws InvalidJobStateException for a job already answered', () => {
    // Prepare
    const store = new JobStore();
    const job = store.createJob(options);
    store.recordFailure({ jobId: job.id, failureDetails: { type: 'JobFailed', message: 'x' } });

    // Act
    const answerAgain = () => store.recordSuccess({ jobId: job.id });

    // Assess
    expect(answerAgain).toThrow(JobApiError);
    expect(answerAgain).toThrow(expect.objectContaining({ errorName: 'InvalidJobStateException' }));
    expect(job.status).toBe('Failed');
  });

  it('throws JobNotFoundException for an unknown job', () => {
    // Prepare
    const store = new JobStore();

    // Act
    const answer = () => store.recordSuccess({ jobId: '00000000-0000-4000-8000-000000000000' });

    // Assess
    expect(answer).toThrow(expect.objectContaining({ errorName: 'JobNotFoundException' }));
  });
});

describe('Function: JobStore.waitForResult', () => {
  it('resolves with a result recorded later', async () => {
    // Prepare
    const store = new JobStore();
    const job = store.createJob(options);
    const waiting = store.waitForResult(job.id, 1000);

    // Act
    store.recordSuccess({ jobId: job.id, continuationToken: 'next' });

    // Assess
    await expect(waiting).resolves.toMatchObject({
      status: 'Succeeded',
      continuationToken: 'next',
    });
  });

  it('resolves at once with a result already recorded', async () => {
    // Prepare
    const store = new JobStore();
    const job = store.createJob(options);
    store.recordFailure({
      jobId: job.id,
      failureDetails: { type: 'PermissionError', message: 'no' },
    });

    // Act
    const result = await store.waitForResult(job.id, 1);

    // Assess
    expect(result).toMatchObject({ status: 'Failed', failureDetails: { type: 'PermissionError' } });
  });

  it('rejects with NoJobAnswerError when no answer comes in time', async () => {
    // Prepare
    vi.useFakeTimers();
    const store = new JobStore();
    const job = store.createJob(options);
    const waiting = store.waitForResult(job.id, 5000);
    const assertion = expect(waiting).rejects.toThrow(NoJobAnswerError);

    // Act
    await vi.advanceTimersByTimeAsync(5000);

    // Assess
    await assertion;
    await expect(waiting).rejects.toThrow(/No answer for job .* within 5000 ms/);
    expect(store.listenerCount('jobAnswered')).toBe(0);
    vi.useRealTimers();
  });

  it('ignores answers to other jobs', async () => {
    // Prepare
    vi.useFakeTimers();
    const store = new JobStore();
    const job = store.createJob(options);
    const other = store.createJob(options);
    const waiting = store.waitForResult(job.id, 100);
    const assertion = expect(waiting).rejects.toThrow(NoJobAnswerError);

    // Act
    store.recordSuccess({ jobId: other.id });
    await vi.advanceTimersByTimeAsync(100);

    // Assess
    await assertion;
    vi.useRealTimers();
  });

  it('rejects for a job the store never created', async () => {
    // Prepare
    const store = new JobStore();

    // Act
    const waiting = store.waitForResult('00000000-0000-4000-8000-000000000000', 10);

    // Assess
    await expect(waiting).rejects.toThrow(/Unknown job/);
  });
});
