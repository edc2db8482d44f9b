/**
 * Runs one measured child (a bundle that prints its measurement as the last line of
 * stdout) and keeps a failure as a value with its reason, so one failed run becomes a
 * note in the table instead of ending the whole benchmark.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { JobMeasurement } from './children/measure-job.js';
import { median } from './stats.js';

const execFileAsync = promisify(execFile);
const MiB = 1024 * 1024;

export type Outcome<T = JobMeasurement> = { ok: true; value: T } | { ok: false; reason: string };

/** What every child reports about its memory (measureJob's and measureRead's lines alike). */
interface MemoryFigures {
  readonly peakRssBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
}

export async function runMeasured<T = JobMeasurement>(
  bundle: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  nodeFlags: readonly string[] = [],
): Promise<Outcome<T>> {
  try {
    const { stdout } = await execFileAsync(process.execPath, [...nodeFlags, bundle, ...args], {
      env,
      maxBuffer: 16 * MiB,
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    return { ok: true, value: JSON.parse(last) as T };
  } catch (error) {
    const failure = error as { code?: number; signal?: string; stderr?: string; message: string };
    const stderr = (failure.stderr ?? '').trim().split('\n');
    // The first line that names an error says more than a stack trace's tail.
    const named = stderr.find((line) => /Error|error:|FATAL|heap/.test(line)) ?? stderr.at(-1);
    return {
      ok: false,
      reason: `exit ${failure.code ?? '?'}${failure.signal ? ` (${failure.signal})` : ''}: ${(named ?? failure.message).trim().slice(0, 300)}`,
    };
  }
}

/** Successful measurements, or undefined when any run failed (a median of survivors would flatter). */
export function allOk<T>(outcomes: readonly Outcome<T>[]): T[] | undefined {
  const ok = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.value] : []));
  return ok.length === 0 || ok.length < outcomes.length ? undefined : ok;
}

/** Median of one field over measurements (`details.<name>` for the child's own figures). */
export function medianOf(measurements: readonly JobMeasurement[], field: string): number {
  return median(
    measurements.map((m) =>
      field.startsWith('details.')
        ? (m.details[field.slice('details.'.length)] ?? Number.NaN)
        : Number(m[field as keyof JobMeasurement]),
    ),
  );
}

export function firstFailure<T>(outcomes: readonly Outcome<T>[]): string | undefined {
  return outcomes.find((o): o is { ok: false; reason: string } => !o.ok)?.reason;
}

/** `ours FAILED: <reason>` and the same for the baseline, for each side that failed a run. */
export function failureNotes<T>(
  ours: readonly Outcome<T>[],
  baseline: readonly Outcome<T>[],
): string[] {
  return [
    ['ours', firstFailure(ours)],
    ['baseline', firstFailure(baseline)],
  ].flatMap(([who, reason]) => (reason ? [`${who} FAILED: ${reason}`] : []));
}

/**
 * Every run's peak RSS in MiB (with `digits` decimals) and where it went:
 * `130.6 (heap 32, external 25), failed, ...`.
 */
export function peakRssList<T extends MemoryFigures>(
  outcomes: readonly Outcome<T>[],
  digits: number,
): string {
  return outcomes
    .map((o) =>
      o.ok
        ? `${(o.value.peakRssBytes / MiB).toFixed(digits)} (heap ${(o.value.heapTotalBytes / MiB).toFixed(0)}, external ${(o.value.externalBytes / MiB).toFixed(0)})`
        : 'failed',
    )
    .join(', ');
}
