import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { DEFAULT_ACCOUNT_ID } from '../job-event-builder.js';

export interface LambdaContextOptions {
  /** Milliseconds the invocation has when it starts. @default 30000 */
  remainingTimeMs?: number;
  /** @default 'my-gate' */
  functionName?: string;
  /** The region in `invokedFunctionArn`. @default 'us-east-1' */
  region?: string;
  /** `memoryLimitInMB`, as Lambda gives it (a string). @default 512 */
  memoryMb?: number;
  /** `awsRequestId`, also the end of `logStreamName`. @default a random UUID */
  requestId?: string;
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
  const requestId = options.requestId ?? randomUUID();
  const deadline = Date.now() + (options.remainingTimeMs ?? 30_000);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region ?? 'us-east-1'}:${DEFAULT_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 512),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    // Like Lambda's own runtime, it does not stop at 0 once the deadline has passed.
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
