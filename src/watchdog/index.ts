/**
 * The main thread's side of the watchdog (option `watchdog`). User code that blocks
 * the event loop (an endless loop, a catastrophic regular expression) stops every
 * timer, the engine's deadline included, so the job would sit "In progress" until
 * Lambda kills the invocation and retries it. A worker thread, started with the first
 * watched invocation, answers for it instead: see thread.ts. Here, the engine tells it
 * about each invocation through shared memory (memory.ts) and claims the right to
 * answer before it reports, so only one of the two threads ever answers a job.
 */
import { isMainThread, type Worker, workerData } from 'node:worker_threads';
import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { createJsonLogger, type LogLevel } from '../logger.js';
import { Redactor } from '../redact.js';
import { type SlotView, WatchdogMemory, type WatchdogVerdict } from './memory.js';
import { isWatchdogData, type ReporterSettings } from './protocol.js';

export type { WatchdogVerdict } from './memory.js';

// In the watchdog thread itself (a single-file bundle runs the whole entry there; see
// lazy.ts), the engine must not start another thread.
const isWatchdogThread = !isMainThread && isWatchdogData(workerData);

/** What the watchdog reports with, for one engine instance (its client and report.ts limits). */
export interface WatchdogOptions {
  /** The engine's client (a getter: the default client is built on first use, not at init). */
  readonly client: () => CodePipelineClient;
  readonly reportTimeoutMs: number;
  readonly reportAttempts: number;
  readonly logLevel: LogLevel;
}

/** One invocation to watch. */
export interface WatchRequest {
  readonly jobId: string;
  /** When the invocation started (epoch ms). */
  readonly startedAt: number;
  /** Milliseconds `run` was given: the engine's deadline fires `marginMs` before Lambda's. */
  readonly budgetMs: number;
  /** Milliseconds until Lambda stops the invocation, from now. */
  readonly remainingMs: number;
  readonly marginMs: number;
}

/** A watched invocation, from the main thread's side. */
export interface Watch {
  /** Call before answering. True: answer. False: the watchdog already answered; do not. */
  claimAnswer(): boolean;
  /** After a lost claim: how the watchdog's report ended (undefined: still going after `timeoutMs`). */
  verdict(timeoutMs: number): Promise<WatchdogVerdict | undefined>;
}

export interface Watchdog {
  /** Starts watching; undefined when the invocation cannot be watched (no deadline, no thread). */
  watch(request: WatchRequest): Promise<Watch | undefined>;
}

interface Running {
  readonly memory: WatchdogMemory;
  readonly worker: Worker;
  alive: boolean;
}

/** One thread per process, shared by every engine instance; started on first use. */
let starting: Promise<Running | undefined> | undefined;
let nextReporterId = 1;

/** The watchdog of one engine instance (`codePipelineJob` with `watchdog: true`). */
export function createWatchdog(options: WatchdogOptions): Watchdog {
  let registered: Promise<{ id: number; thread: Running } | undefined> | undefined;
  return {
    async watch(request) {
      if (!Number.isFinite(request.budgetMs) || !Number.isFinite(request.remainingMs)) {
        return undefined;
      }
      registered ??= register(options);
      const reporter = await registered;
      if (!reporter?.thread.alive) return undefined;
      const { memory } = reporter.thread;
      const lambdaEndAt = Date.now() + request.remainingMs;
      const view = memory.watch({
        jobId: request.jobId,
        reporterId: reporter.id,
        startedAt: request.startedAt,
        deadlineAt: lambdaEndAt - request.marginMs,
        lambdaEndAt,
        budgetMs: request.budgetMs,
        marginMs: request.marginMs,
      });
      return view ? watchOf(memory, view) : undefined;
    },
  };
}

function watchOf(memory: WatchdogMemory, view: SlotView): Watch {
  return {
    claimAnswer: () => memory.claimForMain(view),
    verdict: (timeoutMs) => memory.verdict(view, timeoutMs),
  };
}

/** Starts the thread if needed and tells it how this engine instance reports. */
async function register(
  options: WatchdogOptions,
): Promise<{ id: number; thread: Running } | undefined> {
  starting ??= start(options.logLevel);
  const thread = await starting;
  if (!thread) return undefined;
  const id = nextReporterId++;
  const settings: ReporterSettings = {
    type: 'reporter',
    id,
    ...(await clientLocation(options.client())),
    reportTimeoutMs: options.reportTimeoutMs,
    reportAttempts: options.reportAttempts,
    logLevel: options.logLevel,
  };
  thread.worker.postMessage(settings);
  return { id, thread };
}

async function start(logLevel: LogLevel): Promise<Running | undefined> {
  // The watchdog thread loads the engine too (single-file bundles): it must not start another.
  if (isWatchdogThread) return undefined;
  const { startWatchdogThread, HEARTBEAT_MS } = await import('./thread.js');
  const logger = createJsonLogger({ keys: {}, redactor: new Redactor(), level: logLevel });
  const memory = new WatchdogMemory();
  memory.beat();
  let worker: Worker;
  try {
    worker = startWatchdogThread(memory);
  } catch (error) {
    logger.error('The watchdog thread could not start; a blocked event loop will not be answered', {
      error,
    });
    return undefined;
  }
  const thread: Running = { memory, worker, alive: true };
  const stopped = (reason: Record<string, unknown>) => {
    if (!thread.alive) return;
    thread.alive = false;
    clearInterval(heartbeat);
    logger.error('The watchdog thread stopped; a blocked event loop will not be answered', reason);
  };
  worker.on('error', (error) => stopped({ error }));
  worker.on('exit', (exitCode) => stopped({ exitCode }));
  // The sign of life the watchdog looks for. Unref'd: it must not keep the process up.
  const heartbeat = setInterval(() => memory.beat(), HEARTBEAT_MS);
  heartbeat.unref();
  return thread;
}

/**
 * The region and endpoint of the engine's client, so the watchdog reports where the
 * engine would. Credentials are not passed: the thread inherits the environment.
 */
async function clientLocation(
  client: CodePipelineClient,
): Promise<Pick<ReporterSettings, 'region' | 'endpoint'>> {
  const config = client.config as {
    region?: unknown;
    endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>;
  };
  try {
    const region = typeof config.region === 'function' ? await config.region() : config.region;
    const endpoint = config.endpoint ? await config.endpoint() : undefined;
    return {
      ...(typeof region === 'string' ? { region } : {}),
      ...(endpoint
        ? {
            endpoint: `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path}`,
          }
        : {}),
    };
  } catch {
    // No region configured: the thread's client falls back to the same environment.
    return {};
  }
}
