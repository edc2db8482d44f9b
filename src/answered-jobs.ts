/**
 * Job ids a handler has answered. Lambda may deliver an event twice (and retries on
 * errors); a second delivery to the same warm container is recognised here and not run
 * again. Each handler (each `codePipelineJob(...)` / `invokeAction(...)` call) owns one
 * memory, and a Lambda container has one handler: the protection a container needs,
 * scoped to that handler, with nothing shared by other handlers in the process.
 */
export interface AnsweredJobs {
  has(jobId: string): boolean;
  add(jobId: string): void;
}

/** How many answered job ids one handler keeps: plenty for the deliveries of a warm container. */
export const ANSWERED_MEMORY = 1000;

/** A bounded memory of answered job ids: the oldest is forgotten first. */
export class AnsweredJobMemory implements AnsweredJobs {
  readonly #ids = new Set<string>();
  readonly #limit: number;

  constructor(limit = ANSWERED_MEMORY) {
    this.#limit = limit;
  }

  has(jobId: string): boolean {
    return this.#ids.has(jobId);
  }

  add(jobId: string): void {
    this.#ids.add(jobId);
    if (this.#ids.size > this.#limit) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }
}
