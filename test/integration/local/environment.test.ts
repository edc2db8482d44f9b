import { CodePipelineClient, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalEnvironment, startLocalEnvironment } from '../../../src/local/environment.js';

let local: LocalEnvironment;

beforeAll(async () => {
  local = await startLocalEnvironment();
  // What a handler process gets: only the environment, no endpoint or key in code.
  for (const [name, value] of Object.entries(local.env)) vi.stubEnv(name, value);
  for (const name of local.envToUnset) vi.stubEnv(name, undefined);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await local.close();
});

describe('Function: startLocalEnvironment', () => {
  it('points every endpoint variable at loopback', () => {
    // Assess
    for (const name of [
      'AWS_ENDPOINT_URL_S3',
      'AWS_ENDPOINT_URL_CODEPIPELINE',
      'AWS_ENDPOINT_URL_STS',
    ]) {
      expect(local.env[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(local.env.AWS_REGION).toBe('us-east-1');
  });

  it('lets unchanged SDK clients reach the job API and S3 through the environment', async () => {
    // Prepare
    await local.s3.createBucket('artifacts');
    await local.s3.putObject('artifacts', 'in.txt', 'input');
    const job = local.jobApi.jobs.createJob({
      pipelineName: 'P',
      stageName: 'S',
      actionName: 'A',
      functionName: 'f',
      artifactCredentials: { accessKeyId: 'ASIAJOB', secretAccessKey: 's', sessionToken: 't' },
    });
    const codePipeline = new CodePipelineClient({ maxAttempts: 1 });
    const s3 = new S3Client({ maxAttempts: 1 });

    // Act
    const object = await s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: 'in.txt' }));
    await codePipeline.send(new PutJobSuccessResultCommand({ jobId: job.id }));

    // Assess
    expect(await object.Body?.transformToString()).toBe('input');
    expect((await local.jobApi.jobs.waitForResult(job.id, 100)).status).toBe('Succeeded');
    codePipeline.destroy();
    s3.destroy();
  });

  it('answers GetCallerIdentity and AssumeRole from the STS stub', async () => {
    // Prepare
    const sts = new STSClient({ maxAttempts: 1 });

    // Act
    const me = await sts.send(new GetCallerIdentityCommand({}));
    const role = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/Deployer',
        RoleSessionName: 'gate',
      }),
    );
    const assumed = new STSClient({
      maxAttempts: 1,
      credentials: {
        accessKeyId: role.Credentials?.AccessKeyId ?? '',
        secretAccessKey: role.Credentials?.SecretAccessKey ?? '',
        sessionToken: role.Credentials?.SessionToken,
      },
    });
    const asRole = await assumed.send(new GetCallerIdentityCommand({}));

    // Assess
    expect(me.Account).toBe('123456789012');
    expect(role.Credentials?.Expiration).toBeInstanceOf(Date);
    expect(asRole.Arn).toBe('arn:aws:sts::123456789012:assumed-role/Deployer/gate');
    sts.destroy();
    assumed.destroy();
  });

  it('rejects an AssumeRole with a bad session name as a ValidationError', async () => {
    // Prepare
    const sts = new STSClient({ maxAttempts: 1 });

    // Act
    const attempt = sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/Deployer',
        RoleSessionName: 'has space',
      }),
    );

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError' });
    sts.destroy();
  });
});
