/**
 * The engine's handle on the watchdog. Everything else in src/watchdog (shared memory,
 * the thread's start-up, its reporting) loads with the first watched invocation, so a
 * cold start pays nothing for the watchdog, whether it is on or off.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import type { Watchdog, WatchdogOptions } from './index.js';
import { isWatchdogData } from './protocol.js';

// A single-file bundle starts the watchdog thread on its entry file, where esbuild
// turns thread.ts into code that runs on first import: this module is loaded by every
// entry that uses the engine, so it is the one that imports it in that thread.
if (!isMainThread && isWatchdogData(workerData)) void import('./thread.js');

/** A watchdog whose implementation (watchdog/index.ts) is imported on first `watch`. */
export function lazyWatchdog(options: WatchdogOptions): Watchdog {
  let loaded: Promise<Watchdog> | undefined;
  return {
    async watch(request) {
      loaded ??= import('./index.js').then(({ createWatchdog }) => createWatchdog(options));
      return (await loaded).watch(request);
    },
  };
}
