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
import type { JobClientHooks } from '../clients.js';
import { DEFAULT_ACCOUNT_ID } from '../job-event-builder.js';
import { JobApiError } from '../local/job-api/protocol.js';
import {
  validatePutJobFailureResult,
  validatePutJobSuccessResult,
} from '../local/job-api/validation.js';
import { importPeer } from '../optional-peers.js';

/** One AWS call the handler made, as the fake saw it (bodies left out). */
export interface RecordedCall {
  readonly service: 'codepipeline' | 's3' | 'sts';
  readonly operation: string;
  readonly input: Record<string, unknown>;
  /** The exception the fake answered with when it refused the call (a closed job, an invalid value). */
  refused?: string;
}

/** An object stored in the fake S3, with the request that wrote it. */
export interface StoredObject {
  readonly body: Buffer;
  readonly putInput?: Record<string, unknown>;
}

/** The SDK clients the fake serves; each instance is faked on its own. */
type FakedClient = CodePipelineClient | S3Client | STSClient;

/**
 * Stands in for AWS during one `runJob`: S3 serves objects from memory (ranged GETs
 * included) and keeps what is uploaded, STS answers with a fake identity, and
 * CodePipeline records the result calls, checked by the embedded job API's rules
 * (local/job-api/validation.ts), so a value CodePipeline would refuse is refused here.
 *
 * It fakes only the job's own client instances, handed over through the invocation's
 * {@link JobClientHooks}: the CodePipeline client the engine reports with, and the S3
 * and STS clients it builds for the job. Every other client in the process, and a
 * user's own `mockClient(S3Client)`, is left alone during and after the run.
 */
export class FakeAws {
  readonly calls: RecordedCall[] = [];
  readonly objects = new Map<string, StoredObject>();
  /** Bytes of object content the fake S3 sent in GetObject responses. */
  bytesServed = 0;
  /** The client the engine reports this job with. */
  readonly codePipeline: CodePipelineClient;

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

  readonly #mockClient: typeof MockClient;

  private constructor(mockClient: typeof MockClient) {
    this.#mockClient = mockClient;
    this.codePipeline = new CodePipelineClient({ region: 'us-east-1', maxAttempts: 1 });
    this.#fakeCodePipeline(this.codePipeline);
  }

  /** The hooks `runJob` puts on the Lambda context; each run starts with no job answered. */
  hooks(): JobClientHooks {
    return {
      codePipeline: () => this.codePipeline,
      adoptClient: (client) => this.adopt(client),
      answeredJobs: new Set<string>(),
    };
  }

  /** Fakes one client the engine built for the job (S3 or STS); other clients are left alone. */
  adopt(client: object): void {
    if (client instanceof S3Client) this.#fakeS3(client);
    else if (client instanceof STSClient) this.#fakeSts(client);
    else if (client instanceof CodePipelineClient) this.#fakeCodePipeline(client);
  }

  #mock<Client extends FakedClient>(client: Client) {
    // aws-sdk-client-mock restores a stub it finds on `send` before stubbing: on an
    // instance whose `send` is inherited from a user's mockClient(S3Client), that would
    // undo the user's mock. An own `send` keeps the stub on this instance alone.
    const inherited = client.send;
    Object.defineProperty(client, 'send', {
      value: function send(this: Client, ...args: unknown[]) {
        return (inherited as (...args: unknown[]) => unknown).apply(this, args);
      },
      writable: true,
      configurable: true,
    });
    const mock = this.#mockClient(client as never);
    this.#mocks.push(mock);
    return mock;
  }

  #fakeCodePipeline(client: CodePipelineClient): void {
    const codePipeline = this.#mock(client);
    codePipeline.on(PutJobSuccessResultCommand).callsFake((input) => {
      const call = this.#record('codepipeline', 'PutJobSuccessResult', input);
      refusedAs(call, () => {
        validatePutJobSuccessResult(wireInput(input));
        this.#closeJob(input.jobId);
      });
      return {};
    });
    codePipeline.on(PutJobFailureResultCommand).callsFake((input) => {
      const call = this.#record('codepipeline', 'PutJobFailureResult', input);
      refusedAs(call, () => {
        validatePutJobFailureResult(wireInput(input));
        this.#closeJob(input.jobId);
      });
      return {};
    });
  }

  #fakeS3(client: S3Client): void {
    const s3 = this.#mock(client);
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
  }

  #fakeSts(client: STSClient): void {
    const sts = this.#mock(client);
    sts.on(GetCallerIdentityCommand).callsFake((input) => {
      this.#record('sts', 'GetCallerIdentity', input);
      return {
        Account: DEFAULT_ACCOUNT_ID,
        Arn: `arn:aws:sts::${DEFAULT_ACCOUNT_ID}:assumed-role/demo-pipeline-role/session`,
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

  #record(service: RecordedCall['service'], operation: string, input: object): RecordedCall {
    const call: RecordedCall = { service, operation, input: { ...input } };
    this.calls.push(call);
    return call;
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

/** The SDK input as it goes over the wire (JSON: timestamps in epoch seconds), for the validators. */
function wireInput(input: object): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(input, (_key, value: unknown) =>
      value instanceof Date ? value.getTime() / 1000 : value,
    ),
  ) as Record<string, unknown>;
}

/**
 * Runs the checks of one call; a refusal is noted on the call and thrown as the typed
 * exception the SDK would throw (a job API refusal becomes its CodePipeline exception).
 */
function refusedAs(call: RecordedCall, check: () => void): void {
  try {
    check();
  } catch (error) {
    const refusal =
      error instanceof JobApiError
        ? new CodePipelineServiceException({
            name: error.errorName,
            $fault: 'client',
            $metadata: { httpStatusCode: error.statusCode },
            message: error.message,
          })
        : error;
    call.refused = (refusal as Error).name;
    throw refusal;
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
