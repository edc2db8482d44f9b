/**
 * Collects the JSON lines the framework's built-in logger writes to stdout, by job id,
 * while many jobs run at once. Other output passes through untouched.
 */
export function captureJobLogs(): {
  logsOf(jobId: string): readonly string[];
  /** Every captured line, whichever job wrote it. */
  all(): readonly string[];
  restore(): void;
} {
  const byJob = new Map<string, string[]>();
  const all: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = function write(chunk: unknown, ...rest: unknown[]) {
    const passed: string[] = [];
    for (const line of String(chunk).split('\n')) {
      const jobId = jobIdOf(line);
      if (jobId === undefined) {
        if (line !== '') passed.push(line);
        continue;
      }
      all.push(line);
      byJob.set(jobId, [...(byJob.get(jobId) ?? []), line]);
    }
    if (passed.length === 0) return true;
    return original.call(process.stdout, `${passed.join('\n')}\n`, ...(rest as []));
  } as typeof process.stdout.write;
  return {
    logsOf: (jobId) => byJob.get(jobId) ?? [],
    all: () => all,
    restore: () => {
      process.stdout.write = original;
    },
  };
}

function jobIdOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as { jobId?: unknown };
    return typeof parsed.jobId === 'string' ? parsed.jobId : undefined;
  } catch {
    return undefined;
  }
}
