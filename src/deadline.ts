/**
 * The timer that answers before Lambda's timeout. Lambda kills an invocation at its
 * deadline without warning; a job that was not answered by then sits "In progress"
 * for 20 minutes and Lambda retries the event. So the engine reserves a margin for
 * reporting and fires this deadline that much earlier.
 */
export interface Deadline {
  /** Resolves when the time for `run` is up; never rejects. */
  readonly expired: Promise<void>;
  /** Milliseconds `run` was given (Infinity without a Lambda context). */
  readonly budgetMs: number;
  /** Milliseconds left before Lambda's own timeout (Infinity without a Lambda context). */
  remainingMs(): number;
  cancel(): void;
}

export interface DeadlineContext {
  getRemainingTimeInMillis?: () => number;
}

/**
 * Starts the deadline for one invocation: `remaining - marginMs` from now. A context
 * with no time left (zero or negative remaining, or less than the margin) expires at
 * once; a context without `getRemainingTimeInMillis` (a plain function call in a
 * script) has no deadline.
 */
export function startDeadline(context: DeadlineContext | undefined, marginMs: number): Deadline {
  const getRemaining = context?.getRemainingTimeInMillis;
  if (typeof getRemaining !== 'function') {
    return {
      expired: new Promise<void>(() => {}),
      budgetMs: Number.POSITIVE_INFINITY,
      remainingMs: () => Number.POSITIVE_INFINITY,
      cancel: () => {},
    };
  }
  const startRemaining = Number(getRemaining.call(context));
  const startedAt = Date.now();
  const budgetMs = Number.isFinite(startRemaining) ? Math.max(0, startRemaining - marginMs) : 0;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, budgetMs);
  });
  return {
    expired,
    budgetMs,
    remainingMs: () => Math.max(0, startRemaining - (Date.now() - startedAt)),
    cancel: () => clearTimeout(timer),
  };
}
