import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import JSZip from 'jszip';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobArtifacts } from '../../../src/artifacts/index.js';
import { ConfigurationError, PermissionError } from '../../../src/errors.js';
import { artifactContext, SECRET_CREDENTIALS, s3Error } from '../../helpers/artifact-context.js';

// The collection itself is `gc()`, a non-configurable global where Node runs with
// --expose-gc (as in the Lambda pass), so the test counts calls of the one place that
// makes it instead of stubbing `gc`.
const collections = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../src/artifacts/dead-buffers.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/artifacts/dead-buffers.js')>()),
  collectDeadBuffers: () => {
    collections.count++;
  },
}));

const s3Mock = mockClient(S3Client);
const stsMock = mockClient(STSClient);
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
let workDir: string;

/** Captures the uploaded zip and returns its entries. */
function captureUpload(): () => Promise<Record<string, string>> {
  let body: Uint8Array | undefined;
  s3Mock.on(PutObjectCommand).callsFake((input: { Body: Uint8Array }) => {
    body = input.Body;
    return { ETag: '"etag"' };
  });
  return async () => {
    if (!body) throw new Error('nothing was uploaded');
    const zip = await JSZip.loadAsync(body);
    const files: Record<string, string> = {};
    for (const [name, file] of Object.entries(zip.files)) {
      files[name] = file.dir ? '<dir>' : await file.async('string');
    }
    return files;
  };
}

describe('Class: OutputArtifact', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'output-unit-'));
  });
  beforeEach(() => {
    // lib-storage resolves the endpoint itself, so it needs a region even with a mocked client.
    vi.stubEnv('AWS_REGION', 'us-east-1');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    s3Mock.reset();
    stsMock.reset();
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('uploads with SSE-KMS and the job key id when the job has an encryption key', async () => {
    // Prepare
    const uploaded = captureUpload();
    const { context } = artifactContext({ encryptionKey: { id: KEY_ARN, type: 'KMS' } });

    // Act
    const result = await new JobArtifacts(context).output().write({ 'a.txt': 'alpha' });

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'artifact-bucket',
      Key: 'pipeline/GateOutput/abc123.zip',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: KEY_ARN,
      ContentType: 'application/zip',
    });
    expect(result.files).toBe(1);
    expect(await uploaded()).toEqual({ 'a.txt': 'alpha' });
  });

  it('uploads a large output in 5 MiB parts, asking for a collection after each finished part', async () => {
    // Prepare
    const partSizes: number[] = [];
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3Mock.on(UploadPartCommand).callsFake((input: { Body: Uint8Array; PartNumber: number }) => {
      partSizes.push(input.Body.byteLength);
      return { ETag: `"part-${input.PartNumber}"` };
    });
    s3Mock.on(CompleteMultipartUploadCommand).resolves({});
    collections.count = 0;
    const { context } = artifactContext();

    // Act: 12 MiB of random bytes, stored, so the zip is a little over 12 MiB.
    const result = await new JobArtifacts(context)
      .output()
      .write({ 'random.bin': randomBytes(12 * 1024 * 1024) });

    // Assess
    expect(partSizes.slice(0, -1)).toEqual([5 * 1024 * 1024, 5 * 1024 * 1024]);
    expect(partSizes).toHaveLength(3);
    expect(result.bytes).toBe(partSizes.reduce((sum, size) => sum + size, 0));
    expect(collections.count).toBeGreaterThanOrEqual(partSizes.length);
  });

  it('uploads with SSE-KMS and no key id when the job has no encryption key', async () => {
    // Prepare
    captureUpload();
    const { context } = artifactContext();

    // Act
    await new JobArtifacts(context).output().write({ 'a.txt': 'alpha' });

    // Assess
    const input = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input?.ServerSideEncryption).toBe('aws:kms');
    expect(input).not.toHaveProperty('SSEKMSKeyId');
  });

  it('zips a directory tree, keeping empty folders and skipping links', async () => {
    // Prepare
    const uploaded = captureUpload();
    const source = path.join(workDir, 'tree');
    await mkdir(path.join(source, 'nested', 'deeper'), { recursive: true });
    await mkdir(path.join(source, 'empty'), { recursive: true });
    await writeFile(path.join(source, 'top.txt'), 'top');
    await writeFile(path.join(source, 'nested', 'deeper', 'leaf.txt'), 'leaf');
    await symlink('/etc/hostname', path.join(source, 'link.txt'));
    const { context, logs } = artifactContext();

    // Act
    const result = await new JobArtifacts(context).output().write(source);

    // Assess
    expect(result.files).toBe(2);
    expect(await uploaded()).toEqual({
      'empty/': '<dir>',
      'nested/': '<dir>',
      'nested/deeper/': '<dir>',
      'nested/deeper/leaf.txt': 'leaf',
      'top.txt': 'top',
    });
    expect(logs.some((line) => line.includes('link.txt') && line.includes('Skipping'))).toBe(true);
  });

  it('keeps the executable bit of files written from a directory', async () => {
    // Prepare
    let body: Uint8Array | undefined;
    s3Mock.on(PutObjectCommand).callsFake((input: { Body: Uint8Array }) => {
      body = input.Body;
      return { ETag: '"etag"' };
    });
    const source = path.join(workDir, 'modes');
    await mkdir(source, { recursive: true });
    await writeFile(path.join(source, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o750 });
    await writeFile(path.join(source, 'data.txt'), 'plain', { mode: 0o600 });
    const { context } = artifactContext();

    // Act
    await new JobArtifacts(context).output().write(source);

    // Assess
    const zip = await JSZip.loadAsync(body as Uint8Array);
    const mode = (name: string) => Number(zip.file(name)?.unixPermissions) & 0o777;
    expect([mode('run.sh'), mode('data.txt')]).toEqual([0o755, 0o644]);
  });

  it('refuses a directory holding a file whose name no zip entry may have', async () => {
    // Prepare
    const source = path.join(workDir, 'backslash');
    await mkdir(source, { recursive: true });
    await writeFile(path.join(source, 'a\\b.txt'), 'x');
    const { context } = artifactContext();

    // Act
    const error = await new JobArtifacts(context)
      .output()
      .write(source)
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('"a\\b.txt"');
    expect((error as Error).message).toContain('backslash');
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it.each(['../escape.txt', '/abs.txt', 'C:/x.txt', 'a\\b.txt', 'folder/'])(
    'refuses to write an entry named %j',
    async (name) => {
      // Prepare
      const { context } = artifactContext();

      // Act
      const error = await new JobArtifacts(context)
        .output()
        .write({ [name]: 'x' })
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain(name);
      expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
    },
  );

  it('reports a missing region as a ConfigurationError', async () => {
    // Prepare
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent');
    const { context } = artifactContext();

    // Act
    const error = await new JobArtifacts(context)
      .output()
      .write({ 'a.txt': 'x' })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('AWS_REGION');
  });

  it('refuses a path that is not a directory', async () => {
    // Prepare
    const { context } = artifactContext();

    // Act
    const error = await new JobArtifacts(context)
      .output()
      .write(path.join(workDir, 'does-not-exist'))
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('is not a directory');
  });

  it('maps a denied upload to a PermissionError naming bucket and key without secrets', async () => {
    // Prepare
    s3Mock
      .on(PutObjectCommand)
      .rejects(s3Error('AccessDenied', 403, `denied for ${SECRET_CREDENTIALS.accessKeyId}`));
    stsMock.on(GetCallerIdentityCommand).resolves({
      Arn: 'arn:aws:sts::123456789012:assumed-role/PipelineRole/s',
    });
    const { context } = artifactContext();

    // Act
    const error = await new JobArtifacts(context)
      .output()
      .write({ 'a.txt': 'x' })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(PermissionError);
    const message = (error as Error).message;
    expect(message).toContain('write artifact "GateOutput"');
    expect(message).toContain('bucket artifact-bucket');
    expect(message).toContain('role PipelineRole');
    expect(message).not.toContain(SECRET_CREDENTIALS.accessKeyId);
  });
});
