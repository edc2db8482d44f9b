import { CodePipelineClient, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { invokeAction } from '../../../src/index.js';
import { runJob, runUntilDone } from '../../../src/testing/index.js';

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

  it('reports the first answer and hands the second an InvalidJobStateException, like CodePipeline', async () => {
    // Prepare: a hand-written handler that answers twice
    const handler = async (event: { 'CodePipeline.job': { id: string } }) => {
      const client = new CodePipelineClient({ region: 'us-east-1' });
      await client.send(new PutJobSuccessResultCommand({ jobId: event['CodePipeline.job'].id }));
      await client.send(new PutJobSuccessResultCommand({ jobId: event['CodePipeline.job'].id }));
    };

    // Act
    const result = await runJob(handler as never);

    // Assess
    expect(result.status).toBe('succeeded');
    expect((result.handlerError as Error).name).toBe('InvalidJobStateException');
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

describe('Function: runUntilDone', () => {
  it('stops with a clear error after maxRounds', async () => {
    // Prepare
    const handler = invokeAction({ run: (job) => job.inProgress(job.round) });

    // Act & Assess
    await expect(runUntilDone(handler, {}, { maxRounds: 3 })).rejects.toThrow(
      /still in progress after 3 rounds/,
    );
  });
});
