/**
 * Runs blocking-gates.ts (or a bundle of it) in a process of its own through
 * lambda-runtime.mjs, against a scripted loopback CodePipeline endpoint, and collects
 * what happened: the requests the endpoint got, the process's output lines, its result.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { startTestJobApi } from '../../helpers/job-api.js';
import { type GateScenario, REMAINING_MS } from './blocking-gates.js';

export const SOURCE_GATES = join(import.meta.dirname, 'blocking-gates.ts');
const RUNTIME = join(import.meta.dirname, 'lambda-runtime.mjs');

/** The Lambda role's keys as the process sees them (dummies): never to be logged. */
export const ENV_SECRET = 'watchdog-test-secret-key-0123456789';

export interface GateRun {
  readonly endpoint: Awaited<ReturnType<typeof startTestJobApi>>;
  readonly lines: string[];
  /** `START` line: the job id and when Lambda would stop the invocation (epoch ms). */
  started(): Promise<{ jobId: string; lambdaEndAt: number }>;
  /** When each request reached the endpoint (epoch ms, observed by polling). */
  readonly arrivals: number[];
  /** Resolves with the `RESULT` line's value once the process has exited. */
  exited(): Promise<{ resolved?: Record<string, unknown>; rejected?: string } | undefined>;
  kill(): Promise<void>;
  /** Lines the watchdog thread logged. */
  watchdogLines(): Record<string, unknown>[];
}

export async function runGateProcess(
  scenario: GateScenario,
  options: { gates?: string; tsx?: boolean; env?: Record<string, string> } = {},
): Promise<GateRun> {
  const endpoint = await startTestJobApi([]);
  const gates = options.gates ?? SOURCE_GATES;
  const useTsx = options.tsx ?? gates.endsWith('.ts');
  const child: ChildProcess = spawn(
    process.execPath,
    [...(useTsx ? ['--import', import.meta.resolve('tsx')] : []), RUNTIME, gates],
    {
      // No region and no endpoint in the environment: both come from the gate's client.
      env: {
        PATH: process.env.PATH ?? '',
        AWS_ACCESS_KEY_ID: 'AKIAWATCHDOGTEST0000',
        AWS_SECRET_ACCESS_KEY: ENV_SECRET,
        AWS_EC2_METADATA_DISABLED: 'true',
        WATCHDOG_TEST_ENDPOINT: endpoint.endpoint,
        WATCHDOG_TEST_SCENARIO: scenario,
        WATCHDOG_TEST_REMAINING_MS: String(REMAINING_MS),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: string[] = [];
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    lines.push(...complete);
  });
  const exit = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Whatever the test's outcome, its process does not outlive it.
  onTestFinished(async () => {
    child.kill('SIGKILL');
    await exit;
    await endpoint.close();
  });
  const arrivals: number[] = [];
  const poll = setInterval(() => {
    while (arrivals.length < endpoint.requests.length) arrivals.push(Date.now());
  }, 5);
  exit.then(() => clearInterval(poll));

  const prefixed = (prefix: string) => {
    const line = lines.find((text) => text.startsWith(`${prefix} `));
    return line === undefined ? undefined : JSON.parse(line.slice(prefix.length + 1));
  };
  return {
    endpoint,
    lines,
    arrivals,
    async started() {
      await waitFor(() => prefixed('START') !== undefined, 'the START line');
      return prefixed('START');
    },
    async exited() {
      await exit;
      await endpoint.close();
      return prefixed('RESULT');
    },
    async kill() {
      child.kill('SIGKILL');
      await exit;
      await endpoint.close();
    },
    watchdogLines: () =>
      lines
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.thread === 'watchdog'),
  };
}

/** Polls `condition` until it holds; fails after `timeoutMs` naming what it waited for. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 90_000) {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
