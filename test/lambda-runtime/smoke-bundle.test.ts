// The bundle smoke run must fail CI when a bundle fails to load, throws, exits, hangs,
// answers nothing or leaks; and pass a real built handler that answers its job once.
// The broken bundles are small files in test/fixtures/lambda-bundles.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHandlers } from '../../scripts/build.mjs';
import { type LocalEnvironment, startLocalEnvironment } from '../../src/local/environment.js';
import { LocalArtifactStore } from '../../src/local/invoke/artifact-store.js';
import { zipFiles } from '../../src/testing/run-job.js';
import { takeSecretFindings } from '../helpers/secret-scan-capture.js';
import { lambdaEnvironment, lambdaNodeFlags } from './lambda-environment.js';
import { smokeTestBundle } from './smoke-bundle.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/lambda-bundles/', import.meta.url));
let local: LocalEnvironment;
let store: LocalArtifactStore;
let built: string;

beforeAll(async () => {
  local = await startLocalEnvironment();
  store = await LocalArtifactStore.create(local, 'SmokePipeline');
  built = await mkdtemp(join(tmpdir(), 'smoke-bundle-test-'));
});

afterAll(async () => {
  await local.close();
  await rm(built, { recursive: true, force: true });
});

async function smoke(
  name: string,
  options: { timeoutSeconds?: number; files?: Record<string, string>; dir?: string } = {},
) {
  const input = await store.upload(
    'SourceOutput',
    await zipFiles(options.files ?? { 'a.txt': 'a' }),
  );
  const job = local.jobApi.jobs.createJob({
    pipelineName: 'SmokePipeline',
    stageName: 'Gates',
    actionName: name,
    functionName: name,
    inputArtifacts: [input],
    artifactCredentials: store.credentials(),
    encryptionKey: { id: store.encryptionKeyId, type: 'KMS' },
  });
  const outcome = await smokeTestBundle({
    bundle: {
      functionName: name,
      handler: `${name}.handler`,
      bundleDir: options.dir ?? join(FIXTURES, name),
      memoryMb: 256,
      timeoutSeconds: options.timeoutSeconds ?? 10,
    },
    local,
    job,
    startupGraceMs: 500,
  });
  return { ...outcome, job };
}

describe('Function: smokeTestBundle', () => {
  it('runs a built handler with only the Lambda environment, and it answers its job once', async () => {
    // Prepare
    const [bundle] = await buildHandlers({ outdir: built, names: ['release-notes-check'] });

    // Act
    const outcome = await smoke('release-notes-check', {
      dir: join(built, 'release-notes-check'),
      files: { 'release-notes.md': '# Release 2.0\n\n## Changes\n\n- Faster.\n' },
    });

    // Assess
    expect(bundle?.name).toBe('release-notes-check');
    expect(outcome.problems).toEqual([]);
    expect(outcome.summary).toMatch(/^Succeeded \(release-notes\.md: "Release 2\.0"/);
  });

  it('starts node as nodejs24.x does: Lambda variables only, its flags, the task root as cwd', async () => {
    // Act
    const outcome = await smoke('env-probe');
    const probe = JSON.parse(outcome.response ?? '{}');

    // Assess
    const expected = Object.keys(
      lambdaEnvironment({ functionName: 'f', memoryMb: 256, handler: 'h' }),
    ).concat([
      'AWS_ENDPOINT_URL_CODEPIPELINE',
      'AWS_ENDPOINT_URL_S3',
      'AWS_ENDPOINT_URL_STS',
      'AWS_LAMBDA_RUNTIME_API',
      '_X_AMZN_TRACE_ID',
    ]);
    expect(probe.env).toEqual(expected.sort());
    expect(probe.execArgv).toEqual(lambdaNodeFlags(256));
    expect(probe.gc).toBe('function');
    expect(probe.cwd).toBe(probe.taskRoot);
    expect(probe.functionName).toBe('env-probe');
    expect(probe.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(probe.remainingMs).toBeGreaterThan(0);
    expect(outcome.problems).toEqual([
      'the job got no accepted PutJobSuccessResult or PutJobFailureResult',
    ]);
  });

  it.each([
    [
      'callback',
      /^the runtime could not load it: Runtime\.CallbackHandlerDeprecated: .*Node\.js 24/,
    ],
    [
      'throws-at-load',
      /^the runtime could not load it: Runtime\.ImportModuleError: broken at load$/,
    ],
    ['throws', /^the handler threw: TypeError: boom$/],
    ['exits', /^its process exited \(code 3\) before answering the invocation$/],
  ])('fails a bundle that %s', async (name, problem) => {
    // Act
    const outcome = await smoke(name);

    // Assess
    expect(outcome.problems[0]).toMatch(problem);
    expect(outcome.problems).toContain(
      'the job got no accepted PutJobSuccessResult or PutJobFailureResult',
    );
  });

  it('fails a bundle that never answers within its Timeout', async () => {
    // Act
    const outcome = await smoke('hangs', { timeoutSeconds: 1 });

    // Assess
    expect(outcome.problems[0]).toBe('it did not answer the invocation within its Timeout of 1 s');
  });

  it("fails a bundle that prints its job's credentials, and masks them in the output it shows", async () => {
    // Act
    const outcome = await smoke('leaks');

    // Assess
    expect(outcome.problems).toContain(
      'artifact credential field secretAccessKey in its stdout or stderr',
    );
    expect(outcome.output).toBe('key: [REDACTED]\n');
    // The suite's own scan saw the child print it too; that leak is this test's point.
    expect(takeSecretFindings().map((finding) => finding.field)).toEqual(['secretAccessKey']);
  });
});
