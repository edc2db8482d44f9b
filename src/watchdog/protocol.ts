/**
 * What the main thread hands the watchdog thread besides shared memory: the
 * `workerData` that marks a thread as the watchdog, and the settings of each reporter
 * (one per engine instance), posted once before its first invocation is watched.
 * Nothing here is secret: the watchdog's client takes its credentials from the
 * environment it inherits, as the engine's default client does.
 */
import type { LogLevel } from '../logger.js';

/** Marks a worker thread as the watchdog; the module that spawns it is also its entry. */
export const WATCHDOG_MARKER = 'codepipeline-handler:watchdog';

export interface WatchdogData {
  readonly [WATCHDOG_MARKER]: true;
  readonly buffer: SharedArrayBuffer;
}

export function isWatchdogData(data: unknown): data is WatchdogData {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as Record<string, unknown>)[WATCHDOG_MARKER] === true &&
    (data as Record<string, unknown>).buffer instanceof SharedArrayBuffer
  );
}

/** How the watchdog reports for one engine instance: its client's region and endpoint, and report.ts's limits. */
export interface ReporterSettings {
  readonly type: 'reporter';
  readonly id: number;
  /** The engine client's region; undefined: the SDK's default from the environment. */
  readonly region?: string;
  /** The engine client's explicit endpoint; undefined: the SDK's default (AWS_ENDPOINT_URL_CODEPIPELINE or AWS). */
  readonly endpoint?: string;
  readonly reportTimeoutMs: number;
  readonly reportAttempts: number;
  readonly logLevel: LogLevel;
}

export function isReporterSettings(message: unknown): message is ReporterSettings {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as Record<string, unknown>).type === 'reporter' &&
    typeof (message as Record<string, unknown>).id === 'number'
  );
}
