import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { DEFAULT_ACCOUNT_ID } from '../job-event-builder.js';

export interface LambdaContextOptions {
  /** Milliseconds the invocation has when it starts. @default 30000 */
  remainingTimeMs?: number;
  /** @default 'my-gate' */
  functionName?: string;
}

/**
 * A Lambda context whose `getRemainingTimeInMillis()` counts down from `remainingTimeMs`.
 *
 * @example
 * ```ts
 * const context = lambdaContext({ remainingTimeMs: 1000 });
 * await handler(jobEvent(), context);
 * ```
 */
export function lambdaContext(options: LambdaContextOptions = {}): Context {
  const functionName = options.functionName ?? 'my-gate';
  const deadline = Date.now() + (options.remainingTimeMs ?? 30_000);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${DEFAULT_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
