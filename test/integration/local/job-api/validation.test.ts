import {
  type CodePipelineClient,
  type FailureDetails,
  GetJobDetailsCommand,
  GetPipelineStateCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobApi, startJobApi } from '../../../../src/local/job-api/index.js';
import {
  codePipelineClient,
  errorNameOf,
  SAMPLE_ARTIFACT_CREDENTIALS,
} from '../../../helpers/local-clients.js';

let api: JobApi;
let client: CodePipelineClient;

beforeAll(async () => {
  api = await startJobApi({ outputVariablesSizeLimit: 1000 });
  client = codePipelineClient(api.endpoint);
});

afterAll(async () => {
  client.destroy();
  await api.close();
});

function newJobId(): string {
  return api.jobs.createJob({
    pipelineName: 'Pipeline',
    stageName: 'Gate',
    actionName: 'Check',
    functionName: 'check-fn',
    artifactCredentials: SAMPLE_ARTIFACT_CREDENTIALS,
  }).id;
}

const succeed = (
  input: Omit<ConstructorParameters<typeof PutJobSuccessResultCommand>[0], 'jobId'>,
) => client.send(new PutJobSuccessResultCommand({ jobId: newJobId(), ...input }));

const fail = (failureDetails: Record<string, unknown>) =>
  client.send(
    new PutJobFailureResultCommand({
      jobId: newJobId(),
      // Invalid values are the point here, so the type is widened on purpose.
      failureDetails: failureDetails as unknown as FailureDetails,
    }),
  );

describe('Function: startJobApi (PutJobSuccessResult limits)', () => {
  it('accepts a summary of 2048 characters', async () => {
    // Act
    const output = await succeed({ executionDetails: { summary: 'a'.repeat(2048) } });

    // Assess
    expect(output.$metadata.httpStatusCode).toBe(200);
  });

  it('rejects a summary longer than 2048 characters', async () => {
    // Act
    const name = await errorNameOf(succeed({ executionDetails: { summary: 'a'.repeat(2049) } }));

    // Assess
    expect(name).toBe('ValidationException');
  });

  it('rejects an empty summary', async () => {
    // Act
    const name = await errorNameOf(succeed({ executionDetails: { summary: '' } }));

    // Assess
    expect(name).toBe('ValidationException');
  });

  it('accepts an externalExecutionId of 1500 characters and rejects 1501', async () => {
    // Act
    const ok = await succeed({ executionDetails: { externalExecutionId: 'e'.repeat(1500) } });
    const name = await errorNameOf(
      succeed({ executionDetails: { externalExecutionId: 'e'.repeat(1501) } }),
    );

    // Assess
    expect(ok.$metadata.httpStatusCode).toBe(200);
    expect(name).toBe('ValidationException');
  });

  it('accepts percentComplete 0 and 100, and rejects 101 and -1', async () => {
    // Act
    const low = await succeed({ executionDetails: { percentComplete: 0 } });
    const high = await succeed({ executionDetails: { percentComplete: 100 } });
    const above = await errorNameOf(succeed({ executionDetails: { percentComplete: 101 } }));
    const below = await errorNameOf(succeed({ executionDetails: { percentComplete: -1 } }));

    // Assess
    expect(low.$metadata.httpStatusCode).toBe(200);
    expect(high.$metadata.httpStatusCode).toBe(200);
    expect(above).toBe('ValidationException');
    expect(below).toBe('ValidationException');
  });

  it('accepts a continuationToken of 2048 characters and rejects 2049', async () => {
    // Act
    const ok = await succeed({ continuationToken: 't'.repeat(2048) });
    const name = await errorNameOf(succeed({ continuationToken: 't'.repeat(2049) }));

    // Assess
    expect(ok.$metadata.httpStatusCode).toBe(200);
    expect(name).toBe('ValidationException');
  });

  it('accepts output variable keys made of letters, digits, @, - and _', async () => {
    // Act
    const output = await succeed({ outputVariables: { 'aZ09@-_': 'v', other: '' } });

    // Assess
    expect(output.$metadata.httpStatusCode).toBe(200);
  });

  it.each(['has space', 'dot.key', 'slash/key', 'ünïcode', '$dollar'])(
    'rejects the output variable key %j',
    async (key) => {
      // Act
      const name = await errorNameOf(succeed({ outputVariables: { [key]: 'v' } }));

      // Assess
      expect(name).toBe('ValidationException');
    },
  );

  it('rejects output variables sent with a continuationToken', async () => {
    // Act
    const name = await errorNameOf(
      succeed({ continuationToken: 'token', outputVariables: { key: 'v' } }),
    );

    // Assess
    expect(name).toBe('ValidationException');
  });

  it('rejects output variables larger than the size limit with OutputVariablesSizeExceededException', async () => {
    // Prepare: the server was started with a 1000-byte limit; key "k" is 1 byte
    const atLimit = { k: 'v'.repeat(999) };
    const overLimit = { k: 'v'.repeat(1000) };

    // Act
    const ok = await succeed({ outputVariables: atLimit });
    const name = await errorNameOf(succeed({ outputVariables: overLimit }));

    // Assess
    expect(ok.$metadata.httpStatusCode).toBe(200);
    expect(name).toBe('OutputVariablesSizeExceededException');
  });

  it('checks currentRevision fields when given', async () => {
    // Act
    const ok = await succeed({
      currentRevision: { revision: 'r'.repeat(1500), changeIdentifier: 'c'.repeat(100) },
    });
    const longRevision = await errorNameOf(
      succeed({ currentRevision: { revision: 'r'.repeat(1501), changeIdentifier: 'c' } }),
    );
    const longChange = await errorNameOf(
      succeed({ currentRevision: { revision: 'r', changeIdentifier: 'c'.repeat(101) } }),
    );
    const longSummary = await errorNameOf(
      succeed({
        currentRevision: {
          revision: 'r',
          changeIdentifier: 'c',
          revisionSummary: 's'.repeat(2049),
        },
      }),
    );

    // Assess
    expect(ok.$metadata.httpStatusCode).toBe(200);
    expect([longRevision, longChange, longSummary]).toEqual([
      'ValidationException',
      'ValidationException',
      'ValidationException',
    ]);
  });

  it('rejects a job id that is not a lowercase UUID', async () => {
    // Act
    const upper = await errorNameOf(
      client.send(new PutJobSuccessResultCommand({ jobId: newJobId().toUpperCase() })),
    );
    const garbage = await errorNameOf(
      client.send(new PutJobSuccessResultCommand({ jobId: 'not-a-job-id' })),
    );

    // Assess
    expect(upper).toBe('ValidationException');
    expect(garbage).toBe('ValidationException');
  });

  it('answers JobNotFoundException for a well-formed but unknown job id', async () => {
    // Act
    const name = await errorNameOf(
      client.send(
        new PutJobSuccessResultCommand({ jobId: '00000000-0000-4000-8000-000000000000' }),
      ),
    );

    // Assess
    expect(name).toBe('JobNotFoundException');
  });

  it('answers InvalidJobStateException to a second answer for the same job', async () => {
    // Prepare
    const jobId = newJobId();
    await client.send(new PutJobSuccessResultCommand({ jobId }));

    // Act
    const again = await errorNameOf(client.send(new PutJobSuccessResultCommand({ jobId })));
    const failAfter = await errorNameOf(
      client.send(
        new PutJobFailureResultCommand({
          jobId,
          failureDetails: { type: 'JobFailed', message: 'late' },
        }),
      ),
    );

    // Assess
    expect(again).toBe('InvalidJobStateException');
    expect(failAfter).toBe('InvalidJobStateException');
    expect(api.jobs.get(jobId)?.status).toBe('Succeeded');
  });

  it('records a continuation token as a continued job', async () => {
    // Prepare
    const jobId = newJobId();

    // Act
    await client.send(
      new PutJobSuccessResultCommand({
        jobId,
        continuationToken: 'round-2',
        executionDetails: { summary: 'waiting', percentComplete: 50 },
      }),
    );

    // Assess
    expect(await api.jobs.waitForResult(jobId, 100)).toMatchObject({
      status: 'Succeeded',
      continuationToken: 'round-2',
      executionDetails: { summary: 'waiting', percentComplete: 50 },
    });
  });
});

describe('Function: startJobApi (PutJobFailureResult limits)', () => {
  it('accepts a message of 5000 characters and rejects 5001', async () => {
    // Act
    const ok = await fail({ type: 'JobFailed', message: 'm'.repeat(5000) });
    const name = await errorNameOf(fail({ type: 'JobFailed', message: 'm'.repeat(5001) }));

    // Assess
    expect(ok.$metadata.httpStatusCode).toBe(200);
    expect(name).toBe('ValidationException');
  });

  it('rejects an empty message', async () => {
    // Act
    const name = await errorNameOf(fail({ type: 'JobFailed', message: '' }));

    // Assess
    expect(name).toBe('ValidationException');
  });

  it.each([
    'JobFailed',
    'ConfigurationError',
    'PermissionError',
    'RevisionOutOfSync',
    'RevisionUnavailable',
    'SystemUnavailable',
  ])('accepts the failure type %s', async (type) => {
    // Act
    const output = await fail({ type, message: 'no' });

    // Assess
    expect(output.$metadata.httpStatusCode).toBe(200);
  });

  it('rejects an unknown failure type', async () => {
    // Act
    const name = await errorNameOf(fail({ type: 'Timeout', message: 'no' }));

    // Assess
    expect(name).toBe('ValidationException');
  });

  it('accepts a failure externalExecutionId of 1500 characters and rejects 1501', async () => {
    // Act
    const ok = await fail({
      type: 'JobFailed',
      message: 'm',
      externalExecutionId: 'x'.repeat(1500),
    });
    const name = await errorNameOf(
      fail({ type: 'JobFailed', message: 'm', externalExecutionId: 'x'.repeat(1501) }),
    );

    // Assess
    expect(ok.$metadata.httpStatusCode).toBe(200);
    expect(name).toBe('ValidationException');
  });

  it('records the failure details', async () => {
    // Prepare
    const jobId = newJobId();

    // Act
    await client.send(
      new PutJobFailureResultCommand({
        jobId,
        failureDetails: { type: 'ConfigurationError', message: 'bad params' },
      }),
    );

    // Assess
    expect(api.jobs.get(jobId)?.result).toMatchObject({
      status: 'Failed',
      failureDetails: { type: 'ConfigurationError', message: 'bad params' },
    });
  });
});

describe('Function: startJobApi (other operations)', () => {
  it('returns job details with the artifact credentials', async () => {
    // Prepare
    const job = api.jobs.createJob({
      pipelineName: 'Pipeline',
      stageName: 'Gate',
      actionName: 'Check',
      functionName: 'check-fn',
      userParameters: '{"min":3}',
      inputArtifacts: [{ name: 'In', bucket: 'artifacts', key: 'in.zip' }],
      artifactCredentials: SAMPLE_ARTIFACT_CREDENTIALS,
      continuationToken: 'tok',
    });

    // Act
    const output = await client.send(new GetJobDetailsCommand({ jobId: job.id }));

    // Assess
    expect(output.jobDetails).toMatchObject({
      id: job.id,
      accountId: '123456789012',
      data: {
        actionConfiguration: {
          configuration: { FunctionName: 'check-fn', UserParameters: '{"min":3}' },
        },
        inputArtifacts: [
          {
            name: 'In',
            location: { type: 'S3', s3Location: { bucketName: 'artifacts', objectKey: 'in.zip' } },
          },
        ],
        artifactCredentials: {
          accessKeyId: SAMPLE_ARTIFACT_CREDENTIALS.accessKeyId,
          secretAccessKey: SAMPLE_ARTIFACT_CREDENTIALS.secretAccessKey,
          sessionToken: SAMPLE_ARTIFACT_CREDENTIALS.sessionToken,
        },
        continuationToken: 'tok',
        pipelineContext: {
          pipelineName: 'Pipeline',
          stage: { name: 'Gate' },
          action: { name: 'Check' },
        },
      },
    });
  });

  it('answers JobNotFoundException to GetJobDetails for an unknown job', async () => {
    // Act
    const name = await errorNameOf(
      client.send(new GetJobDetailsCommand({ jobId: '00000000-0000-4000-8000-000000000001' })),
    );

    // Assess
    expect(name).toBe('JobNotFoundException');
  });

  it('returns the stage and action states of a known pipeline', async () => {
    // Prepare
    api.pipelines.definePipeline('Known', [
      { name: 'Source', actions: ['Fetch'] },
      { name: 'Gate', actions: ['Check'] },
    ]);
    api.pipelines.setActionState('Known', 'Gate', 'Check', {
      status: 'InProgress',
      summary: 'half way',
      percentComplete: 50,
    });

    // Act
    const output = await client.send(new GetPipelineStateCommand({ name: 'Known' }));

    // Assess
    expect(output.pipelineName).toBe('Known');
    expect(output.stageStates?.map((stage) => stage.stageName)).toEqual(['Source', 'Gate']);
    const check = output.stageStates?.[1]?.actionStates?.[0];
    expect(check?.actionName).toBe('Check');
    expect(check?.latestExecution).toMatchObject({
      status: 'InProgress',
      summary: 'half way',
      percentComplete: 50,
    });
    expect(check?.latestExecution?.lastStatusChange).toBeInstanceOf(Date);
  });

  it('answers PipelineNotFoundException for an unknown pipeline', async () => {
    // Act
    const state = await errorNameOf(client.send(new GetPipelineStateCommand({ name: 'Nope' })));
    const start = await errorNameOf(
      client.send(new StartPipelineExecutionCommand({ name: 'Nope' })),
    );

    // Assess
    expect(state).toBe('PipelineNotFoundException');
    expect(start).toBe('PipelineNotFoundException');
  });

  it('rejects a pipeline name with characters outside the pattern', async () => {
    // Act
    const name = await errorNameOf(client.send(new GetPipelineStateCommand({ name: 'bad name' })));

    // Assess
    expect(name).toBe('ValidationException');
  });

  it('starts an execution, records it and emits an event', async () => {
    // Prepare
    api.pipelines.definePipeline('Startable', [{ name: 'Source', actions: ['Fetch'] }]);
    const emitted: string[] = [];
    api.pipelines.on('executionStarted', (request) => emitted.push(request.pipelineExecutionId));

    // Act
    const output = await client.send(
      new StartPipelineExecutionCommand({
        name: 'Startable',
        clientRequestToken: 'req-1',
        variables: [{ name: 'env', value: 'test' }],
      }),
    );

    // Assess
    expect(output.pipelineExecutionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emitted).toEqual([output.pipelineExecutionId]);
    expect(api.pipelines.executionRequests().at(-1)).toMatchObject({
      name: 'Startable',
      variables: [{ name: 'env', value: 'test' }],
    });
  });
});
