/**
 * The embedded CodePipeline job API: an HTTP server on loopback that answers the
 * `@aws-sdk/client-codepipeline` client (and the AWS CLI) with the real wire protocol.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JobStore } from './job-store.js';
import { OPERATIONS, type OperationContext } from './operations.js';
import { PipelineStateStore } from './pipeline-state-store.js';
import { JobApiError, parseJsonRpcCall, sendError, sendResult } from './protocol.js';
import { DEFAULT_OUTPUT_VARIABLES_SIZE_LIMIT } from './validation.js';

export interface JobApiOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default a new, empty JobStore */
  readonly jobs?: JobStore;
  /** @default a new, empty PipelineStateStore */
  readonly pipelines?: PipelineStateStore;
  /** Used in ARNs the API returns. @default 'us-east-1' */
  readonly region?: string;
  /** @default DEFAULT_OUTPUT_VARIABLES_SIZE_LIMIT (122,880 bytes) */
  readonly outputVariablesSizeLimit?: number;
}

export interface JobApi {
  /** `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL_CODEPIPELINE`. */
  readonly endpoint: string;
  readonly port: number;
  readonly jobs: JobStore;
  readonly pipelines: PipelineStateStore;
  close(): Promise<void>;
}

async function handle(req: IncomingMessage, res: ServerResponse, context: OperationContext) {
  try {
    const call = await parseJsonRpcCall(req);
    const operation = Object.hasOwn(OPERATIONS, call.operation)
      ? OPERATIONS[call.operation]
      : undefined;
    if (operation === undefined) {
      throw new JobApiError(
        'UnknownOperationException',
        `The embedded CodePipeline does not serve ${call.operation}`,
      );
    }
    sendResult(res, operation(call.input, context));
  } catch (error) {
    if (error instanceof JobApiError) {
      sendError(res, error);
      return;
    }
    // A bug here must surface as a server error, not as a made-up client exception.
    const body = JSON.stringify({ __type: 'InternalFailure', message: String(error) });
    res.writeHead(500, {
      'Content-Type': 'application/x-amz-json-1.1',
      'x-amzn-ErrorType': 'InternalFailure',
    });
    res.end(body);
  }
}

/** Starts the job API and resolves once it listens. */
export async function startJobApi(options: JobApiOptions = {}): Promise<JobApi> {
  const host = options.host ?? '127.0.0.1';
  const jobs = options.jobs ?? new JobStore();
  const pipelines = options.pipelines ?? new PipelineStateStore();
  const context: OperationContext = {
    jobs,
    pipelines,
    region: options.region ?? 'us-east-1',
    outputVariablesSizeLimit:
      options.outputVariablesSizeLimit ?? DEFAULT_OUTPUT_VARIABLES_SIZE_LIMIT,
  };
  const server = createServer((req, res) => {
    void handle(req, res, context);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    jobs,
    pipelines,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; without this close() waits for them.
        server.closeAllConnections();
      }),
  };
}
