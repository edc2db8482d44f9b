import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the scripted endpoint answers one request. */
export type ScriptedReply =
  | { kind: 'ok' }
  /** An error reply; `body` replaces the `{ __type, message }` body written from `type`. */
  | { kind: 'error'; status: number; type: string; message?: string; body?: string }
  /** Never answer (the client's own timeout must end the call). CodePipeline did not take it. */
  | { kind: 'hang' }
  /** Drop the connection without an answer (ECONNRESET at the client). CodePipeline did not take it. */
  | { kind: 'reset' }
  /** CodePipeline takes the answer, then the response is lost: it never arrives. */
  | { kind: 'accept-then-hang' }
  /** CodePipeline takes the answer, then the connection drops before the response. */
  | { kind: 'accept-then-reset' };

export interface RecordedRequest {
  readonly target: string;
  readonly body: Record<string, unknown>;
  /** `body.jobId`, when there is one. */
  readonly jobId?: string;
  /** What the endpoint did: the scripted reply, or `closed` for a job that already had its answer. */
  readonly reply: ScriptedReply['kind'] | 'closed';
  /** CodePipeline took this PutJob*Result as the job's answer (whether or not the client heard so). */
  readonly accepted: boolean;
  /** The client received the 200 (set once the response is flushed). */
  readonly acknowledged: boolean;
}

export interface ScriptedCodePipelineOptions {
  /**
   * Answer as CodePipeline does: a job takes one answer, and a PutJob*Result for a job
   * that already has one gets InvalidJobStateException.
   * @default false (every PutJob*Result is taken, so a second answer shows as a second acceptance)
   */
  readonly oneAnswerPerJob?: boolean;
}

const PUT_RESULT = /\.PutJob(Success|Failure)Result$/;

/**
 * A loopback HTTP endpoint that answers like CodePipeline's JSON 1.1 API, one scripted
 * reply per request (then `ok`), so tests can drive the real SDK through throttling, a
 * hung or dropped connection, a lost response, and the exceptions CodePipeline returns.
 * Replies scripted for a job id (`script`) come first; the constructor's list serves
 * every other request. Every request is recorded with what happened to it.
 */
export async function startScriptedCodePipeline(
  replies: ScriptedReply[] = [],
  options: ScriptedCodePipelineOptions = {},
) {
  const requests: RecordedRequest[] = [];
  const perJob = new Map<string, ScriptedReply[]>();
  const perJobOneAnswer = new Set<string>();
  const closedJobs = new Set<string>();
  const hung: ServerResponse[] = [];
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<
      string,
      unknown
    >;
    const jobId = typeof body.jobId === 'string' ? body.jobId : undefined;
    const isAnswer = PUT_RESULT.test(target) && jobId !== undefined;
    const enforce = options.oneAnswerPerJob === true || perJobOneAnswer.has(jobId ?? '');
    let reply: ScriptedReply | { kind: 'closed' } = (jobId !== undefined
      ? perJob.get(jobId)?.shift()
      : undefined) ??
      replies.shift() ?? { kind: 'ok' };
    // A closed job refuses any further answer, whatever was scripted for this call.
    if (isAnswer && enforce && closedJobs.has(jobId) && reply.kind !== 'hang') {
      reply = { kind: 'closed' };
    }
    const accepted =
      isAnswer &&
      (reply.kind === 'ok' ||
        reply.kind === 'accept-then-hang' ||
        reply.kind === 'accept-then-reset');
    if (accepted) closedJobs.add(jobId);
    const recorded = {
      target,
      body,
      ...(jobId !== undefined ? { jobId } : {}),
      reply: reply.kind,
      accepted,
      acknowledged: false,
    };
    requests.push(recorded);

    if (reply.kind === 'hang' || reply.kind === 'accept-then-hang') {
      hung.push(response);
      return;
    }
    if (reply.kind === 'reset' || reply.kind === 'accept-then-reset') {
      request.socket.destroy();
      return;
    }
    response.setHeader('content-type', 'application/x-amz-json-1.1');
    if (reply.kind === 'ok') {
      response.end('{}', () => {
        recorded.acknowledged = true;
      });
      return;
    }
    const error =
      reply.kind === 'closed'
        ? { status: 400, type: 'InvalidJobStateException', message: `Job ${jobId} is closed` }
        : reply;
    response.statusCode = error.status;
    response.setHeader('x-amzn-errortype', error.type);
    response.end(
      'body' in error && error.body !== undefined
        ? error.body
        : JSON.stringify({ __type: error.type, message: error.message ?? error.type }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: requests as readonly RecordedRequest[],
    /** Replies for this job's requests, in order, before the shared list; `oneAnswerPerJob` for this job only. */
    script(
      jobId: string,
      jobReplies: ScriptedReply[],
      jobOptions: ScriptedCodePipelineOptions = {},
    ) {
      perJob.set(jobId, [...jobReplies]);
      if (jobOptions.oneAnswerPerJob) perJobOneAnswer.add(jobId);
    },
    /** The job already has its answer (from another container, or an earlier delivery). */
    closeJob(jobId: string) {
      closedJobs.add(jobId);
      perJobOneAnswer.add(jobId);
    },
    /** Requests about one job, in arrival order. */
    requestsFor(jobId: string): RecordedRequest[] {
      return requests.filter((request) => request.jobId === jobId);
    },
    /** The PutJob*Result calls CodePipeline took as this job's answer. */
    acceptedAnswers(jobId: string): RecordedRequest[] {
      return requests.filter((request) => request.jobId === jobId && request.accepted);
    },
    async close() {
      for (const response of hung) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type ScriptedCodePipeline = Awaited<ReturnType<typeof startScriptedCodePipeline>>;
