import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  accessDeniedResponse,
  type EmbeddedS3,
  startEmbeddedS3,
} from '../../../src/local/embedded-s3.js';
import { SAMPLE_ARTIFACT_CREDENTIALS } from '../../helpers/local-clients.js';

let s3: EmbeddedS3;
let client: S3Client;

// A handler's client: no endpoint in code, the job's artifact credentials. The SDK reads
// AWS_ENDPOINT_URL_S3 when a request is sent, so it stays set for the whole file.
function artifactClient(extra: { forcePathStyle?: boolean } = {}): S3Client {
  return new S3Client({
    region: 'us-east-1',
    credentials: SAMPLE_ARTIFACT_CREDENTIALS,
    maxAttempts: 1,
    ...extra,
  });
}

beforeAll(async () => {
  s3 = await startEmbeddedS3();
  vi.stubEnv('AWS_ENDPOINT_URL_S3', s3.endpoint);
  await s3.createBucket('artifacts');
  await s3.createBucket('strict-artifacts', { requireSseKms: true });
  client = artifactClient({ forcePathStyle: true });
});

afterAll(async () => {
  client.destroy();
  await s3.close();
  vi.unstubAllEnvs();
});

const text = async (output: { Body?: { transformToString(): Promise<string> } }) =>
  (await output.Body?.transformToString()) ?? '';

describe('Function: startEmbeddedS3', () => {
  it('listens on 127.0.0.1 and keeps its data in a temporary folder', () => {
    // Assess
    expect(s3.endpoint).toBe(`http://127.0.0.1:${s3.port}`);
    expect(existsSync(s3.directory)).toBe(true);
  });

  it('serves put and get signed with arbitrary artifact credentials, and records the key used', async () => {
    // Act
    await client.send(
      new PutObjectCommand({ Bucket: 'artifacts', Key: 'dir/hello.txt', Body: 'hello world' }),
    );
    const output = await client.send(
      new GetObjectCommand({ Bucket: 'artifacts', Key: 'dir/hello.txt' }),
    );

    // Assess
    expect(await text(output)).toBe('hello world');
    const seen = s3.requests().filter((entry) => entry.key === 'dir/hello.txt');
    expect(seen.map((entry) => entry.accessKeyId)).toEqual([
      SAMPLE_ARTIFACT_CREDENTIALS.accessKeyId,
      SAMPLE_ARTIFACT_CREDENTIALS.accessKeyId,
    ]);
  });

  it('uses path-style addressing for its loopback endpoint even without forcePathStyle', async () => {
    // Prepare
    const plain = artifactClient();

    // Act
    const output = await plain.send(
      new GetObjectCommand({ Bucket: 'artifacts', Key: 'dir/hello.txt' }),
    );

    // Assess
    expect(await text(output)).toBe('hello world');
    plain.destroy();
  });

  it('serves ranged GETs', async () => {
    // Prepare
    await s3.putObject('artifacts', 'range.txt', '0123456789');

    // Act
    const output = await client.send(
      new GetObjectCommand({ Bucket: 'artifacts', Key: 'range.txt', Range: 'bytes=3-6' }),
    );

    // Assess
    expect(output.ContentRange).toBe('bytes 3-6/10');
    expect(await text(output)).toBe('3456');
  });

  it('serves a suffix range as S3 does: the last bytes, the whole of a shorter object, 416 for an empty one', async () => {
    // Prepare: s3rver alone reads `bytes=-N` as the first N + 1 bytes.
    await s3.putObject('artifacts', 'suffix.txt', '0123456789');
    await s3.putObject('artifacts', 'empty.txt', '');
    const get = (Key: string, Range: string) =>
      client.send(new GetObjectCommand({ Bucket: 'artifacts', Key, Range }));

    // Act
    const last = await get('suffix.txt', 'bytes=-3');
    const whole = await get('suffix.txt', 'bytes=-30');
    const empty = await get('empty.txt', 'bytes=-3').catch((caught: unknown) => caught);
    const missing = await get('nothing-here.txt', 'bytes=-3').catch((caught: unknown) => caught);

    // Assess
    expect(last.ContentRange).toBe('bytes 7-9/10');
    expect(await text(last)).toBe('789');
    expect(whole.ContentRange).toBe('bytes 0-9/10');
    expect(await text(whole)).toBe('0123456789');
    expect(empty).toMatchObject({ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
    expect(missing).toMatchObject({ name: 'NoSuchKey' });
  });

  it('stores a streamed (aws-chunked) upload without its framing', async () => {
    // Act
    await client.send(
      new PutObjectCommand({
        Bucket: 'artifacts',
        Key: 'streamed.txt',
        Body: Readable.from([Buffer.from('stream '), Buffer.from('data')]),
        ContentLength: 11,
      }),
    );

    // Assess
    expect((await s3.getObject('artifacts', 'streamed.txt')).toString()).toBe('stream data');
  });

  it('completes a multipart upload with SSE-KMS and serves the whole object back', async () => {
    // Prepare: two parts, the first at the 5 MiB minimum
    const big = Buffer.alloc(5 * 1024 * 1024 + 10, 'a');
    big.write('END', big.length - 3);

    // Act
    await new Upload({
      client,
      params: {
        Bucket: 'strict-artifacts',
        Key: 'big.zip',
        Body: Readable.from([big, Buffer.from('tail')]),
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'arn:aws:kms:us-east-1:123456789012:key/big',
      },
      partSize: 5 * 1024 * 1024,
    }).done();
    const stored = await s3.getObject('strict-artifacts', 'big.zip');

    // Assess
    expect(stored.length).toBe(big.length + 4);
    expect(stored.subarray(-7).toString()).toBe('ENDtail');
    expect(s3.objectEncryption('strict-artifacts', 'big.zip')).toEqual({
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/big',
    });
    expect(s3.requests().some((entry) => entry.key === 'big.zip' && entry.method === 'POST')).toBe(
      true,
    );
  });

  it('accepts x-amz-server-side-encryption: aws:kms and reports it on GET and HEAD', async () => {
    // Act
    await client.send(
      new PutObjectCommand({
        Bucket: 'artifacts',
        Key: 'kms.zip',
        Body: 'secret',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'key-1',
      }),
    );
    const get = await client.send(new GetObjectCommand({ Bucket: 'artifacts', Key: 'kms.zip' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'artifacts', Key: 'kms.zip' }));

    // Assess
    expect(await text(get)).toBe('secret');
    expect(get.ServerSideEncryption).toBe('aws:kms');
    expect(get.SSEKMSKeyId).toBe('key-1');
    expect(head.ServerSideEncryption).toBe('aws:kms');
  });

  it('refuses a write without SSE-KMS to a bucket that requires it', async () => {
    // Act
    const attempt = client.send(
      new PutObjectCommand({ Bucket: 'strict-artifacts', Key: 'plain.zip', Body: 'x' }),
    );

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('removes its data folder on close', async () => {
    // Prepare
    const other = await startEmbeddedS3();
    await other.createBucket('gone');

    // Act
    await other.close();

    // Assess
    expect(existsSync(other.directory)).toBe(false);
  });

  it('creates the buckets it is asked for before it is handed out', async () => {
    // Prepare
    const other = await startEmbeddedS3({ buckets: ['first', 'second'] });

    // Act
    await other.putObject('second', 'k.txt', 'v');

    // Assess
    expect((await other.getObject('second', 'k.txt')).toString()).toBe('v');
    await other.close();
  });

  it('counts the bytes it served and the bytes it received, from a clean slate', async () => {
    // Prepare
    await s3.putObject('artifacts', 'count.txt', '0123456789');
    s3.clearRequests();

    // Act
    const get = await client.send(new GetObjectCommand({ Bucket: 'artifacts', Key: 'count.txt' }));
    await text(get);
    await client.send(new PutObjectCommand({ Bucket: 'artifacts', Key: 'up.txt', Body: 'abc' }));

    // Assess
    expect(s3.bytesServed()).toBe(10);
    expect(s3.requests().map((entry) => [entry.method, entry.url, entry.statusCode])).toEqual([
      ['GET', '/artifacts/count.txt?x-id=GetObject', 200],
      ['PUT', '/artifacts/up.txt?x-id=PutObject', 200],
    ]);
    expect(s3.requests()[1]?.bytesIn).toBe(3);
  });

  it('answers what an interceptor says instead of s3rver, until it is removed', async () => {
    // Prepare
    await s3.putObject('artifacts', 'guarded.txt', 'inside');
    s3.intercept((request) => (request.key === 'guarded.txt' ? accessDeniedResponse() : undefined));

    // Act
    const denied = client.send(new GetObjectCommand({ Bucket: 'artifacts', Key: 'guarded.txt' }));
    await expect(denied).rejects.toMatchObject({ name: 'AccessDenied' });
    s3.intercept(undefined);
    const allowed = await client.send(
      new GetObjectCommand({ Bucket: 'artifacts', Key: 'guarded.txt' }),
    );

    // Assess
    expect(await text(allowed)).toBe('inside');
  });

  it('drops the connection for a reset fault, and cuts a body short for reset-mid-body', async () => {
    // Prepare
    await s3.putObject('artifacts', 'cut.bin', Buffer.alloc(64 * 1024, 7));
    s3.clearRequests();

    // Act
    s3.intercept(() => ({ fault: 'reset' }));
    const reset = client.send(new HeadObjectCommand({ Bucket: 'artifacts', Key: 'cut.bin' }));
    await expect(reset).rejects.toThrow();
    s3.intercept(() => ({ fault: 'reset-mid-body' }));
    const cut = client
      .send(new GetObjectCommand({ Bucket: 'artifacts', Key: 'cut.bin' }))
      .then((output) => output.Body?.transformToByteArray());
    await expect(cut).rejects.toThrow();
    s3.intercept(undefined);

    // Assess
    const [first, second] = s3.requests();
    expect(first).toMatchObject({ method: 'HEAD', statusCode: 0, bytesOut: 0 });
    expect(second?.method).toBe('GET');
    expect(second?.bytesOut).toBeGreaterThan(0);
    expect(second?.bytesOut).toBeLessThan(64 * 1024);
  });
});
