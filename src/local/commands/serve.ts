/**
 * `serve`: start the local AWS look-alikes and keep them up until Ctrl+C, printing the
 * exact `export` lines that point the AWS SDK and the AWS CLI at them. With `--job`, it
 * also creates a sample job so `PutJobSuccessResult` can be tried by hand.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipBuffer } from '../../artifacts/zip-buffer.js';
import { fakeArtifactCredentials } from '../../testing/fake-credentials.js';
import { type LocalEnvironment, startLocalEnvironment } from '../environment.js';
import type { JobAnswer, LocalJob } from '../job-api/index.js';
import { type Command, type CommandContext, type ParsedOptions, portOption } from './command.js';

const DEFAULT_BUCKET = 'codepipeline-local-artifacts';

/** Single-quotes a value for POSIX shells (endpoints are safe, but regions are user input). */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function describeResult(result: JobAnswer): string {
  if (result.status === 'Failed') {
    return `Failed: ${result.failureDetails.type}: ${result.failureDetails.message}`;
  }
  if (result.continuationToken !== undefined) {
    return `In progress, continuation token of ${result.continuationToken.length} characters`;
  }
  return `Succeeded${result.executionDetails?.summary ? ` (${result.executionDetails.summary})` : ''}`;
}

interface SampleJob {
  readonly job: LocalJob;
  readonly eventFile: string;
  readonly input: string;
}

/** A job like CodePipeline would send: a zipped input artifact, an output slot, KMS. */
async function createSampleJob(local: LocalEnvironment, bucket: string, eventDir: string) {
  await local.s3.createBucket(bucket);
  const suffix = randomBytes(4).toString('hex');
  const inputKey = `SamplePipeline/SourceArti/${suffix}.zip`;
  const keyArn = `arn:aws:kms:${local.region}:${local.accountId}:alias/aws/s3`;
  await local.s3.putObject(
    bucket,
    inputKey,
    await zipBuffer({ 'ratings.json': JSON.stringify([4, 5, 3]) }),
    {
      sseKmsKeyId: keyArn,
    },
  );
  local.jobApi.pipelines.definePipeline('SamplePipeline', [
    { name: 'Source', actions: ['Source'] },
    { name: 'Gate', actions: ['Check'] },
  ]);
  const job = local.jobApi.jobs.createJob({
    pipelineName: 'SamplePipeline',
    stageName: 'Gate',
    actionName: 'Check',
    functionName: 'sample-gate',
    userParameters: JSON.stringify({ minRating: 3, file: 'ratings.json' }),
    inputArtifacts: [{ name: 'SourceArtifact', bucket, key: inputKey }],
    outputArtifacts: [
      { name: 'GateOutput', bucket, key: `SamplePipeline/GateOutput/${suffix}.zip` },
    ],
    // Invented, like every credential here: the embedded S3 accepts any key.
    artifactCredentials: fakeArtifactCredentials(),
    encryptionKey: { id: keyArn, type: 'KMS' },
    accountId: local.accountId,
  });
  const eventFile = join(eventDir, `job-${job.id}.json`);
  await writeFile(eventFile, `${JSON.stringify(job.event, null, 2)}\n`, { mode: 0o600 });
  return { job, eventFile, input: `s3://${bucket}/${inputKey}` } satisfies SampleJob;
}

function banner(local: LocalEnvironment, sample: SampleJob | undefined): string {
  const exports = Object.entries(local.env).map(
    ([name, value]) => `export ${name}=${shellQuote(value)}`,
  );
  const lines = [
    'codepipeline-handler serve: local AWS endpoints are up (127.0.0.1 only)',
    '',
    `  S3            ${local.s3.endpoint}   (data in ${local.s3.directory}, removed on exit)`,
    `  CodePipeline  ${local.jobApi.endpoint}`,
    `  STS           ${local.sts.endpoint}`,
    '',
    'Point the AWS SDKs and a recent AWS CLI (v2.13+, v1.29+) at them from your shell:',
    '',
    ...exports,
    `unset ${local.envToUnset.join(' ')}`,
    '',
  ];
  if (sample !== undefined) {
    const id = sample.job.id;
    lines.push(
      'Sample job:',
      `  job id      ${id}`,
      `  event file  ${sample.eventFile}`,
      `  input       ${sample.input}`,
      '',
      'Answer it by hand:',
      `  aws codepipeline put-job-success-result --job-id ${id} --execution-details summary=done,percentComplete=100`,
      `  aws codepipeline put-job-failure-result --job-id ${id} --failure-details type=JobFailed,message=no`,
      'or, without the exports:',
      `  aws --endpoint-url ${local.jobApi.endpoint} --region ${shellQuote(local.region)} codepipeline get-job-details --job-id ${id}`,
      '',
    );
  }
  lines.push('Answers to jobs are printed below. Press Ctrl+C to stop.', '');
  return lines.join('\n');
}

async function runServe(
  options: ParsedOptions,
  _positionals: readonly string[],
  context: CommandContext,
): Promise<number> {
  // Listen for the stop signal before anything is printed: a caller may send it as soon
  // as it reads the banner.
  const shutdown = context.waitForShutdown();
  const local = await startLocalEnvironment({
    region: typeof options.region === 'string' ? options.region : undefined,
    s3Port: portOption(options['s3-port'], 's3-port'),
    jobApiPort: portOption(options['job-api-port'], 'job-api-port'),
    stsPort: portOption(options['sts-port'], 'sts-port'),
  });
  let eventDir: string | undefined;
  try {
    local.jobApi.jobs.on('jobAnswered', (job, result) => {
      context.stdout(`job ${job.id}: ${describeResult(result)}\n`);
    });
    let sample: SampleJob | undefined;
    if (options.job === true) {
      eventDir = await mkdtemp(join(tmpdir(), 'codepipeline-handler-events-'));
      const bucket = typeof options.bucket === 'string' ? options.bucket : DEFAULT_BUCKET;
      sample = await createSampleJob(local, bucket, eventDir);
    }
    context.stdout(banner(local, sample));
    const signal = await shutdown;
    context.stdout(`\n${signal}: stopping...\n`);
  } finally {
    await local.close();
    if (eventDir !== undefined) await rm(eventDir, { recursive: true, force: true });
  }
  context.stdout('stopped\n');
  return 0;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Start the embedded S3, CodePipeline job API and STS, and print how to reach them',
  description: [
    'Starts an embedded S3 (s3rver), an embedded CodePipeline job API (AWS JSON 1.1, validated',
    'like the real API) and an STS stub, all on 127.0.0.1, and prints the export lines that',
    'point the AWS SDK and the AWS CLI at them. Runs until SIGINT (Ctrl+C) or SIGTERM.',
  ].join('\n'),
  options: {
    job: {
      type: 'boolean',
      description: 'Create a sample job and print its id and event file',
    },
    bucket: {
      type: 'string',
      valueName: '<name>',
      description: `Artifact bucket for the sample job (default: ${DEFAULT_BUCKET})`,
    },
    region: {
      type: 'string',
      valueName: '<region>',
      description: 'Region to export and to use in ARNs (default: us-east-1)',
    },
    's3-port': {
      type: 'string',
      valueName: '<port>',
      description: 'S3 port (default: any free port)',
    },
    'job-api-port': {
      type: 'string',
      valueName: '<port>',
      description: 'CodePipeline job API port (default: any free port)',
    },
    'sts-port': {
      type: 'string',
      valueName: '<port>',
      description: 'STS port (default: any free port)',
    },
  },
  run: runServe,
};
