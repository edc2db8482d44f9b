import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobApi, startJobApi } from '../../../../src/local/job-api/index.js';

// A header of the right shape: the server checks the form, not the signature.
const SIGV4 =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/codepipeline/aws4_request, ' +
  `SignedHeaders=host;x-amz-date;x-amz-target, Signature=${'a'.repeat(64)}`;

let api: JobApi;

beforeAll(async () => {
  api = await startJobApi();
});

afterAll(async () => {
  await api.close();
});

async function post(headers: Record<string, string>, body: string) {
  const response = await fetch(`${api.endpoint}/`, { method: 'POST', headers, body });
  const text = await response.text();
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype'),
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

const jsonHeaders = (target: string) => ({
  'Content-Type': 'application/x-amz-json-1.1',
  'X-Amz-Target': target,
  Authorization: SIGV4,
});

describe('Function: startJobApi (wire protocol)', () => {
  it('listens on 127.0.0.1', () => {
    // Assess
    expect(api.endpoint).toBe(`http://127.0.0.1:${api.port}`);
    expect(api.port).toBeGreaterThan(0);
  });

  it('answers UnknownOperationException when X-Amz-Target is missing', async () => {
    // Act
    const response = await post(
      { 'Content-Type': 'application/x-amz-json-1.1', Authorization: SIGV4 },
      '{}',
    );

    // Assess
    expect(response.status).toBe(400);
    expect(response.errorType).toBe('UnknownOperationException');
    expect(response.body?.__type).toBe('UnknownOperationException');
  });

  it('answers UnknownOperationException for an operation it does not serve', async () => {
    // Act
    const response = await post(jsonHeaders('CodePipeline_20150709.DeletePipeline'), '{}');

    // Assess
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('answers UnknownOperationException for another service target', async () => {
    // Act
    const response = await post(jsonHeaders('DynamoDB_20120810.ListTables'), '{}');

    // Assess
    expect(response.body?.__type).toBe('UnknownOperationException');
  });

  it('does not treat inherited object keys as operations', async () => {
    // Act
    const response = await post(jsonHeaders('CodePipeline_20150709.constructor'), '{}');

    // Assess
    expect(response.body?.__type).toBe('UnknownOperationException');
  });

  it('answers SerializationException to a body that is not JSON', async () => {
    // Act
    const response = await post(jsonHeaders('CodePipeline_20150709.GetJobDetails'), '{"jobId":');

    // Assess
    expect(response.status).toBe(400);
    expect(response.errorType).toBe('SerializationException');
  });

  it('answers SerializationException to a JSON body that is not an object', async () => {
    // Act
    const response = await post(jsonHeaders('CodePipeline_20150709.GetJobDetails'), '[1]');

    // Assess
    expect(response.errorType).toBe('SerializationException');
  });

  it('answers SerializationException to a field of the wrong JSON type', async () => {
    // Act
    const response = await post(
      jsonHeaders('CodePipeline_20150709.PutJobSuccessResult'),
      JSON.stringify({
        jobId: '00000000-0000-4000-8000-000000000000',
        executionDetails: { percentComplete: '50' },
      }),
    );

    // Assess
    expect(response.errorType).toBe('SerializationException');
  });

  it('answers SerializationException to a wrong content type', async () => {
    // Act
    const response = await post(
      { ...jsonHeaders('CodePipeline_20150709.GetJobDetails'), 'Content-Type': 'application/json' },
      '{}',
    );

    // Assess
    expect(response.status).toBe(400);
    expect(response.errorType).toBe('SerializationException');
    expect(String(response.body?.message)).toContain('application/x-amz-json-1.1');
  });

  it('answers MissingAuthenticationTokenException to an unsigned request', async () => {
    // Act
    const { Authorization: _, ...unsigned } = jsonHeaders('CodePipeline_20150709.GetJobDetails');
    const response = await post(unsigned, '{}');

    // Assess
    expect(response.errorType).toBe('MissingAuthenticationTokenException');
  });

  it('answers IncompleteSignatureException to an Authorization header that is not SigV4', async () => {
    // Act
    const response = await post(
      { ...jsonHeaders('CodePipeline_20150709.GetJobDetails'), Authorization: 'Bearer abc' },
      '{}',
    );

    // Assess
    expect(response.errorType).toBe('IncompleteSignatureException');
  });

  it('refuses methods other than POST', async () => {
    // Act
    const response = await fetch(`${api.endpoint}/`, { headers: { Authorization: SIGV4 } });

    // Assess
    expect(response.status).toBe(405);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });

  it('lists every violation in one ValidationException', async () => {
    // Act
    const response = await post(
      jsonHeaders('CodePipeline_20150709.PutJobFailureResult'),
      JSON.stringify({ jobId: 'nope', failureDetails: { type: 'Nope', message: '' } }),
    );

    // Assess
    expect(response.errorType).toBe('ValidationException');
    expect(response.body?.message).toMatch(/^3 validation errors detected: /);
    expect(response.body?.message).toContain("'jobId'");
    expect(response.body?.message).toContain("'failureDetails.type'");
    expect(response.body?.message).toContain("'failureDetails.message'");
  });

  it('answers a successful PutJobSuccessResult with 200, an empty body and a request id', async () => {
    // Prepare
    const job = api.jobs.createJob({
      pipelineName: 'P',
      stageName: 'S',
      actionName: 'A',
      functionName: 'f',
      artifactCredentials: { accessKeyId: 'a', secretAccessKey: 'b', sessionToken: 'c' },
    });

    // Act
    const response = await fetch(`${api.endpoint}/`, {
      method: 'POST',
      headers: jsonHeaders('CodePipeline_20150709.PutJobSuccessResult'),
      body: JSON.stringify({ jobId: job.id }),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
