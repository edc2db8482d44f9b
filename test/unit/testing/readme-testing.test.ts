/**
 * The README's "Testing your handler" examples, as written there (imports pointed at
 * src/): they must keep working.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { handler as deploymentChecks } from '../../../readme-examples/deployment-checks.js';
import { handler as releaseFreeze } from '../../../readme-examples/release-freeze.js';
import { invokeAction, NotAJobEventError } from '../../../src/index.js';
import { jobEvent, runJob, runUntilDone } from '../../../src/testing/index.js';

const root = join(import.meta.dirname, '../../..');

// release-gate.ts
const releaseGate = invokeAction({
  async run(job) {
    const report = await job.input('BuildOutput').json<{ failed: number }>('report.json');
    if (report.failed > 0) return job.fail(`${report.failed} tests failed`);
    return job.succeed({ summary: 'all tests passed', outputVariables: { failed: '0' } });
  },
});

describe('README: Reusing a fixture', () => {
  const artifacts = { BuildOutput: { 'report.json': '{"failed":0}' } };
  const event = jobEvent({ artifacts });

  it('passes the same fixture every time', async () => {
    expect((await runJob(releaseGate, { event, artifacts })).status).toBe('succeeded');
    expect((await runJob(releaseGate, { event, artifacts })).status).toBe('succeeded');
  });
});

describe('README: Your own AWS mocks', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());
  afterAll(() => s3.restore());

  it('fails while the freeze marker exists', async () => {
    s3.on(HeadObjectCommand).resolves({});
    const result = await runJob(releaseFreeze);
    expect(result).toMatchObject({ status: 'failed', message: 'releases are frozen' });
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'release-config',
      Key: 'FREEZE',
    });
  });

  it('passes without the marker', async () => {
    s3.on(HeadObjectCommand).rejects(new Error('NotFound'));
    expect((await runJob(releaseFreeze)).status).toBe('succeeded');
  });
});

describe('README: Starting mid-job, and following a job to the end', () => {
  it('finishes from the last round', async () => {
    const params = { deploymentId: 'd-42', times: 3 };
    const result = await runJob(deploymentChecks, { params, state: 2, round: 3 });
    expect(result.summary).toBe('d-42 checked 3 times');
  });

  it('keeps UserParameters in every round', async () => {
    const result = await runUntilDone(deploymentChecks, {
      params: { deploymentId: 'd-42', times: 3 },
    });
    expect(result.rounds.map((round) => round.status)).toEqual([
      'in-progress',
      'in-progress',
      'succeeded',
    ]);
    expect(result.summary).toBe('d-42 checked 3 times');
  });
});

describe('README: Public sample events', () => {
  const handler = invokeAction({
    run: async (job) =>
      job.succeed({ summary: await job.input('ArtifactName').text('index.html') }),
  });

  const event = JSON.parse(
    readFileSync(
      join(root, 'test/events/public/powertools-python-no-user-parameters.json'),
      'utf8',
    ),
  );

  it('runs a Powertools sample event', async () => {
    const result = await runJob(handler, {
      event,
      artifacts: { ArtifactName: { 'index.html': '<h1>ok</h1>' } },
    });
    expect(result).toMatchObject({
      jobId: '11111111-abcd-1111-abcd-111111abcdef',
      status: 'succeeded',
      summary: '<h1>ok</h1>',
    });
  });

  it('refuses what is not a job', async () => {
    await expect(runJob(handler, { event: {} as never })).rejects.toThrow(NotAJobEventError);
  });
});

describe('README: The Lambda context', () => {
  it('links the action to the invocation', async () => {
    const handler = invokeAction({
      run: (job) =>
        job.succeed({ summary: 'checked', externalExecutionId: job.lambdaContext.awsRequestId }),
    });
    const result = await runJob(handler);
    expect(result.externalExecutionId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
