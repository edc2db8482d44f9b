import {
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { FakeAws } from '../../../src/testing/fake-aws.js';

const JOB_ID = '11111111-2222-4333-8444-555555555555';

describe('Class: FakeAws', () => {
  it('takes one answer per job and refuses the second with InvalidJobStateException, like CodePipeline', async () => {
    // Prepare
    const fake = await FakeAws.create();

    // Act
    await fake.codePipeline.send(new PutJobSuccessResultCommand({ jobId: JOB_ID }));
    const second = fake.codePipeline.send(new PutJobSuccessResultCommand({ jobId: JOB_ID }));

    // Assess
    await expect(second).rejects.toMatchObject({ name: 'InvalidJobStateException' });
    expect(fake.calls.map((call) => call.refused)).toEqual([undefined, 'InvalidJobStateException']);
  });

  it.each([
    [
      'an output variable key CodePipeline refuses',
      new PutJobSuccessResultCommand({ jobId: JOB_ID, outputVariables: { 'no spaces': 'x' } }),
      /outputVariables\.no spaces\.key/,
    ],
    [
      'a job id that is not a UUID',
      new PutJobSuccessResultCommand({ jobId: 'job-1' }),
      /jobId.*regular expression/,
    ],
    [
      'an empty failure message',
      new PutJobFailureResultCommand({
        jobId: JOB_ID,
        failureDetails: { type: 'JobFailed', message: '' },
      }),
      /failureDetails\.message/,
    ],
  ])(
    "refuses %s with the embedded job API's ValidationException",
    async (_case, command, message) => {
      // Prepare
      const fake = await FakeAws.create();

      // Act
      const sent = fake.codePipeline.send(command as never);

      // Assess
      await expect(sent).rejects.toMatchObject({ name: 'ValidationException' });
      await expect(sent).rejects.toThrow(message);
      expect(fake.calls[0]?.refused).toBe('ValidationException');
    },
  );

  it('fakes only the client instances handed to it', async () => {
    // Prepare
    const fake = await FakeAws.create();
    const adopted = new S3Client({ region: 'us-east-1' });
    const other = new S3Client({ region: 'us-east-1' });
    const originalSend = other.send;

    // Act
    fake.hooks().adoptClient?.(adopted);

    // Assess
    expect(Object.hasOwn(adopted, 'send')).toBe(true);
    expect(other.send).toBe(originalSend);
    expect(Object.hasOwn(other, 'send')).toBe(false);
  });
});
