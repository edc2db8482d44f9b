/**
 * Runs one measured child (a bundle that ends with measureJob) and keeps a failure as
 * a value with its reason, so one failed run becomes a note in the table instead of
 * ending the whole benchmark.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { JobMeasurement } from './children/measure-job.js';
import { median } from './stats.js';

const execFileAsync = promisify(execFile);

export type Outcome = { ok: true; value: JobMeasurement } | { ok: false; reason: string };

export async function runMeasured(
  bundle: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<Outcome> {
  try {
    const { stdout } = await execFileAsync(process.execPath, [bundle, ...args], {
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    return { ok: true, value: JSON.parse(last) as JobMeasurement };
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
export function allOk(outcomes: readonly Outcome[]): JobMeasurement[] | undefined {
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

export function firstFailure(outcomes: readonly Outcome[]): string | undefined {
  return outcomes.find((o): o is { ok: false; reason: string } => !o.ok)?.reason;
}
