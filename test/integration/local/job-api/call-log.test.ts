import {
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type JobApiOptions, startJobApi } from '../../../../src/local/job-api/index.js';
import { codePipelineClient, errorNameOf } from '../../../helpers/local-clients.js';

const JOB_ID = '0e0e0e0e-1111-4222-8333-444444444444';

async function jobApi(options: JobApiOptions) {
  const api = await startJobApi(options);
  const client = codePipelineClient(api.endpoint);
  onTestFinished(async () => {
    client.destroy();
    await api.close();
  });
  return { api, client };
}

const succeed = (jobId = JOB_ID) => new PutJobSuccessResultCommand({ jobId });
const fail = (jobId = JOB_ID) =>
  new PutJobFailureResultCommand({
    jobId,
    failureDetails: { type: 'JobFailed', message: 'no' },
  });

describe('Function: startJobApi (test hooks)', () => {
  it('refuses a job it never created, unless asked to adopt unknown jobs', async () => {
    // Prepare
    const strict = await jobApi({});
    const adopting = await jobApi({ adoptUnknownJobs: true });

    // Act
    const refused = await errorNameOf(strict.client.send(succeed()));
    await adopting.client.send(succeed());

    // Assess
    expect(refused).toBe('JobNotFoundException');
    expect(strict.api.requests[0]).toMatchObject({ reply: 'refused', accepted: false });
    expect(adopting.api.jobs.get(JOB_ID)?.status).toBe('Succeeded');
    expect(adopting.api.acceptedAnswers(JOB_ID)).toHaveLength(1);
  });

  it('plays scripted replies in order, a job’s own first, then serves calls', async () => {
    // Prepare
    const { api, client } = await jobApi({
      adoptUnknownJobs: true,
      replies: [{ kind: 'error', status: 400, type: 'ThrottlingException' }],
    });
    api.script(JOB_ID, [{ kind: 'error', status: 503, type: 'ServiceUnavailable' }]);

    // Act
    const first = await errorNameOf(client.send(succeed()));
    const second = await errorNameOf(client.send(succeed()));
    await client.send(succeed());

    // Assess
    expect([first, second]).toEqual(['ServiceUnavailable', 'ThrottlingException']);
    expect(api.requestsFor(JOB_ID).map((call) => [call.reply, call.accepted])).toEqual([
      ['error', false],
      ['error', false],
      ['ok', true],
    ]);
    expect(api.requests[2]?.acknowledged).toBe(true);
  });

  it('takes an answer whose response it then loses, without acknowledging it', async () => {
    // Prepare
    const { api, client } = await jobApi({ adoptUnknownJobs: true });
    api.script(JOB_ID, [{ kind: 'accept-then-reset' }]);

    // Act
    const lost = await errorNameOf(client.send(fail()));

    // Assess
    expect(lost).not.toBe('');
    expect(api.jobs.get(JOB_ID)?.status).toBe('Failed');
    expect(api.requests[0]).toMatchObject({ accepted: true, acknowledged: false });
  });

  it('refuses a second answer as CodePipeline does, or counts it when told not to', async () => {
    // Prepare
    const strict = await jobApi({ adoptUnknownJobs: true });
    const counting = await jobApi({ adoptUnknownJobs: true, oneAnswerPerJob: false });

    // Act
    await strict.client.send(succeed());
    const second = await errorNameOf(strict.client.send(fail()));
    await counting.client.send(succeed());
    await counting.client.send(fail());

    // Assess
    expect(second).toBe('InvalidJobStateException');
    expect(strict.api.requests[1]).toMatchObject({ reply: 'closed', accepted: false });
    expect(counting.api.acceptedAnswers(JOB_ID)).toHaveLength(2);
    expect(counting.api.jobs.get(JOB_ID)?.status).toBe('Succeeded');
  });

  it('refuses any answer to a job closed before, in counting mode too', async () => {
    // Prepare
    const { api, client } = await jobApi({ adoptUnknownJobs: true, oneAnswerPerJob: false });
    api.closeJob(JOB_ID);

    // Act
    const name = await errorNameOf(client.send(succeed()));

    // Assess
    expect(name).toBe('InvalidJobStateException');
    expect(api.acceptedAnswers(JOB_ID)).toEqual([]);
  });
});
