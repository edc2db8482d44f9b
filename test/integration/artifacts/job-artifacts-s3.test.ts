import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArtifactContext, JobArtifacts } from '../../../src/artifacts/index.js';
import { JobFailedError, PermissionError, RevisionUnavailableError } from '../../../src/errors.js';
import {
  accessDeniedResponse,
  type EmbeddedS3,
  startEmbeddedS3,
} from '../../../src/local/embedded-s3.js';
import type { StsStub } from '../../../src/local/sts-stub.js';
import { buildZip } from '../../fixtures/hostile-zips/raw-zip.js';
import { artifactContext, artifactRef } from '../../helpers/artifact-context.js';
import { loopbackAwsEnv, setEnv } from '../../helpers/env.js';
import { SAMPLE_ARTIFACT_CREDENTIALS } from '../../helpers/local-clients.js';
import { startLoopbackSts } from '../../helpers/loopback-aws.js';

const BUCKET = 'artifacts';
const LOCKED_BUCKET = 'locked';
const BIG_ENTRY_BYTES = 64 * 1024 * 1024;

let server: EmbeddedS3;
let sts: StsStub;
let restoreEnv: () => void;
let workDir: string;
let bigEntryHash: string;

const smallZip = buildZip([
  { name: 'README.md', data: Buffer.from('# Build output\n') },
  { name: 'reports/', data: Buffer.alloc(0), method: 0 },
  { name: 'reports/rating.json', data: Buffer.from(JSON.stringify({ ratings: [4, 5, 3] })) },
  { name: 'bin/run.sh', data: Buffer.from('#!/bin/sh\necho ok\n'), unixMode: 0o100755 },
]);

function jobArtifacts(overrides: Partial<ArtifactContext> = {}): JobArtifacts {
  const { context } = artifactContext({
    credentials: { ...SAMPLE_ARTIFACT_CREDENTIALS },
    ...overrides,
  });
  return new JobArtifacts(context);
}

function inputs(...refs: Array<[name: string, key: string, bucket?: string]>) {
  return refs.map(([name, key, bucket]) => artifactRef(name, bucket ?? BUCKET, key));
}

async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

describe('Class: JobArtifacts (S3 on loopback)', () => {
  beforeAll(async () => {
    server = await startEmbeddedS3({ buckets: [BUCKET, LOCKED_BUCKET] });
    sts = await startLoopbackSts();
    restoreEnv = setEnv(loopbackAwsEnv(server.endpoint, sts.endpoint));
    workDir = await mkdtemp(path.join(tmpdir(), 'artifacts-it-'));

    await server.putObject(BUCKET, 'small.zip', smallZip);
    // 64 MiB of random bytes between two small files: a ranged reader must skip it.
    const big = randomBytes(BIG_ENTRY_BYTES);
    bigEntryHash = createHash('sha256').update(big).digest('hex');
    await server.putObject(
      BUCKET,
      'big.zip',
      buildZip([
        { name: 'first.txt', data: Buffer.from('first file\n') },
        { name: 'big.bin', data: big, method: 0 },
        { name: 'last.txt', data: Buffer.from('last file\n') },
      ]),
    );
  });

  afterAll(async () => {
    restoreEnv?.();
    await server?.close();
    await sts?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('lists the entries of an input artifact', async () => {
    // Prepare
    const artifacts = jobArtifacts({ inputs: inputs(['BuildOutput', 'small.zip']) });

    // Act
    const files = await artifacts.input().files();

    // Assess
    expect(files).toEqual([
      { path: 'README.md', size: 15, compressedSize: expect.any(Number), isDirectory: false },
      { path: 'reports/', size: 0, compressedSize: 0, isDirectory: true },
      {
        path: 'reports/rating.json',
        size: 19,
        compressedSize: expect.any(Number),
        isDirectory: false,
      },
      { path: 'bin/run.sh', size: 18, compressedSize: expect.any(Number), isDirectory: false },
    ]);
  });

  it('reads files as bytes, text and JSON', async () => {
    // Prepare
    const artifact = jobArtifacts({ inputs: inputs(['BuildOutput', 'small.zip']) }).input(
      'BuildOutput',
    );

    // Act
    const [bytes, text, json, has, hasFolder, hasMissing] = await Promise.all([
      artifact.read('bin/run.sh'),
      artifact.text('README.md'),
      artifact.json<{ ratings: number[] }>('./reports/rating.json'),
      artifact.has('README.md'),
      artifact.has('reports'),
      artifact.has('nope.txt'),
    ]);

    // Assess
    expect(bytes.toString()).toBe('#!/bin/sh\necho ok\n');
    expect(text).toBe('# Build output\n');
    expect(json.ratings).toEqual([4, 5, 3]);
    expect([has, hasFolder, hasMissing]).toEqual([true, true, false]);
  });

  it('downloads the raw zip', async () => {
    // Prepare
    const artifact = jobArtifacts({ inputs: inputs(['BuildOutput', 'small.zip']) }).input();

    // Act
    const raw = await artifact.download();

    // Assess
    expect(raw.equals(smallZip)).toBe(true);
  });

  it('extracts an artifact into a directory', async () => {
    // Prepare
    const target = path.join(workDir, 'extract-small');
    const artifact = jobArtifacts({ inputs: inputs(['BuildOutput', 'small.zip']) }).input();

    // Act
    const result = await artifact.extractTo(target);

    // Assess
    expect(result).toMatchObject({ files: 3, directories: 1, bytes: 15 + 19 + 18 });
    expect(await listTree(target)).toEqual([
      'README.md',
      'bin',
      'bin/run.sh',
      'reports',
      'reports/rating.json',
    ]);
    expect(await readFile(path.join(target, 'reports/rating.json'), 'utf8')).toContain('ratings');
  });

  it('reads one small file of a 64 MiB artifact with a small fraction of its bytes', async () => {
    // Prepare
    const artifact = jobArtifacts({ inputs: inputs(['BuildOutput', 'big.zip']) }).input();
    server.clearRequests();

    // Act
    const first = await artifact.text('first.txt');
    const last = await artifact.text('last.txt');

    // Assess
    expect(first).toBe('first file\n');
    expect(last).toBe('last file\n');
    const served = server.bytesServed();
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThan(BIG_ENTRY_BYTES / 50);
    // The tail first (a suffix range: it also tells the size, so no HEAD), then ranges.
    expect(server.requests().map((request) => request.method)).not.toContain('HEAD');
    const gets = server.requests().filter((request) => request.method === 'GET');
    expect(gets[0]?.headers.range).toBe('bytes=-65577');
    expect(gets.length).toBeGreaterThan(1);
    expect(
      gets.slice(1).every((request) => /^bytes=\d+-\d+$/.test(String(request.headers.range))),
    ).toBe(true);
  });

  it('streams a large entry with the right content', async () => {
    // Prepare
    const artifact = jobArtifacts({ inputs: inputs(['BuildOutput', 'big.zip']) }).input();
    const hash = createHash('sha256');

    // Act
    for await (const chunk of await artifact.stream('big.bin')) hash.update(chunk as Buffer);

    // Assess
    expect(hash.digest('hex')).toBe(bigEntryHash);
  });

  it('reports a missing object as RevisionUnavailable naming the artifact', async () => {
    // Prepare
    const artifact = jobArtifacts({ inputs: inputs(['SourceOutput', 'gone.zip']) }).input();

    // Act
    const error = await artifact.read('x.txt').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RevisionUnavailableError);
    expect((error as Error).message).toContain('"SourceOutput"');
    expect((error as Error).message).toContain(`s3://${BUCKET}/gone.zip`);
  });

  it('reports a missing bucket as RevisionUnavailable', async () => {
    // Prepare
    const artifact = jobArtifacts({
      inputs: inputs(['SourceOutput', 'any.zip', 'no-such-bucket']),
    }).input();

    // Act
    const error = await artifact.download().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RevisionUnavailableError);
    expect((error as Error).message).toContain('no-such-bucket');
  });

  it('reports access denied as PermissionError naming bucket, key and the denied role', async () => {
    // Prepare
    server.intercept((request) =>
      request.bucket === LOCKED_BUCKET ? accessDeniedResponse() : undefined,
    );
    const artifact = jobArtifacts({
      inputs: inputs(['BuildOutput', 'secret/build.zip', LOCKED_BUCKET]),
    }).input();

    // Act
    const error = await artifact.files().catch((caught: unknown) => caught);
    server.intercept(undefined);

    // Assess
    expect(error).toBeInstanceOf(PermissionError);
    const message = (error as Error).message;
    expect(message).toContain(`bucket ${LOCKED_BUCKET}`);
    expect(message).toContain('key secret/build.zip');
    expect(message).toContain('role PipelineArtifactRole');
    expect(message).not.toContain(SAMPLE_ARTIFACT_CREDENTIALS.sessionToken);
    const identityCall = sts.calls.find((call) => call.Action === 'GetCallerIdentity');
    expect(identityCall).toBeDefined();
  });

  it('says the role could not be determined when STS fails too', async () => {
    // Prepare
    sts.failAction('GetCallerIdentity');
    server.intercept((request) =>
      request.bucket === LOCKED_BUCKET ? accessDeniedResponse() : undefined,
    );
    const artifact = jobArtifacts({
      inputs: inputs(['BuildOutput', 'secret/build.zip', LOCKED_BUCKET]),
    }).input();

    // Act
    const error = await artifact.files().catch((caught: unknown) => caught);
    server.intercept(undefined);
    sts.failAction('GetCallerIdentity', false);

    // Assess
    expect(error).toBeInstanceOf(PermissionError);
    expect((error as Error).message).toContain('could not be determined');
  });

  it('uploads an output with SSE-KMS and the job key, and reads it back', async () => {
    // Prepare
    const ref = artifactRef('GateOutput', BUCKET, 'out/gate.zip');
    const artifacts = jobArtifacts({
      outputs: [ref],
      encryptionKey: { id: 'arn:aws:kms:us-east-1:123456789012:key/test-key', type: 'KMS' },
    });
    server.clearRequests();

    // Act
    const result = await artifacts.output().write({
      'summary.json': JSON.stringify({ verdict: 'pass' }),
      'data/blob.bin': Buffer.from([0, 1, 2, 3]),
      'data/view.txt': new Uint8Array([104, 105]),
    });
    const readBack = jobArtifacts({ inputs: [ref] }).input();

    // Assess
    const put = server.requests().find((request) => request.method === 'PUT');
    expect(put?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(put?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(
      'arn:aws:kms:us-east-1:123456789012:key/test-key',
    );
    expect(result.files).toBe(3);
    expect(result.bytes).toBe(put?.bytesIn);
    expect(await readBack.json('summary.json')).toEqual({ verdict: 'pass' });
    expect([...(await readBack.read('data/blob.bin'))]).toEqual([0, 1, 2, 3]);
    expect(await readBack.text('data/view.txt')).toBe('hi');
  });

  it('uploads a large output directory as a multipart upload', async () => {
    // Prepare
    const source = path.join(workDir, 'large-output');
    await mkdir(path.join(source, 'nested'), { recursive: true });
    const payload = randomBytes(20 * 1024 * 1024);
    await writeFile(path.join(source, 'nested', 'payload.bin'), payload);
    await writeFile(path.join(source, 'small.txt'), 'small');
    const ref = artifactRef('GateOutput', BUCKET, 'out/large.zip');
    server.clearRequests();

    // Act
    const result = await jobArtifacts({ outputs: [ref] })
      .output('GateOutput')
      .write(source);
    const readBack = jobArtifacts({ inputs: [ref] }).input();
    const hash = createHash('sha256');
    for await (const chunk of await readBack.stream('nested/payload.bin')) {
      hash.update(chunk as Buffer);
    }

    // Assess
    const create = server
      .requests()
      .find((request) => request.method === 'POST' && request.url.includes('uploads'));
    const parts = server
      .requests()
      .filter((request) => request.method === 'PUT' && request.url.includes('partNumber='));
    expect(create?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(result.files).toBe(2);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(await readBack.text('small.txt')).toBe('small');
  });

  it('refuses a zip-slip artifact from S3 and writes nothing outside the target', async () => {
    // Prepare
    const hostile = await readFile(
      path.join(import.meta.dirname, '../../fixtures/hostile-zips/zip-slip-dotdot.zip'),
    );
    await server.putObject(BUCKET, 'hostile/slip.zip', hostile);
    const parent = path.join(workDir, 'slip-parent');
    await mkdir(parent);
    const before = await listTree(parent);
    const artifact = jobArtifacts({ inputs: inputs(['BuildOutput', 'hostile/slip.zip']) }).input();

    // Act
    const error = await artifact
      .extractTo(path.join(parent, 'target'))
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toContain('"../evil.txt"');
    // Refused before anything was written: not even the target was created.
    expect(await listTree(parent)).toEqual(before);
  });

  it('assumes a role through STS once per role and options', async () => {
    // Prepare
    const artifacts = jobArtifacts();
    const roleArn = 'arn:aws:iam::210987654321:role/DeployTarget';
    const callsBefore = sts.calls.filter((call) => call.Action === 'AssumeRole').length;

    // Act
    const first = await artifacts.assumeRole(roleArn);
    const second = await artifacts.assumeRole(roleArn);

    // Assess
    const assumeCalls = sts.calls.filter((call) => call.Action === 'AssumeRole');
    expect(assumeCalls.length - callsBefore).toBe(1);
    expect(second).toBe(first);
    expect(first.accessKeyId).toMatch(/^ASIA/);
    expect(assumeCalls.at(-1)?.RoleArn).toBe(roleArn);
    expect(assumeCalls.at(-1)?.RoleSessionName).toMatch(/^codepipeline-11111111-/);
  });
});
