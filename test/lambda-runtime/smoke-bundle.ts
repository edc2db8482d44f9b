/**
 * Runs one built handler bundle the way Lambda's nodejs24.x runtime would, once: a
 * copy of its folder as the task root, a fresh `node` with only the Lambda environment
 * (plus endpoint overrides pointing at the local services), started with the
 * runtime's node flags, our bootstrap as the runtime, and a Runtime API on loopback
 * that hands it the job's event. Then it checks what a pipeline depends on: the bundle
 * loaded, the handler resolved, the job got exactly one answer that the job API
 * accepted, and no artifact credential showed up in the output or the answer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalEnvironment } from '../../src/local/environment.js';
import type { JobStatus, LocalJob } from '../../src/local/job-api/index.js';
import { Redactor } from '../../src/redact.js';
import { findSecrets, StreamScanner } from '../helpers/secret-scan.js';
import { lambdaEnvironment, lambdaNodeFlags } from './lambda-environment.js';
import { type InvocationEnd, startRuntimeApi } from './runtime-api.js';

const BOOTSTRAP = fileURLToPath(new URL('./bootstrap.mjs', import.meta.url));
const RUNTIME_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface BundleUnderTest {
  readonly functionName: string;
  /** `Handler` of the template, e.g. `handlers/feedback-gate.handler`. */
  readonly handler: string;
  /** The folder that becomes the task root (what `sam build` puts in ARTIFACTS_DIR). */
  readonly bundleDir: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** The function's own Environment.Variables from the template. */
  readonly variables?: Readonly<Record<string, string>>;
}

export interface SmokeOutcome {
  /** Empty when the bundle did everything right. */
  readonly problems: string[];
  /** How the job ended, e.g. `Succeeded (3 checks passed)`. */
  readonly summary: string;
  /** The process's stdout and stderr, artifact credentials masked. */
  readonly output: string;
  /** What the handler resolved with, as the runtime posted it (credentials masked). */
  readonly response: string | undefined;
}

type RunEnd =
  | InvocationEnd
  | { readonly kind: 'init-error'; readonly body: string }
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: string | null }
  | { readonly kind: 'timeout' };

/** Counts the `PutJob*Result` calls the job API receives, and keeps their bodies. */
function watchAnswers(port: number) {
  const bodies: string[] = [];
  const onRequest = (message: unknown) => {
    const request = (message as { request: IncomingMessage }).request;
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.socket.localPort !== port || !/\.PutJob(Success|Failure)Result$/.test(target)) {
      return;
    }
    const index = bodies.push('') - 1;
    const push = request.push;
    request.push = function collect(this: IncomingMessage, chunk: unknown, ...rest: unknown[]) {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) {
        bodies[index] += Buffer.from(chunk).toString('utf8');
      }
      return (push as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as IncomingMessage['push'];
  };
  subscribe('http.server.request.start', onRequest);
  return { bodies, stop: () => unsubscribe('http.server.request.start', onRequest) };
}

function describeError(body: string): string {
  try {
    const error = JSON.parse(body) as { errorType?: string; errorMessage?: string };
    return `${error.errorType ?? 'Error'}: ${error.errorMessage ?? body}`;
  } catch {
    return body;
  }
}

function describeResult(job: LocalJob): string {
  const result = job.result;
  if (result === undefined) return 'no answer';
  if (result.status === 'Failed') {
    return `Failed (${result.failureDetails.type}: ${result.failureDetails.message})`;
  }
  const summary = result.executionDetails?.summary;
  return summary ? `${result.status} (${summary})` : result.status;
}

export async function smokeTestBundle(options: {
  readonly bundle: BundleUnderTest;
  readonly local: LocalEnvironment;
  readonly job: LocalJob;
  /** @default 'Succeeded' */
  readonly expectedStatus?: JobStatus;
  /** Time for the process to start, on top of the function's Timeout. @default 5000 */
  readonly startupGraceMs?: number;
}): Promise<SmokeOutcome> {
  const { bundle, local, job } = options;
  const problems: string[] = [];
  const credentials = Object.values(job.options.artifactCredentials).map(String);
  const redactor = new Redactor(credentials);
  const taskRoot = await mkdtemp(join(tmpdir(), 'lambda-task-'));
  await cp(bundle.bundleDir, taskRoot, { recursive: true });
  const runtime = await startRuntimeApi();
  const answers = watchAnswers(local.jobApi.port);
  let child: ChildProcess | undefined;
  let output = '';
  const outputScan = new StreamScanner('its stdout or stderr');
  let timer: NodeJS.Timeout | undefined;
  try {
    child = spawn(process.execPath, [...lambdaNodeFlags(bundle.memoryMb), BOOTSTRAP], {
      cwd: taskRoot,
      // Only what Lambda sets, the template's own variables, and where the AWS
      // look-alikes listen.
      env: {
        ...bundle.variables,
        ...lambdaEnvironment({
          functionName: bundle.functionName,
          memoryMb: bundle.memoryMb,
          handler: bundle.handler,
          taskRoot,
          runtimeDir: RUNTIME_DIR,
          region: local.region,
        }),
        AWS_LAMBDA_RUNTIME_API: runtime.address,
        AWS_ENDPOINT_URL_CODEPIPELINE: local.jobApi.endpoint,
        AWS_ENDPOINT_URL_S3: local.s3.endpoint,
        AWS_ENDPOINT_URL_STS: local.sts.endpoint,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        outputScan.push(chunk);
      });
    }
    const exited = new Promise<RunEnd>((resolve) => {
      child?.on('exit', (code, signal) => resolve({ kind: 'exit', code, signal }));
    });
    const timeoutMs = bundle.timeoutSeconds * 1000;
    const end: RunEnd = await Promise.race([
      runtime.invoke(job.event, {
        functionArn: `arn:aws:lambda:${local.region}:${local.accountId}:function:${bundle.functionName}`,
        timeoutMs,
      }),
      runtime.initError.then((body): RunEnd => ({ kind: 'init-error', body })),
      exited,
      new Promise<RunEnd>((resolve) => {
        // Lambda's own limit, plus a little for the process to start.
        timer = setTimeout(
          () => resolve({ kind: 'timeout' }),
          timeoutMs + (options.startupGraceMs ?? 5000),
        );
      }),
    ]);
    clearTimeout(timer);
    // A second answer sent in the background would arrive now; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 300));

    switch (end.kind) {
      case 'init-error':
        problems.push(`the runtime could not load it: ${describeError(end.body)}`);
        break;
      case 'exit':
        problems.push(
          `its process exited (${end.signal ?? `code ${end.code}`}) before answering the invocation`,
        );
        break;
      case 'timeout':
        problems.push(
          `it did not answer the invocation within its Timeout of ${bundle.timeoutSeconds} s`,
        );
        break;
      case 'error':
        problems.push(`the handler threw: ${describeError(end.body)}`);
        break;
      case 'response':
        for (const finding of findSecrets(end.body, 'the invocation response')) {
          problems.push(`artifact credential field ${finding.field} in ${finding.where}`);
        }
        break;
    }
    const expected = options.expectedStatus ?? 'Succeeded';
    const stored = local.jobApi.jobs.require(job.id);
    if (stored.status === 'InProgress') {
      problems.push('the job got no accepted PutJobSuccessResult or PutJobFailureResult');
    } else if (stored.status !== expected) {
      problems.push(`the job ended ${describeResult(stored)}, expected ${expected}`);
    }
    if (answers.bodies.length > 1) {
      problems.push(
        `it sent ${answers.bodies.length} answers for one job (CodePipeline takes one)`,
      );
    }
    for (const body of answers.bodies) {
      for (const finding of findSecrets(body, 'its answer to CodePipeline')) {
        problems.push(`artifact credential field ${finding.field} in ${finding.where}`);
      }
    }
    outputScan.end();
    for (const finding of outputScan.findings()) {
      problems.push(`artifact credential field ${finding.field} in ${finding.where}`);
    }
    return {
      problems,
      summary: describeResult(stored),
      output: redactor.redact(output),
      response: end.kind === 'response' ? redactor.redact(end.body) : undefined,
    };
  } finally {
    clearTimeout(timer);
    answers.stop();
    child?.kill('SIGKILL');
    await runtime.close();
    await rm(taskRoot, { recursive: true, force: true });
  }
}
