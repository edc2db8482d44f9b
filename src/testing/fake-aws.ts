import { Readable } from 'node:stream';
import {
  CodePipelineClient,
  CodePipelineServiceException,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { mockClient as MockClient } from 'aws-sdk-client-mock';
import { importPeer } from '../optional-peers.js';

/** One AWS call the handler made, as the fake saw it (bodies left out). */
export interface RecordedCall {
  readonly service: 'codepipeline' | 's3' | 'sts';
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** An object stored in the fake S3, with the request that wrote it. */
export interface StoredObject {
  readonly body: Buffer;
  readonly putInput?: Record<string, unknown>;
}

/**
 * Stands in for AWS during one `runJob`: S3 serves objects from memory (ranged GETs
 * included) and keeps what is uploaded, STS answers with a fake identity, and
 * CodePipeline records the result calls. It works by mocking the SDK clients'
 * prototypes with aws-sdk-client-mock, so every client instance the handler builds
 * (lazily, with any credentials) is covered; `restore()` puts the SDK back.
 */
export class FakeAws {
  readonly calls: RecordedCall[] = [];
  readonly objects = new Map<string, StoredObject>();
  /** Bytes of object content the fake S3 sent in GetObject responses. */
  bytesServed = 0;

  readonly #uploads = new Map<
    string,
    { key: string; parts: Map<number, Buffer>; input: Record<string, unknown> }
  >();
  readonly #mocks: { restore(): void }[] = [];
  readonly #closedJobs = new Set<string>();

  /** Loads aws-sdk-client-mock (an optional peer: a clear error when it is missing), then builds the fake. */
  static async create(): Promise<FakeAws> {
    const { mockClient } = await importPeer<typeof import('aws-sdk-client-mock')>(
      'aws-sdk-client-mock',
      'the testing kit',
    );
    return new FakeAws(mockClient);
  }

  private constructor(mockClient: typeof MockClient) {
    const s3 = mockClient(S3Client);
    const sts = mockClient(STSClient);
    const codePipeline = mockClient(CodePipelineClient);
    this.#mocks.push(s3, sts, codePipeline);

    codePipeline.on(PutJobSuccessResultCommand).callsFake((input) => {
      this.#record('codepipeline', 'PutJobSuccessResult', input);
      this.#closeJob(input.jobId);
      return {};
    });
    codePipeline.on(PutJobFailureResultCommand).callsFake((input) => {
      this.#record('codepipeline', 'PutJobFailureResult', input);
      this.#closeJob(input.jobId);
      return {};
    });

    s3.on(HeadObjectCommand).callsFake((input) => {
      this.#record('s3', 'HeadObject', input);
      const object = this.#find(input.Bucket, input.Key);
      return { ContentLength: object.body.length };
    });
    s3.on(GetObjectCommand).callsFake((input) => {
      this.#record('s3', 'GetObject', input);
      const object = this.#find(input.Bucket, input.Key);
      const total = object.body.length;
      const range = parseRange(input.Range, total);
      const slice = range ? object.body.subarray(range.start, range.end + 1) : object.body;
      this.bytesServed += slice.length;
      return {
        Body: sdkBody(slice),
        ContentLength: slice.length,
        ...(range ? { ContentRange: `bytes ${range.start}-${range.end}/${total}` } : {}),
      };
    });
    s3.on(PutObjectCommand).callsFake(async (input) => {
      const { Body, ...rest } = input;
      this.#record('s3', 'PutObject', rest);
      this.objects.set(`${input.Bucket}/${input.Key}`, {
        body: await toBuffer(Body),
        putInput: rest,
      });
      return { ETag: '"fake"' };
    });
    s3.on(CreateMultipartUploadCommand).callsFake((input) => {
      this.#record('s3', 'CreateMultipartUpload', input);
      const uploadId = `upload-${this.#uploads.size + 1}`;
      this.#uploads.set(uploadId, { key: `${input.Bucket}/${input.Key}`, parts: new Map(), input });
      return { UploadId: uploadId, Bucket: input.Bucket, Key: input.Key };
    });
    s3.on(UploadPartCommand).callsFake(async (input) => {
      const { Body, ...rest } = input;
      this.#record('s3', 'UploadPart', rest);
      this.#uploads
        .get(String(input.UploadId))
        ?.parts.set(Number(input.PartNumber), await toBuffer(Body));
      return { ETag: `"part-${input.PartNumber}"` };
    });
    s3.on(CompleteMultipartUploadCommand).callsFake((input) => {
      this.#record('s3', 'CompleteMultipartUpload', input);
      const upload = this.#uploads.get(String(input.UploadId));
      if (upload) {
        const parts = [...upload.parts.entries()].sort(([a], [b]) => a - b).map(([, body]) => body);
        this.objects.set(upload.key, { body: Buffer.concat(parts), putInput: upload.input });
      }
      return { ETag: '"fake-multipart"' };
    });
    s3.on(AbortMultipartUploadCommand).callsFake((input) => {
      this.#record('s3', 'AbortMultipartUpload', input);
      this.#uploads.delete(String(input.UploadId));
      return {};
    });

    sts.on(GetCallerIdentityCommand).callsFake((input) => {
      this.#record('sts', 'GetCallerIdentity', input);
      return {
        Account: '111111111111',
        Arn: 'arn:aws:sts::111111111111:assumed-role/demo-pipeline-role/session',
        UserId: 'AROAEXAMPLE:session',
      };
    });
    sts.on(AssumeRoleCommand).callsFake((input) => {
      this.#record('sts', 'AssumeRole', input);
      return {
        Credentials: {
          AccessKeyId: 'ASIAFAKEASSUMEDROLE',
          SecretAccessKey: 'fake-assumed-role-secret',
          SessionToken: 'fake-assumed-role-token',
          Expiration: new Date(Date.now() + 3600_000),
        },
        AssumedRoleUser: {
          Arn: `${input.RoleArn}/${input.RoleSessionName}`,
          AssumedRoleId: 'AROAFAKE',
        },
      };
    });
  }

  putObject(bucket: string, key: string, body: Buffer): void {
    this.objects.set(`${bucket}/${key}`, { body });
  }

  getObject(bucket: string, key: string): StoredObject | undefined {
    return this.objects.get(`${bucket}/${key}`);
  }

  restore(): void {
    for (const mock of this.#mocks) mock.restore();
  }

  /** Like CodePipeline: a job takes one answer; a second one is an InvalidJobStateException. */
  #closeJob(jobId: string | undefined): void {
    if (this.#closedJobs.has(String(jobId))) {
      throw new CodePipelineServiceException({
        name: 'InvalidJobStateException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `Job ${jobId} is already closed`,
      });
    }
    this.#closedJobs.add(String(jobId));
  }

  #record(service: RecordedCall['service'], operation: string, input: object): void {
    this.calls.push({ service, operation, input: { ...input } });
  }

  #find(bucket: string | undefined, key: string | undefined): StoredObject {
    const object = this.objects.get(`${bucket}/${key}`);
    if (object) return object;
    throw new S3ServiceException({
      name: 'NoSuchKey',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
      message: 'The specified key does not exist.',
    });
  }
}

/** `bytes=a-b`, `bytes=a-` and `bytes=-n` as S3 reads them; undefined for a whole-object GET. */
export function parseRange(
  header: string | undefined,
  total: number,
): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return undefined;
  if (from === '') {
    const length = Math.min(Number(to), total);
    return { start: total - length, end: total - 1 };
  }
  const start = Number(from);
  const end = to === '' ? total - 1 : Math.min(Number(to), total - 1);
  if (start >= total || end < start) {
    throw new S3ServiceException({
      name: 'InvalidRange',
      $fault: 'client',
      $metadata: { httpStatusCode: 416 },
      message: 'The requested range is not satisfiable',
    });
  }
  return { start, end };
}

/** A response body with the SDK's stream helpers, as the real client returns. */
function sdkBody(bytes: Buffer) {
  const stream = Readable.from([bytes]);
  return Object.assign(stream, {
    transformToByteArray: async () => new Uint8Array(bytes),
    transformToString: async (encoding?: BufferEncoding) => bytes.toString(encoding ?? 'utf8'),
    transformToWebStream: () => Readable.toWeb(Readable.from([bytes])),
  });
}

async function toBuffer(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }
  throw new TypeError(`The fake S3 cannot read a body of type ${typeof body}`);
}
