/**
 * The embedded CodePipeline job API: an HTTP server on loopback that answers the
 * `@aws-sdk/client-codepipeline` client (and the AWS CLI) with the real wire protocol.
 * Tests use the same server, with the hooks of call-log.ts: every call recorded, and
 * scripted replies for the faults a real endpoint and network produce.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JOB_ID_PATTERN } from '../../api-limits.js';
import { CallLog, type JobApiRequest, type ScriptedReply, type ScriptOptions } from './call-log.js';
import { JobStore } from './job-store.js';
import { OPERATIONS, type OperationContext } from './operations.js';
import { PipelineStateStore } from './pipeline-state-store.js';
import {
  JobApiError,
  type JsonRpcCall,
  parseJsonRpcCall,
  sendError,
  sendErrorAs,
  sendResult,
  TARGET_PREFIX,
} from './protocol.js';
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
  /** Replies for the first calls, in order (then every call is served). For tests. @default [] */
  readonly replies?: readonly ScriptedReply[];
  /**
   * Refuse a second answer to a job, as CodePipeline does. `false` takes every valid
   * answer, so a test can count them. @default true
   */
  readonly oneAnswerPerJob?: boolean;
  /**
   * Take a job id this server never created as a job in progress, for tests that build
   * their own events (the testing kit's `jobEvent`). @default false (JobNotFoundException)
   */
  readonly adoptUnknownJobs?: boolean;
}

export interface JobApi {
  /** `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL_CODEPIPELINE`. */
  readonly endpoint: string;
  readonly port: number;
  readonly jobs: JobStore;
  readonly pipelines: PipelineStateStore;
  /** Every call so far, oldest first (live; the last 10,000). */
  readonly requests: readonly JobApiRequest[];
  /** Calls about one job, in arrival order. */
  requestsFor(jobId: string): JobApiRequest[];
  /** The PutJob*Result calls taken as this job's answer. */
  acceptedAnswers(jobId: string): JobApiRequest[];
  /** Replies for this job's calls, in order, before the shared ones; options for this job only. */
  script(jobId: string, replies: readonly ScriptedReply[], options?: ScriptOptions): void;
  /** The job already has its answer (from another container, or an earlier delivery). */
  closeJob(jobId: string): void;
  close(): Promise<void>;
}

const PUT_RESULT = /^PutJob(Success|Failure)Result$/;

interface Served {
  readonly context: OperationContext;
  readonly log: CallLog;
  readonly adoptUnknownJobs: boolean;
}

function jobIdOf(input: Record<string, unknown>): string | undefined {
  return typeof input.jobId === 'string' ? input.jobId : undefined;
}

/** Runs the operation; a JobApiError is the service's own answer, anything else a bug. */
function serve(call: JsonRpcCall, served: Served): unknown {
  const operation = Object.hasOwn(OPERATIONS, call.operation)
    ? OPERATIONS[call.operation]
    : undefined;
  if (operation === undefined) {
    throw new JobApiError(
      'UnknownOperationException',
      `The embedded CodePipeline does not serve ${call.operation}`,
    );
  }
  const jobId = jobIdOf(call.input);
  if (served.adoptUnknownJobs && jobId !== undefined && JOB_ID_PATTERN.test(jobId)) {
    served.context.jobs.adopt(jobId);
  }
  return operation(call.input, served.context);
}

function sendInternalFailure(res: ServerResponse, error: unknown): void {
  // A bug here must surface as a server error, not as a made-up client exception.
  sendErrorAs(res, 500, 'InternalFailure', String(error));
}

async function handle(req: IncomingMessage, res: ServerResponse, served: Served) {
  const receivedAt = performance.now();
  let call: JsonRpcCall;
  try {
    call = await parseJsonRpcCall(req);
  } catch (error) {
    // Read the rest of a refused request, so the connection stays usable.
    req.resume();
    if (error instanceof JobApiError) sendError(res, error);
    else sendInternalFailure(res, error);
    return;
  }
  const jobId = jobIdOf(call.input);
  const isAnswer = PUT_RESULT.test(call.operation) && jobId !== undefined;
  let reply = served.log.nextReply(jobId);
  // A closed job refuses any further answer, whatever was scripted for this call.
  if (
    isAnswer &&
    reply.kind !== 'hang' &&
    served.log.oneAnswerPerJob(jobId) &&
    served.context.jobs.get(jobId)?.status !== undefined &&
    served.context.jobs.get(jobId)?.status !== 'InProgress'
  ) {
    reply = { kind: 'ok' };
  }
  const entry = served.log.record({
    target: `${TARGET_PREFIX}${call.operation}`,
    operation: call.operation,
    body: call.input,
    ...(jobId !== undefined ? { jobId } : {}),
    reply: reply.kind,
    accepted: false,
    acknowledged: false,
    receivedAt,
  });

  if (reply.kind === 'hang') return; // close() ends it (closeAllConnections)
  if (reply.kind === 'reset') {
    req.socket.destroy();
    return;
  }
  if (reply.kind === 'error') {
    sendErrorAs(res, reply.status, reply.type, reply.message ?? reply.type, reply.body);
    return;
  }

  let output: unknown;
  try {
    output = serve(call, served);
  } catch (error) {
    if (!(error instanceof JobApiError)) {
      sendInternalFailure(res, error);
      return;
    }
    const repeated = error.errorName === 'InvalidJobStateException';
    if (!(repeated && isAnswer && !served.log.oneAnswerPerJob(jobId))) {
      entry.reply = repeated ? 'closed' : 'refused';
      entry.errorName = error.errorName;
      sendError(res, error);
      return;
    }
    // Counting mode: a repeated answer is taken too (the job keeps its first result).
  }
  entry.accepted = isAnswer;
  if (reply.kind === 'accept-then-hang') return;
  if (reply.kind === 'accept-then-reset') {
    req.socket.destroy();
    return;
  }
  sendResult(res, output, () => {
    entry.acknowledged = true;
  });
}

/** Starts the job API and resolves once it listens. */
export async function startJobApi(options: JobApiOptions = {}): Promise<JobApi> {
  const host = options.host ?? '127.0.0.1';
  const jobs = options.jobs ?? new JobStore();
  const pipelines = options.pipelines ?? new PipelineStateStore();
  const log = new CallLog(options.replies ?? [], options.oneAnswerPerJob ?? true);
  const served: Served = {
    context: {
      jobs,
      pipelines,
      region: options.region ?? 'us-east-1',
      outputVariablesSizeLimit:
        options.outputVariablesSizeLimit ?? DEFAULT_OUTPUT_VARIABLES_SIZE_LIMIT,
    },
    log,
    adoptUnknownJobs: options.adoptUnknownJobs ?? false,
  };
  const server = createServer((req, res) => {
    void handle(req, res, served);
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
    requests: log.calls,
    requestsFor: (jobId) => log.calls.filter((call) => call.jobId === jobId),
    acceptedAnswers: (jobId) => log.calls.filter((call) => call.jobId === jobId && call.accepted),
    script: (jobId, replies, scriptOptions) => log.script(jobId, replies, scriptOptions),
    closeJob(jobId) {
      jobs.adopt(jobId);
      if (jobs.get(jobId)?.status === 'InProgress') {
        jobs.recordFailure({
          jobId,
          failureDetails: { type: 'JobFailed', message: 'Answered before this test looked' },
        });
      }
      log.enforceOneAnswer(jobId);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // A second close() (a test's cleanup after its own) has nothing left to do.
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive (and hung replies never end); without
        // this close() waits for them.
        server.closeAllConnections();
      }),
  };
}
