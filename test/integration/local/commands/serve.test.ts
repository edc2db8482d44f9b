import { existsSync, readFileSync } from 'node:fs';
import {
  CodePipelineClient,
  GetJobDetailsCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliProcess, exportedVariables, startCli } from '../../../helpers/local-cli.js';

let running: CliProcess | undefined;

afterEach(() => {
  // A failed test must not leave a server behind.
  if (running !== undefined && running.child.exitCode === null) running.child.kill('SIGKILL');
  running = undefined;
});

describe('Function: serveCommand (as a child process)', () => {
  it('prints loopback endpoints and export lines, serves them, and exits 0 on SIGINT', async () => {
    // Prepare
    running = startCli(['serve', '--job']);
    const banner = await running.waitForOutput('Press Ctrl+C to stop.');
    const env = exportedVariables(banner);
    const jobId = /job id\s+([0-9a-f-]{36})/.exec(banner)?.[1] ?? '';
    const eventFile = /event file\s+(\S+)/.exec(banner)?.[1] ?? '';
    const input = /input\s+s3:\/\/([^/\s]+)\/(\S+)/.exec(banner);
    const credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    };
    const codePipeline = new CodePipelineClient({
      endpoint: env.AWS_ENDPOINT_URL_CODEPIPELINE,
      region: env.AWS_REGION,
      credentials,
      maxAttempts: 1,
    });
    const s3 = new S3Client({
      endpoint: env.AWS_ENDPOINT_URL_S3,
      region: env.AWS_REGION,
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    });

    // Act
    const details = await codePipeline.send(new GetJobDetailsCommand({ jobId }));
    const artifact = await s3.send(
      new GetObjectCommand({ Bucket: input?.[1] ?? '', Key: input?.[2] ?? '' }),
    );
    await codePipeline.send(
      new PutJobSuccessResultCommand({ jobId, executionDetails: { summary: 'looks good' } }),
    );
    await running.waitForOutput(`job ${jobId}: Succeeded (looks good)`);
    const event = JSON.parse(readFileSync(eventFile, 'utf8'));
    running.child.kill('SIGINT');
    const exit = await running.exited;
    codePipeline.destroy();
    s3.destroy();

    // Assess
    for (const name of [
      'AWS_ENDPOINT_URL_S3',
      'AWS_ENDPOINT_URL_CODEPIPELINE',
      'AWS_ENDPOINT_URL_STS',
    ]) {
      expect(env[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(env.AWS_REGION).toBe('us-east-1');
    expect(banner).toContain('unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN');
    expect(banner).toContain(`aws codepipeline put-job-success-result --job-id ${jobId}`);
    expect(details.jobDetails?.id).toBe(jobId);
    expect(artifact.ServerSideEncryption).toBe('aws:kms');
    expect(event['CodePipeline.job'].id).toBe(jobId);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(running.stdout()).toContain('SIGINT: stopping...');
    expect(running.stdout()).toMatch(/stopped\n$/);
    expect(existsSync(eventFile)).toBe(false);
    expect(running.stderr()).toBe('');
  });

  it('closes cleanly on SIGTERM too', async () => {
    // Prepare
    running = startCli(['serve']);
    await running.waitForOutput('Press Ctrl+C to stop.');

    // Act
    running.child.kill('SIGTERM');
    const exit = await running.exited;

    // Assess
    expect(exit).toEqual({ code: 0, signal: null });
    expect(running.stdout()).toContain('SIGTERM: stopping...');
  });

  it('stops answering once it has exited', async () => {
    // Prepare
    running = startCli(['serve']);
    const env = exportedVariables(await running.waitForOutput('Press Ctrl+C to stop.'));
    running.child.kill('SIGINT');
    await running.exited;

    // Act
    const attempt = fetch(`${env.AWS_ENDPOINT_URL_CODEPIPELINE}/`, { method: 'POST' });

    // Assess
    await expect(attempt).rejects.toThrow();
  });
});
