/**
 * The watchdog thread. It sleeps until a watched invocation's deadline has passed by a
 * grace period; if the job is still unanswered and the main thread's heartbeat has
 * stopped, the main thread is blocked (its own deadline timer could not fire), so the
 * watchdog claims the job and reports the failure itself, before Lambda's timeout.
 *
 * This module is also the thread's entry: `startWatchdogThread` starts a worker on
 * this very file (`import.meta.url`), which works from lib/ (tsc), from a bundle with
 * `splitting` (this module is a chunk of its own, loaded by `import()`) and from a
 * single-file bundle (the entry file; watchdog/index.ts then imports this module).
 */
import { writeSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type SlotView, WatchdogMemory, type WatchdogVerdict, type WatchedJob } from './memory.js';
import {
  isReporterSettings,
  isWatchdogData,
  type ReporterSettings,
  WATCHDOG_MARKER,
  type WatchdogData,
} from './protocol.js';

/** How often a live main thread beats (watchdog/index.ts); a silence longer than the grace is a block. */
export const HEARTBEAT_MS = 100;
/** A slot still watched this long after Lambda's end was left behind by a live main thread. */
const ABANDONED_AFTER_MS = 5000;

/**
 * How long past the engine's deadline the watchdog waits for the main thread: long
 * enough that a busy but live event loop answers first, short enough to leave most of
 * the margin for the watchdog's own report.
 */
export function graceMs(marginMs: number): number {
  return Math.min(1000, Math.max(2 * HEARTBEAT_MS, marginMs / 4));
}

/** Starts the watchdog thread on `memory`; it does not keep the process alive. */
export function startWatchdogThread(memory: WatchdogMemory): Worker {
  const data: WatchdogData = { [WATCHDOG_MARKER]: true, buffer: memory.buffer };
  // No execArgv: the thread inherits the process's, V8 flags included (Lambda starts node
  // with --max-old-space-size and others, which an explicit list may not repeat), and
  // with them any module loader the process was started with (`--import`), which a run
  // from TypeScript sources needs.
  const worker = new Worker(new URL(import.meta.url), {
    workerData: data,
    name: 'codepipeline-handler watchdog',
  });
  worker.unref();
  return worker;
}

async function watchForBlocks(data: WatchdogData): Promise<void> {
  const memory = new WatchdogMemory(data.buffer);
  const reporters = new Map<number, ReporterSettings>();
  // This listener also keeps the thread alive; the main thread unrefs the worker.
  parentPort?.on('message', (message: unknown) => {
    if (isReporterSettings(message)) reporters.set(message.id, message);
  });
  for (;;) {
    const seen = memory.wakeCount();
    const now = Date.now();
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const watched of memory.watched()) {
      const { job } = watched;
      const grace = graceMs(job.marginMs);
      const dueAt = job.deadlineAt + grace;
      if (now < dueAt) {
        wakeAt = Math.min(wakeAt, dueAt);
        continue;
      }
      const silentMs = now - memory.lastBeat();
      if (silentMs < grace) {
        // The main thread is alive: its own deadline answers (it may just be late).
        if (now > job.lambdaEndAt + ABANDONED_AFTER_MS) memory.abandon(watched);
        else wakeAt = Math.min(wakeAt, now + HEARTBEAT_MS);
        continue;
      }
      const reporter = reporters.get(job.reporterId);
      if (!reporter) {
        // Posted before the invocation started; its message is still queued behind us.
        wakeAt = Math.min(wakeAt, now + 10);
        continue;
      }
      if (!memory.claimForWatchdog(watched)) continue;
      void answerForBlockedThread(memory, watched, job, reporter, silentMs);
    }
    await memory.waitForWake(seen, wakeAt - Date.now());
  }
}

async function answerForBlockedThread(
  memory: WatchdogMemory,
  view: SlotView,
  job: WatchedJob,
  reporter: ReporterSettings,
  blockedMs: number,
): Promise<void> {
  let verdict: WatchdogVerdict = 'not-delivered';
  try {
    // Loaded only now: the SDK client costs nothing until a block actually happens.
    const { reportBlockedJob } = await import('./report-blocked.js');
    verdict = await reportBlockedJob(job, reporter, blockedMs);
  } catch (error) {
    // Nothing may escape: an uncaught error would end the thread, and with it the watching.
    const name = error instanceof Error ? error.name : typeof error;
    writeSync(
      1,
      `${JSON.stringify({ level: 'ERROR', message: 'The watchdog could not report', jobId: job.jobId, error: name })}\n`,
    );
  } finally {
    memory.settle(view, verdict);
  }
}

if (!isMainThread && isWatchdogData(workerData)) void watchForBlocks(workerData);
