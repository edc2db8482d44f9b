/**
 * Child process of the overhead figure (bundled by bench/overhead.ts). Invokes the
 * no-op gate through `invokeAction` and the hand-written handler against the same
 * loopback CodePipeline endpoint, one invocation at a time, in rotating rounds, and
 * sends the timings to the parent over IPC: stdout belongs to the handlers' logs.
 */
import type { Context } from 'aws-lambda';
import { invokeAction } from '../../src/index.js';
import { jobEvent } from '../../src/testing/job-event.js';
import { lambdaContext } from '../../src/testing/lambda-context.js';
import { handler as baselineHandler } from '../baseline/hand-written-handler.js';
import { handler as baselineWithCallTimeout } from '../baseline/hand-written-with-call-timeout.js';
import { handler as noopGate } from '../noop-gate.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface OverheadRound {
  readonly variant: string;
  readonly invocations: number;
  readonly wallMs: number;
  /** User + system CPU of this process, in ms. */
  readonly cpuMs: number;
}

export interface OverheadReport {
  readonly rounds: readonly OverheadRound[];
  readonly problems: readonly string[];
}

const variants: Record<string, Handler> = {
  ours: noopGate as unknown as Handler,
  // Same engine with logLevel debug, which writes the "Reported succeeded" line (and
  // "Job started"): shows what logging each answer would cost.
  'ours-debug': invokeAction({ run() {}, logLevel: 'debug' }) as unknown as Handler,
  baseline: baselineHandler as unknown as Handler,
  // The baseline plus an abort timeout per SDK call, as each of our reports has.
  'baseline-call-timeout': baselineWithCallTimeout as unknown as Handler,
};

const perRound = Number(process.env.BENCH_PER_ROUND ?? 500);
const rounds = Number(process.env.BENCH_ROUNDS ?? 12);
const warmup = Number(process.env.BENCH_WARMUP ?? 1000);
const problems: string[] = [];

async function invokeMany(name: string, count: number): Promise<OverheadRound> {
  const handler = variants[name] as Handler;
  // Events and contexts are built before the clock starts: they are the test's, not the handler's.
  const events = Array.from({ length: count }, () => jobEvent());
  const contexts = Array.from({ length: count }, () => lambdaContext());
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const result = await handler(events[i], contexts[i] as Context);
    if (!name.startsWith('baseline') && (result as { status?: string })?.status !== 'succeeded') {
      if (problems.length < 5) problems.push(`${name}: ${JSON.stringify(result)}`);
    }
  }
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  return { variant: name, invocations: count, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// BENCH_VARIANTS=ours runs one side alone, e.g. under --cpu-prof to see where its time goes.
const names = (process.env.BENCH_VARIANTS?.split(',') ?? Object.keys(variants)).filter(
  (name) => name in variants,
);
for (const name of names) await invokeMany(name, warmup);
const results: OverheadRound[] = [];
for (let round = 0; round < rounds; round++) {
  // Rotate the order each round so drift and GC debt are shared fairly.
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length] as string;
    results.push(await invokeMany(name, perRound));
  }
}
const report: OverheadReport = { rounds: results, problems };
process.send?.(report, () => process.exit(0));
