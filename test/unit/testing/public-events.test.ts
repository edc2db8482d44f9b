/**
 * Sample events published by other projects (test/events/public, origins in SOURCES.md),
 * run through the public API as a user would paste them into a test. Each gets the
 * right answer: it runs, it is refused as not a job, or it is answered exactly once
 * with a failure whose message names the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { invokeAction, type Job, NotAJobEventError } from '../../../src/index.js';
import { lambdaContext, runJob } from '../../../src/testing/index.js';

const dir = join(import.meta.dirname, '../../events/public');
const load = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));

/** A gate that reads nothing: what happens is the framework's doing, not the gate's. */
function gate() {
  const ran: Job[] = [];
  const handler = invokeAction({
    run: (job) => {
      ran.push(job as Job);
      return job.succeed({
        summary: 'checked',
        externalExecutionId: job.lambdaContext.awsRequestId,
      });
    },
  });
  return { handler, ran };
}

const PLACEHOLDER_TOKEN = [
  'aws-lambda-go-placeholder-token.json',
  'powertools-python-placeholder-token.json',
  'powertools-python-encryption-key.json',
  'rust-runtime-placeholder-token.json',
  'java-libs-encryption-key.json',
];

describe('Public sample events', () => {
  it('keeps every file SOURCES.md names', () => {
    const sources = readFileSync(join(dir, 'SOURCES.md'), 'utf8');
    for (const name of [
      ...PLACEHOLDER_TOKEN,
      'powertools-python-no-user-parameters.json',
      'powertools-typescript-non-uuid-job-id.json',
    ]) {
      expect(sources).toContain(`\`${name}\``);
      expect(() => load(name)).not.toThrow();
    }
  });

  it("runs Powertools' event without UserParameters, reading its artifact from the event's own location", async () => {
    // Prepare
    const event = load('powertools-python-no-user-parameters.json');
    const handler = invokeAction({
      run: async (job) => {
        const text = await job.input('ArtifactName').text('index.html');
        return job.succeed({ summary: `${job.userParameters ?? 'no parameters'}: ${text}` });
      },
    });

    // Act
    const result = await runJob(handler, {
      event,
      artifacts: { ArtifactName: { 'index.html': '<h1>ok</h1>' } },
    });

    // Assess
    expect(result).toMatchObject({
      jobId: '11111111-abcd-1111-abcd-111111abcdef',
      status: 'succeeded',
      summary: 'no parameters: <h1>ok</h1>',
    });
    const answers = result.calls.filter((call) => call.service === 'codepipeline');
    expect(answers).toHaveLength(1);
  });

  it('runs the same public fixture twice against one handler', async () => {
    // Prepare
    const event = load('powertools-python-no-user-parameters.json');
    const { handler, ran } = gate();

    // Act
    const first = await runJob(handler, { event });
    const second = await runJob(handler, { event });

    // Assess
    expect([first.status, second.status]).toEqual(['succeeded', 'succeeded']);
    expect(ran).toHaveLength(2);
    expect(second.externalExecutionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each(PLACEHOLDER_TOKEN)(
    '%s: answered once with a failure that names the continuation token',
    async (name) => {
      // Prepare
      const event = load(name);
      const { handler, ran } = gate();

      // Act
      const result = await runJob(handler, { event });

      // Assess
      expect(ran).toHaveLength(0);
      expect(result.status).toBe('failed');
      expect(result.message).toMatch(/continuation token/i);
      const answers = result.calls.filter((call) => call.service === 'codepipeline');
      expect(answers).toHaveLength(1);
      expect(answers[0]?.input.jobId).toBe('11111111-abcd-1111-abcd-111111abcdef');
    },
  );

  it("refuses Powertools' event with a job id that is not a UUID, calling nothing", async () => {
    // Prepare
    const event = load('powertools-typescript-non-uuid-job-id.json');
    const { handler, ran } = gate();
    const codePipeline = mockClient(CodePipelineClient);

    // Act & Assess
    try {
      await expect(handler(event, lambdaContext())).rejects.toThrow(NotAJobEventError);
      await expect(handler(event, lambdaContext())).rejects.toThrow(
        /not a CodePipeline job id \(a lower-case UUID\), got "c0d76431-b0e7-xmpl-97e3-e8ee786eb6f6"/,
      );
      await expect(runJob(handler, { event })).rejects.toThrow(NotAJobEventError);
      expect(codePipeline).not.toHaveReceivedCommand(PutJobSuccessResultCommand);
      expect(codePipeline).not.toHaveReceivedCommand(PutJobFailureResultCommand);
      expect(ran).toHaveLength(0);
    } finally {
      codePipeline.restore();
    }
  });
});
