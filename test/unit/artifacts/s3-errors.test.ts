import { GetObjectCommand, NoSuchBucket, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobArtifacts } from '../../../src/artifacts/index.js';
import {
  JobFailedError,
  PermissionError,
  RevisionUnavailableError,
  SystemUnavailableError,
} from '../../../src/errors.js';
import { artifactContext, SECRET_CREDENTIALS, s3Error } from '../../helpers/artifact-context.js';

const s3Mock = mockClient(S3Client);
const stsMock = mockClient(STSClient);

const DENIED_ROLE_ARN = 'arn:aws:sts::123456789012:assumed-role/MyPipelineRole/1700000000000';

async function failureOfRead(): Promise<{ error: Error; logs: string[] }> {
  const { context, logs } = artifactContext();
  const error = (await new JobArtifacts(context)
    .input()
    .read('a.txt')
    .catch((caught: unknown) => caught)) as Error;
  return { error, logs };
}

describe('Function: mapS3Error (through InputArtifact)', () => {
  beforeEach(() => {
    s3Mock.reset();
    stsMock.reset();
    stsMock.on(GetCallerIdentityCommand).resolves({ Arn: DENIED_ROLE_ARN });
  });
  afterEach(() => {
    s3Mock.reset();
    stsMock.reset();
  });

  it('maps AccessDenied to a PermissionError naming the bucket, key and denied role', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));

    // Act
    const { error } = await failureOfRead();

    // Assess
    expect(error).toBeInstanceOf(PermissionError);
    expect(error.message).toContain('bucket artifact-bucket');
    expect(error.message).toContain('key pipeline/BuildOutput/abc123.zip');
    expect(error.message).toContain('"BuildOutput"');
    expect(error.message).toContain(`role MyPipelineRole (${DENIED_ROLE_ARN})`);
  });

  it('asks STS who was denied with the artifact credentials, not the function role', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(s3Error('Forbidden', 403, ''));

    // Act
    await failureOfRead();

    // Assess
    expect(stsMock).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
    const client = stsMock.call(0).thisValue as STSClient;
    const credentials = await (
      client.config.credentials as () => Promise<{ accessKeyId: string }>
    )();
    expect(credentials.accessKeyId).toBe(SECRET_CREDENTIALS.accessKeyId);
  });

  it('says the role could not be determined when STS fails', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    stsMock.on(GetCallerIdentityCommand).rejects(new Error('sts down'));

    // Act
    const { error } = await failureOfRead();

    // Assess
    expect(error).toBeInstanceOf(PermissionError);
    expect(error.message).toContain('a role that could not be determined');
  });

  it('maps NoSuchKey to RevisionUnavailable naming the artifact', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(
      new NoSuchKey({
        $metadata: { httpStatusCode: 404 },
        message: 'The specified key does not exist.',
      }),
    );

    // Act
    const { error } = await failureOfRead();

    // Assess
    expect(error).toBeInstanceOf(RevisionUnavailableError);
    expect(error.message).toContain('Artifact "BuildOutput" is not available');
    expect(error.message).toContain('s3://artifact-bucket/pipeline/BuildOutput/abc123.zip');
  });

  it('maps NoSuchBucket and a bare 404 to RevisionUnavailable', async () => {
    // Prepare
    s3Mock
      .on(GetObjectCommand)
      .rejectsOnce(new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: 'no bucket' }))
      .rejectsOnce(s3Error('NotFound', 404, ''));

    // Act
    const first = await failureOfRead();
    const second = await failureOfRead();

    // Assess
    expect(first.error).toBeInstanceOf(RevisionUnavailableError);
    expect(first.error.message).toContain('the bucket does not exist');
    expect(second.error).toBeInstanceOf(RevisionUnavailableError);
  });

  it.each([
    ['SlowDown', 503],
    ['ThrottlingException', 400],
    ['InternalError', 500],
    ['ServiceUnavailable', 503],
  ])('maps %s (HTTP %d) after retries to SystemUnavailable', async (name, status) => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(s3Error(name, status, 'Please reduce your request rate.'));

    // Act
    const { error } = await failureOfRead();

    // Assess
    expect(error).toBeInstanceOf(SystemUnavailableError);
    expect(error.message).toContain(name);
    expect(error.message).toContain('"BuildOutput"');
  });

  it('maps a network failure to SystemUnavailable', async () => {
    // Prepare
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    s3Mock.on(GetObjectCommand).rejects(reset);

    // Act
    const { error } = await failureOfRead();

    // Assess
    expect(error).toBeInstanceOf(SystemUnavailableError);
  });

  it('maps anything else to JobFailed with the SDK detail', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(s3Error('InvalidObjectState', 403 - 3, 'archived'));

    // Act
    const { error } = await failureOfRead();

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.message).toContain('InvalidObjectState');
    expect(error.message).toContain('request id REQ123');
  });

  it('never puts the credentials in a message or a log line', async () => {
    // Prepare: an SDK error that (like SignatureDoesNotMatch) echoes request details
    const { accessKeyId, secretAccessKey, sessionToken } = SECRET_CREDENTIALS;
    s3Mock
      .on(GetObjectCommand)
      .rejects(
        s3Error(
          'SignatureDoesNotMatch',
          403,
          `Credential=${accessKeyId} token ${sessionToken} key ${secretAccessKey}`,
        ),
      );

    // Act
    const { error, logs } = await failureOfRead();

    // Assess
    expect(error).toBeInstanceOf(PermissionError);
    const everything = [error.message, ...logs].join('\n');
    expect(everything).toContain('[REDACTED]');
    for (const secret of [accessKeyId, secretAccessKey, sessionToken]) {
      expect(everything).not.toContain(secret);
    }
  });
});
