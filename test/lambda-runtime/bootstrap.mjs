// The runtime side of a Lambda execution environment, small: what Lambda's nodejs24.x
// runtime does between the Runtime API and a function's handler. It loads `_HANDLER`
// from LAMBDA_TASK_ROOT the way the runtime interface client does (the file part tried
// as is, then with .js, .mjs and .cjs), refuses callback-style handlers as nodejs24.x
// does, then loops: GET the next invocation, call `handler(event, context)`, POST the
// result or the error. Plain JavaScript with no dependencies, because it runs in a
// process that has nothing but the Lambda environment.
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function call(method, path, body, headers = {}) {
  const [host, port] = API.split(':');
  return new Promise((resolve, reject) => {
    const sent = request(
      { host, port: Number(port), method, path: `/2018-06-01/runtime${path}`, agent, headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ headers: response.headers, body: text }));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

function errorBody(error, errorType) {
  const isError = error instanceof Error;
  return JSON.stringify({
    errorType: errorType ?? (isError ? error.name : 'Error'),
    errorMessage: isError ? error.message : String(error),
    trace: isError && error.stack ? error.stack.split('\n') : [],
  });
}

function postError(path, error, errorType) {
  const body = errorBody(error, errorType);
  return call('POST', path, body, {
    'Content-Type': 'application/json',
    'Lambda-Runtime-Function-Error-Type': errorType ?? 'Runtime.Unknown',
  });
}

async function loadHandler() {
  const spec = process.env._HANDLER ?? '';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0)
    throw Object.assign(new Error(`Bad handler ${spec}`), { type: 'Runtime.MalformedHandlerName' });
  const stem = join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), spec.slice(0, dot));
  const file = ['', '.js', '.mjs', '.cjs']
    .map((extension) => stem + extension)
    .find((path) => existsSync(path));
  if (file === undefined) {
    throw Object.assign(new Error(`Cannot find module '${spec.slice(0, dot)}'`), {
      type: 'Runtime.ImportModuleError',
    });
  }
  const module = await import(pathToFileURL(file).href);
  const handler = module[spec.slice(dot + 1)];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${spec} is undefined or not exported`), {
      type: 'Runtime.HandlerNotFound',
    });
  }
  if (handler.length >= 3) {
    throw Object.assign(
      new Error(
        'AWS Lambda has removed support for callback-based function handlers starting with Node.js 24.',
      ),
      { type: 'Runtime.CallbackHandlerDeprecated' },
    );
  }
  return handler;
}

function contextFrom(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

let handler;
try {
  handler = await loadHandler();
} catch (error) {
  await postError('/init/error', error, error?.type ?? 'Runtime.ImportModuleError');
  process.exit(1);
}

let current;
process.on('uncaughtException', async (error) => {
  if (current !== undefined)
    await postError(`/invocation/${current}/error`, error, 'Runtime.UncaughtException');
  process.exit(1);
});

for (;;) {
  const next = await call('GET', '/invocation/next');
  const context = contextFrom(next.headers);
  current = context.awsRequestId;
  if (next.headers['lambda-runtime-trace-id'])
    process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
  try {
    const result = await handler(JSON.parse(next.body), context);
    await call('POST', `/invocation/${current}/response`, JSON.stringify(result ?? null), {
      'Content-Type': 'application/json',
    });
  } catch (error) {
    await postError(`/invocation/${current}/error`, error);
  }
  current = undefined;
}
