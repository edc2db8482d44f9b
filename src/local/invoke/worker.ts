/**
 * The entry point of a handler process: a stand-in for a Lambda execution environment.
 * It loads the handler module once (the init phase), then runs one invocation per
 * `invoke` message with a Lambda-like context, and tells the parent how the call ended.
 * Whether the job was answered is not its business: the job API knows that.
 */
import { pathToFileURL } from 'node:url';
import { lambdaContext } from '../../testing/lambda-context.js';
import type { InvokeMessage, WorkerMessage } from './worker-protocol.js';

type LambdaHandler = (event: unknown, context: unknown, callback?: unknown) => unknown;

const modules = new Map<string, Promise<Record<string, unknown>>>();

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

async function loadHandler(file: string, exportName: string): Promise<LambdaHandler> {
  let loading = modules.get(file);
  if (loading === undefined) {
    loading = import(pathToFileURL(file).href) as Promise<Record<string, unknown>>;
    modules.set(file, loading);
  }
  const module = await loading;
  const handler = module[exportName];
  if (typeof handler !== 'function') {
    const exported = Object.keys(module).filter((key) => typeof module[key] === 'function');
    throw new Error(
      `${file} has no function export "${exportName}"${exported.length > 0 ? ` (function exports: ${exported.join(', ')})` : ''}`,
    );
  }
  return handler as LambdaHandler;
}

/** The invocation's context: the testing kit's, with this invocation's name, id, memory and time. */
function contextOf(message: InvokeMessage) {
  return lambdaContext({
    functionName: message.functionName,
    requestId: message.requestId,
    memoryMb: message.memoryMb,
    remainingTimeMs: message.timeoutMs,
    region: process.env.AWS_REGION ?? 'us-east-1',
  });
}

/** Calls the handler: promise style, or callback style when it takes three arguments. */
function call(handler: LambdaHandler, event: unknown, context: unknown): Promise<unknown> {
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const callback = (error: unknown, result: unknown) =>
        error ? reject(error) : resolve(result);
      const returned = handler(event, context, callback);
      if (returned instanceof Promise) returned.then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}

async function invoke(message: InvokeMessage): Promise<void> {
  const { requestId } = message;
  let handler: LambdaHandler;
  try {
    handler = await loadHandler(message.file, message.exportName);
  } catch (error) {
    send({ type: 'finished', requestId, kind: 'load-error', message: describe(error) });
    return;
  }
  send({ type: 'started', requestId });
  try {
    await call(handler, message.event, contextOf(message));
    send({ type: 'finished', requestId, kind: 'returned' });
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? describe(error)) : describe(error));
    send({ type: 'finished', requestId, kind: 'threw', message: describe(error) });
  }
}

process.on('message', (message: InvokeMessage) => {
  if (message?.type === 'invoke') void invoke(message);
});
// Lambda's Node runtime logs unhandled rejections and ends the invocation with an error;
// logging is enough here: the parent still sees the job's answer (or its absence).
process.on('unhandledRejection', (reason) => {
  console.error('Unhandled promise rejection:', reason);
});
// The CLI is gone (or closed the pool): nothing will invoke this process again.
process.on('disconnect', () => process.exit(0));
