/**
 * What Lambda's `nodejs24.x` runtime gives a function's process, as far as it can be
 * reproduced on a CI machine: the environment variables Lambda defines, and the node
 * flags its bootstrap script starts node with. Used by the Lambda test pass (the whole
 * suite in this environment) and by the bundle smoke run (each built handler in a fresh
 * process with only these variables).
 *
 * Sources: the Lambda developer guide (defined runtime environment variables; the
 * removal of callback-based handlers in Node.js 24), and the runtime's bootstrap and
 * runtime interface client (aws/aws-lambda-nodejs-runtime-interface-client).
 *
 * Not reproduced here: the read-only file system outside /tmp (CI runs as root, so
 * permissions cannot enforce it), Amazon Linux 2023 itself, the runtime's console
 * patching (timestamp, request id and level prefixed to console lines), and
 * NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem (the file exists only on Lambda).
 */
import { randomBytes } from 'node:crypto';

export const LAMBDA_RUNTIME = 'nodejs24.x';

export interface LambdaFunctionSettings {
  readonly functionName: string;
  /** `MemorySize` in MB. */
  readonly memoryMb: number;
  /** `Handler`, e.g. `feedback-gate.handler`. */
  readonly handler: string;
  /** @default '/var/task' */
  readonly taskRoot?: string;
  /** @default '/var/runtime' */
  readonly runtimeDir?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
}

/** The variables Lambda sets for a function's process (execution role keys are dummies). */
export function lambdaEnvironment(fn: LambdaFunctionSettings): Record<string, string> {
  const taskRoot = fn.taskRoot ?? '/var/task';
  const runtimeDir = fn.runtimeDir ?? '/var/runtime';
  const region = fn.region ?? 'us-east-1';
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    _HANDLER: fn.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${LAMBDA_RUNTIME}`,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${today}/[$LATEST]${randomBytes(16).toString('hex')}`,
    // The execution role's session; invented, the local services accept any key.
    AWS_ACCESS_KEY_ID: 'ASIAEXECUTIONROLE000',
    AWS_SECRET_ACCESS_KEY: 'execution-role-secret-for-the-lambda-pass',
    AWS_SESSION_TOKEN: 'execution-role-session-token-for-the-lambda-pass',
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: runtimeDir,
    // Lambda documents the value as ":UTC" (the leading colon names a tz database file).
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    LD_LIBRARY_PATH: `/var/lang/lib:/lib64:/usr/lib64:${runtimeDir}:${runtimeDir}/lib:${taskRoot}:${taskRoot}/lib:/opt/lib`,
    // Set by the bootstrap when the function does not set it: layers first, then the runtime, then the code.
    NODE_PATH: `/opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:${runtimeDir}/node_modules:${runtimeDir}:${taskRoot}`,
  };
}

/**
 * The node flags the bootstrap starts the runtime with. The heap follows the
 * function's memory: the bootstrap gives a tenth of it to V8's new space and the rest
 * to the old space; the semi-space flag is a third of the new space, as V8's young
 * generation is three semi-spaces (that last step is our reading: the published
 * excerpts of the nodejs24.x bootstrap stop before it). `--expose-gc` and the 80 KiB
 * HTTP header limit are in every Node.js bootstrap Lambda has published.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  const semiSpace = Math.floor(newSpace / 3);
  const oldSpace = memoryMb - newSpace;
  return [
    '--expose-gc',
    '--max-http-header-size=81920',
    `--max-semi-space-size=${semiSpace}`,
    `--max-old-space-size=${oldSpace}`,
  ];
}

/** Callback-style handlers (three or more parameters) are refused by nodejs24.x. */
export const CALLBACK_HANDLER_ERROR =
  'AWS Lambda has removed support for callback-based function handlers starting with Node.js 24';
