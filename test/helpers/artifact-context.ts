/** Shared builders for the artifacts tests (unit and integration). */
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { ByteSource } from '../../src/artifacts/byte-source.js';
import {
  type ArtifactContext,
  type ArtifactLimits,
  type InputArtifact,
  JobArtifacts,
} from '../../src/artifacts/index.js';
import type { ArtifactRef } from '../../src/event.js';
import { createJsonLogger } from '../../src/logger.js';
import { Redactor } from '../../src/redact.js';
import { type Segment, segmentLength } from '../fixtures/hostile-zips/raw-zip.js';

export const JOB_ID = '11111111-2222-4333-8444-555555555555';

/** An S3 error as the SDK throws it: `name` is S3's error code, with the HTTP status. */
export function s3Error(name: string, status: number, message: string): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'REQ123' },
    message,
  });
}

/** Distinctive values so a test can search every message and log line for them. */
export const SECRET_CREDENTIALS = Object.freeze({
  accessKeyId: 'AKIATESTACCESSKEY123',
  secretAccessKey: 'secret/Key+VeryPrivate0123456789abcdefghij',
  sessionToken: 'session-token-IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE',
});

export function artifactRef(
  name: string,
  bucket = 'artifact-bucket',
  key = `pipeline/${name}/abc123.zip`,
): ArtifactRef {
  return { name, revision: 'rev-1', bucket, key };
}

/** A context plus the log lines it produced. */
export function artifactContext(overrides: Partial<ArtifactContext> = {}): {
  context: ArtifactContext;
  logs: string[];
} {
  const logs: string[] = [];
  const redactor = overrides.redactor ?? new Redactor();
  const context: ArtifactContext = {
    jobId: JOB_ID,
    credentials: { ...SECRET_CREDENTIALS },
    encryptionKey: undefined,
    inputs: [artifactRef('BuildOutput')],
    outputs: [artifactRef('GateOutput')],
    logger: createJsonLogger({
      keys: { jobId: JOB_ID },
      redactor,
      level: 'debug',
      sink: (line) => logs.push(line),
    }),
    redactor,
    ...overrides,
  };
  return { context, logs };
}

/** A GetObject body the way the SDK hands it out in Node: a stream that can also buffer itself. */
export function s3Body(bytes: Buffer): Readable & { transformToByteArray(): Promise<Uint8Array> } {
  const stream = Readable.from([bytes]) as Readable & {
    transformToByteArray(): Promise<Uint8Array>;
  };
  stream.transformToByteArray = async () => new Uint8Array(bytes);
  return stream;
}

/**
 * Serves `zip` through the mocked S3 and returns the job's only input artifact over
 * it: a fresh artifact per call, so nothing is cached between two calls.
 */
export function inputServing(
  s3Mock: AwsClientStub<S3Client>,
  zip: Buffer,
  limits?: Partial<ArtifactLimits>,
): InputArtifact {
  s3Mock.on(HeadObjectCommand).resolves({ ContentLength: zip.length, ETag: '"e"' });
  s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: s3Body(zip) }));
  return new JobArtifacts(artifactContext(limits ? { limits } : {}).context).input();
}

/** Every path below `dir` (files and folders), sorted. */
export async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

/** The error `promise` rejects with; throws (failing the test) when it resolves instead. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  const result = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(result instanceof Error)) throw new Error('expected a failure, got success');
  return result;
}

/** A ByteSource over segments (virtual zeros are never allocated) that counts what is read. */
export class CountingSource implements ByteSource {
  readonly size: number;
  readonly #segments: Segment[];
  bytesRead = 0;
  reads = 0;

  constructor(segments: Segment[] | Buffer) {
    this.#segments = Buffer.isBuffer(segments) ? [segments] : segments;
    this.size = this.#segments.reduce((total, segment) => total + segmentLength(segment), 0);
  }

  async read(start: number, end: number): Promise<Buffer> {
    this.reads++;
    this.bytesRead += end - start;
    return this.#slice(start, end);
  }

  async stream(start: number, end: number): Promise<Readable> {
    this.reads++;
    const self = this;
    return Readable.from(
      (async function* chunks() {
        for (let at = start; at < end; at += 1024 * 1024) {
          const to = Math.min(end, at + 1024 * 1024);
          self.bytesRead += to - at;
          yield self.#slice(at, to);
        }
      })(),
    );
  }

  #slice(start: number, end: number): Buffer {
    const parts: Buffer[] = [];
    let offset = 0;
    for (const segment of this.#segments) {
      const length = segmentLength(segment);
      const from = Math.max(start, offset);
      const to = Math.min(end, offset + length);
      if (from < to) {
        parts.push(
          Buffer.isBuffer(segment)
            ? segment.subarray(from - offset, to - offset)
            : Buffer.alloc(to - from),
        );
      }
      offset += length;
    }
    return Buffer.concat(parts);
  }
}
