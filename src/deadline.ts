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
  /**
   * Calls `callback` when the deadline expires (in a microtask if it already has), as
   * `expired.then(callback)` would, without a promise per invocation. One callback: a
   * second replaces the first.
   */
  onExpired(callback: () => void): void;
  cancel(): void;
}

export interface DeadlineContext {
  getRemainingTimeInMillis?: () => number;
}

/** The deadline of a call without a Lambda context: it never comes. */
const NO_DEADLINE: Deadline = {
  // A fresh promise each time: reactions on one shared pending promise would pile up.
  get expired() {
    return new Promise<void>(() => {});
  },
  budgetMs: Number.POSITIVE_INFINITY,
  remainingMs: () => Number.POSITIVE_INFINITY,
  onExpired: () => {},
  cancel: () => {},
};

/**
 * Starts the deadline for one invocation: `remaining - marginMs` from now. A context
 * with no time left (zero or negative remaining, or less than the margin) expires at
 * once; a context without `getRemainingTimeInMillis` (a plain function call in a
 * script) has no deadline.
 */
export function startDeadline(context: DeadlineContext | undefined, marginMs: number): Deadline {
  const getRemaining = context?.getRemainingTimeInMillis;
  if (typeof getRemaining !== 'function') return NO_DEADLINE;
  return new TimedDeadline(Number(getRemaining.call(context)), marginMs);
}

/**
 * One timer per invocation, and the `expired` promise made only when something waits on
 * it: most invocations end long before their deadline, and this runs on every one.
 */
class TimedDeadline implements Deadline {
  readonly budgetMs: number;
  readonly remainingMs: () => number;
  readonly #timer: NodeJS.Timeout;
  #fired = false;
  #expired: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  #callback: (() => void) | undefined;

  constructor(startRemaining: number, marginMs: number) {
    const startedAt = Date.now();
    this.budgetMs = Number.isFinite(startRemaining) ? Math.max(0, startRemaining - marginMs) : 0;
    this.remainingMs = () => Math.max(0, startRemaining - (Date.now() - startedAt));
    this.#timer = setTimeout(() => {
      this.#fired = true;
      this.#callback?.();
      this.#resolve?.();
    }, this.budgetMs);
  }

  onExpired(callback: () => void): void {
    if (this.#fired) queueMicrotask(callback);
    else this.#callback = callback;
  }

  get expired(): Promise<void> {
    if (this.#expired === undefined) {
      this.#expired = this.#fired
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#resolve = resolve;
          });
    }
    return this.#expired;
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }
}
