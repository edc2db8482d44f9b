/**
 * The Lambda side of the Runtime API (version 2018-06-01) on loopback: the runtime in
 * the function's process long-polls `GET /invocation/next`, answers with
 * `POST /invocation/{id}/response` or `/error`, and reports a failed start with
 * `POST /init/error`. One `invoke` hands out one event, with the headers Lambda sends
 * (request id, deadline, function ARN, trace id), and resolves with what came back.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type InvocationEnd =
  | { readonly kind: 'response'; readonly body: string }
  | { readonly kind: 'error'; readonly body: string; readonly errorType: string | undefined };

export interface RuntimeApi {
  /** `127.0.0.1:<port>`: the value for AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** Queues one invocation; resolves when the runtime answers it. */
  invoke(
    event: unknown,
    options: { functionArn: string; timeoutMs: number },
  ): Promise<InvocationEnd>;
  /** Resolves with the init error body if the runtime reports one. */
  readonly initError: Promise<string>;
  /** How many answers (responses and errors) each request id got. */
  readonly answers: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

interface Pending {
  readonly id: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly settle: (end: InvocationEnd) => void;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startRuntimeApi(): Promise<RuntimeApi> {
  const queue: Pending[] = [];
  const waiting: ServerResponse[] = [];
  const inFlight = new Map<string, Pending>();
  const answers = new Map<string, number>();
  let reportInitError: (body: string) => void = () => {};
  const initError = new Promise<string>((resolve) => {
    reportInitError = resolve;
  });

  const deliver = () => {
    while (queue.length > 0 && waiting.length > 0) {
      const next = queue.shift() as Pending;
      const response = waiting.shift() as ServerResponse;
      inFlight.set(next.id, next);
      response.writeHead(200, { 'Content-Type': 'application/json', ...next.headers });
      response.end(next.body);
    }
  };

  const server = createServer((request, response) => {
    void (async () => {
      const path = request.url ?? '';
      const body = await readBody(request);
      if (request.method === 'GET' && path === '/2018-06-01/runtime/invocation/next') {
        waiting.push(response);
        deliver();
        return;
      }
      const answer = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
      if (request.method === 'POST' && answer !== null) {
        const id = decodeURIComponent(answer[1] ?? '');
        answers.set(id, (answers.get(id) ?? 0) + 1);
        const pending = inFlight.get(id);
        inFlight.delete(id);
        response.writeHead(pending ? 202 : 400, { 'Content-Type': 'application/json' });
        response.end(pending ? '{"status":"OK"}' : '{"errorType":"InvalidRequestID"}');
        const errorType = request.headers['lambda-runtime-function-error-type'];
        pending?.settle(
          answer[2] === 'response'
            ? { kind: 'response', body }
            : {
                kind: 'error',
                body,
                errorType: Array.isArray(errorType) ? errorType[0] : errorType,
              },
        );
        return;
      }
      if (request.method === 'POST' && path === '/2018-06-01/runtime/init/error') {
        response.writeHead(202).end('{"status":"OK"}');
        reportInitError(body);
        return;
      }
      response.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    initError,
    answers,
    invoke(event, options) {
      return new Promise((settle) => {
        const id = randomUUID();
        queue.push({
          id,
          body: JSON.stringify(event),
          headers: {
            'Lambda-Runtime-Aws-Request-Id': id,
            'Lambda-Runtime-Deadline-Ms': String(Date.now() + options.timeoutMs),
            'Lambda-Runtime-Invoked-Function-Arn': options.functionArn,
            'Lambda-Runtime-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Sampled=0`,
          },
          settle,
        });
        deliver();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of waiting) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
