/**
 * The AWS of one `runJob`: the project's own local fakes, the ones the CLI runs on.
 * The CodePipeline job API (local/job-api) judges the answer with the API's rules, the
 * STS stub serves AssumeRole and identity lookups, and the embedded S3 (s3rver behind
 * its recording proxy) serves the artifacts. They listen on 127.0.0.1 for this run
 * only; the job's own clients reach them through the invocation's `JobClientHooks`,
 * and what the handler called is read back from the servers' own records.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { JobClientHooks } from '../clients.js';
import type { EmbeddedS3, S3RequestRecord } from '../local/embedded-s3.js';
import { type JobApi, type JobApiRequest, startJobApi } from '../local/job-api/index.js';
import { type StsCall, type StsStub, startStsStub } from '../local/sts-stub.js';
import { MissingPeerError, missingPeers } from '../optional-peers.js';
import type { ArtifactLocation } from './job-event.js';

/** One AWS call the handler made, as the local service received it. */
export interface RecordedCall {
  readonly service: 'codepipeline' | 's3' | 'sts';
  /** The API operation: `GetObject`, `PutObject`, `AssumeRole`, `PutJobSuccessResult`... */
  readonly operation: string;
  /**
   * The call's parameters: CodePipeline's JSON body; for S3 the bucket, key and the
   * headers and query parameters the kit reads (`Range`, `ServerSideEncryption`,
   * `SSEKMSKeyId`, `UploadId`, `PartNumber`), bodies left out; STS's form fields.
   */
  readonly input: Record<string, unknown>;
  /** The exception CodePipeline answered with when it refused the call (a closed job, an invalid value). */
  readonly refused?: string;
}

/** What the function's own STS and CodePipeline calls sign with during a run (never checked). */
const FUNCTION_CREDENTIALS = {
  accessKeyId: 'AKIATESTINGKIT000000',
  secretAccessKey: 'testing-kit-function-key',
} as const;

/** The access key the embedded S3's own helpers sign with: their requests are the kit's, not the handler's. */
const EMBEDDED_S3_HELPER_KEY = 'S3RVER';

export class RunAws {
  readonly #jobApi: JobApi;
  readonly #sts: StsStub;
  readonly #s3: EmbeddedS3 | undefined;
  readonly #codePipeline: CodePipelineClient;

  private constructor(jobApi: JobApi, sts: StsStub, s3: EmbeddedS3 | undefined) {
    this.#jobApi = jobApi;
    this.#sts = sts;
    this.#s3 = s3;
    this.#codePipeline = new CodePipelineClient({
      endpoint: jobApi.endpoint,
      region: 'us-east-1',
      credentials: FUNCTION_CREDENTIALS,
      // report.ts retries with a timeout per attempt; the SDK's retries would hide its attempts.
      maxAttempts: 1,
    });
    pinSdkSend(this.#codePipeline);
  }

  /**
   * Starts the servers the run needs: the job API and STS always, S3 when the job has
   * artifacts (its buckets created, the inputs' zips stored). s3rver is the kit's
   * optional peer: without it, a MissingPeerError naming the install command.
   */
  static async start(artifacts: {
    readonly inputs: readonly (ArtifactLocation & { readonly zip?: Buffer })[];
    readonly outputs: readonly ArtifactLocation[];
  }): Promise<RunAws> {
    const missing = missingPeers(['s3rver']);
    if (missing.length > 0) throw new MissingPeerError('the testing kit', missing);
    const started: { close(): Promise<void> }[] = [];
    try {
      // A job nobody created (the kit builds its own events) is taken as in progress.
      const jobApi = await startJobApi({ adoptUnknownJobs: true });
      started.push(jobApi);
      const sts = await startStsStub();
      started.push(sts);
      const locations = [...artifacts.inputs, ...artifacts.outputs];
      let s3: EmbeddedS3 | undefined;
      if (locations.length > 0) {
        const { startEmbeddedS3 } = await import('../local/embedded-s3.js');
        s3 = await startEmbeddedS3();
        started.push(s3);
        // Its own helper client too: a user's mockClient(S3Client) would answer it.
        pinSdkSend(s3.client());
        for (const bucket of new Set(locations.map((location) => location.bucket))) {
          await s3.createBucket(bucket);
        }
        for (const input of artifacts.inputs) {
          if (input.zip) await s3.putObject(input.bucket, input.key, input.zip);
        }
      }
      return new RunAws(jobApi, sts, s3);
    } catch (error) {
      await Promise.all(started.map((server) => server.close()));
      throw error;
    }
  }

  /** The hooks `runJob` puts on the Lambda context; each run starts with no job answered. */
  hooks(): JobClientHooks {
    return {
      codePipeline: () => this.#codePipeline,
      endpoints: {
        ...(this.#s3 ? { s3: this.#s3.endpoint } : {}),
        sts: this.#sts.endpoint,
        functionCredentials: FUNCTION_CREDENTIALS,
      },
      adoptClient: pinSdkSend,
      answeredJobs: new Set<string>(),
    };
  }

  /** The answer CodePipeline took for the job: the first PutJob*Result it accepted. */
  answer(jobId: string): RecordedCall | undefined {
    const [accepted] = this.#jobApi.acceptedAnswers(jobId);
    return accepted && codePipelineCall(accepted);
  }

  /** Every call the handler's job clients made, in the order the services received them. */
  calls(): RecordedCall[] {
    const received: { at: number; call: RecordedCall }[] = [
      ...this.#jobApi.requests.map((call) => ({
        at: call.receivedAt,
        call: codePipelineCall(call),
      })),
      ...this.#handlerS3Requests().map((request) => ({
        at: request.receivedAt,
        call: s3Call(request),
      })),
      ...this.#sts.calls.map((call) => ({ at: call.receivedAt, call: stsCall(call) })),
    ];
    return received.sort((a, b) => a.at - b.at).map(({ call }) => call);
  }

  /** Bytes of object content S3 sent to the handler (GET answers; ranged reads count what was sent). */
  bytesServed(): number {
    return this.#handlerS3Requests()
      .filter((request) => request.method === 'GET' && request.key !== undefined)
      .filter((request) => request.statusCode >= 200 && request.statusCode < 300)
      .reduce((total, request) => total + request.bytesOut, 0);
  }

  /** The object at `location`, or undefined when the handler did not write it. */
  async object(location: ArtifactLocation): Promise<Buffer | undefined> {
    if (!this.#s3) return undefined;
    try {
      return await this.#s3.getObject(location.bucket, location.key);
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.#codePipeline.destroy();
    await Promise.all([this.#jobApi.close(), this.#sts.close(), this.#s3?.close()]);
  }

  #handlerS3Requests(): readonly S3RequestRecord[] {
    return (this.#s3?.requests() ?? []).filter(
      (request) => request.accessKeyId !== EMBEDDED_S3_HELPER_KEY,
    );
  }
}

/**
 * aws-sdk-client-mock's `mockClient(S3Client)` stubs `send` on `S3Client.prototype`, so
 * every instance, the job's own included, would be answered by the user's mock. The
 * job's clients get the SDK's own `send` (the one the client base class defines) as an
 * own property, so their calls reach the kit's servers whatever the user mocked, and
 * the user's mock is left as it is.
 */
function pinSdkSend(client: object): void {
  let send: unknown;
  for (
    let proto = Object.getPrototypeOf(client);
    proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    const own: unknown = Object.getOwnPropertyDescriptor(proto, 'send')?.value;
    if (typeof own === 'function') send = own;
  }
  if (typeof send !== 'function') return;
  Object.defineProperty(client, 'send', { value: send, writable: true, configurable: true });
}

function codePipelineCall(call: JobApiRequest): RecordedCall {
  return {
    service: 'codepipeline',
    operation: call.operation,
    input: call.body,
    ...(call.errorName !== undefined ? { refused: call.errorName } : {}),
  };
}

function stsCall({ Action, Version, receivedAt, ...form }: StsCall): RecordedCall {
  return { service: 'sts', operation: String(Action), input: form };
}

/** The S3 operation of a path-style request, as the SDK names it. */
function s3Operation(method: string, query: URLSearchParams, key: string | undefined): string {
  if (key === undefined) {
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
  }
  const upload = query.has('uploadId');
  switch (method) {
    case 'GET':
      return upload ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      return upload ? 'UploadPart' : 'PutObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      return upload ? 'CompleteMultipartUpload' : 'PostObject';
    case 'DELETE':
      return upload ? 'AbortMultipartUpload' : 'DeleteObject';
    default:
      return method;
  }
}

function s3Call(request: S3RequestRecord): RecordedCall {
  const query = new URL(request.url, 'http://embedded-s3').searchParams;
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const input = Object.fromEntries(
    Object.entries({
      Bucket: request.bucket,
      Key: request.key,
      Range: header('range'),
      ServerSideEncryption: header('x-amz-server-side-encryption'),
      SSEKMSKeyId: header('x-amz-server-side-encryption-aws-kms-key-id'),
      UploadId: query.get('uploadId') ?? undefined,
      PartNumber: query.has('partNumber') ? Number(query.get('partNumber')) : undefined,
    }).filter(([, value]) => value !== undefined),
  );
  return { service: 's3', operation: s3Operation(request.method, query, request.key), input };
}
