import {
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { jobClientHooksOf } from '../../../src/clients.js';
import type { JobEvent } from '../../../src/event.js';
import { invokeAction } from '../../../src/index.js';
import { OPTIONAL_PEERS_INSTALL } from '../../../src/optional-peers.js';
import { runJob } from '../../../src/testing/index.js';

// Which optional peers the kit is told are missing (none, unless a test says so).
const peers = vi.hoisted(() => ({ missing: [] as string[] }));
vi.mock(import('../../../src/optional-peers.js'), async (importOriginal) => {
  const original = await importOriginal();
  return {
    ...original,
    missingPeers: (names) => names.filter((name) => peers.missing.includes(name)),
  };
});

const ROLE_ARN = 'arn:aws:iam::210987654321:role/deployer';

describe('Class: RunAws (the servers of one runJob)', () => {
  it('records the calls of all three services in the order they arrived', async () => {
    // Prepare
    const handler = invokeAction({
      run: async (job) => {
        const ratings = await job.input('Feedback').json<number[]>('ratings.json');
        await job.assumeRole(ROLE_ARN);
        await job.output('Report').write({ 'count.txt': String(ratings.length) });
        return job.succeed({ summary: `${ratings.length} ratings` });
      },
    });

    // Act
    const result = await runJob(handler, {
      artifacts: { Feedback: { 'ratings.json': '[5,4,3]' } },
      outputArtifacts: ['Report'],
    });

    // Assess
    const operations = result.calls.map((call) => `${call.service}:${call.operation}`);
    const reads = operations.filter((operation) => operation.startsWith('s3:Get'));
    expect(reads.length).toBeGreaterThan(0);
    expect(operations.indexOf('sts:AssumeRole')).toBeGreaterThan(
      operations.lastIndexOf('s3:GetObject'),
    );
    expect(operations.indexOf('s3:PutObject')).toBeGreaterThan(
      operations.indexOf('sts:AssumeRole'),
    );
    expect(operations.at(-1)).toBe('codepipeline:PutJobSuccessResult');
    expect(result.calls.find((call) => call.operation === 'AssumeRole')?.input).toMatchObject({
      RoleArn: ROLE_ARN,
    });
    expect(result.outputArtifacts.Report?.['count.txt']?.toString()).toBe('3');
  });

  it("refuses answers with the job API's own exceptions, as the CLI gets them", async () => {
    // Prepare: a hand-written handler on the client the engine would report with
    const handler = async (event: JobEvent, context: Context) => {
      const client = jobClientHooksOf(context)?.codePipeline?.();
      if (!client) throw new Error('runJob put no CodePipeline client on the context');
      const jobId = event['CodePipeline.job'].id;
      const refusedName = (error: Error) => error.name;
      const invalid = await client
        .send(new PutJobSuccessResultCommand({ jobId, outputVariables: { 'no spaces': 'x' } }))
        .catch(refusedName);
      await client.send(
        new PutJobSuccessResultCommand({ jobId, executionDetails: { summary: 'ok' } }),
      );
      const second = await client
        .send(
          new PutJobFailureResultCommand({
            jobId,
            failureDetails: { type: 'JobFailed', message: 'too late' },
          }),
        )
        .catch(refusedName);
      return [invalid, second];
    };

    // Act
    const result = await runJob(handler as never);

    // Assess
    expect(result).toMatchObject({ status: 'succeeded', summary: 'ok' });
    expect(result.handlerResult).toEqual(['ValidationException', 'InvalidJobStateException']);
    expect(result.calls.map((call) => [call.operation, call.refused])).toEqual([
      ['PutJobSuccessResult', 'ValidationException'],
      ['PutJobSuccessResult', undefined],
      ['PutJobFailureResult', 'InvalidJobStateException'],
    ]);
  });

  it.each([
    ['answers', false],
    ['throws without answering', true],
  ])('closes its servers when the handler %s', async (_case, throws) => {
    // Prepare
    let endpoints: string[] = [];
    const handler = invokeAction({
      run: (job) => {
        const hooks = jobClientHooksOf(job.lambdaContext);
        endpoints = [hooks?.endpoints?.s3, hooks?.endpoints?.sts].filter(
          (endpoint): endpoint is string => endpoint !== undefined,
        );
        if (throws) throw new Error('broken gate');
        return job.succeed();
      },
    });

    // Act
    await runJob(handler, { artifacts: { A: { 'a.txt': 'a' } } });

    // Assess: nothing listens there any more
    expect(endpoints).toHaveLength(2);
    for (const endpoint of endpoints) {
      await expect(fetch(endpoint, { method: 'POST' })).rejects.toThrow(TypeError);
    }
  });

  it('says to install s3rver, with the command, when it is missing', async () => {
    // Prepare
    peers.missing = ['s3rver'];

    // Act & Assess
    try {
      await expect(runJob(invokeAction({ run: (job) => job.succeed() }))).rejects.toThrow(
        `s3rver is not installed: install it to use the testing kit: ${OPTIONAL_PEERS_INSTALL}`,
      );
    } finally {
      peers.missing = [];
    }
  });
});
