/**
 * What tests need from the job API beyond CodePipeline's behaviour: a record of every
 * call and what became of it, and scripted replies that make a call fail the way the
 * service or the network can (throttling, a 5xx, a hung or dropped connection, an
 * answer taken whose response is lost). Local runs script nothing: every call is then
 * answered as CodePipeline would.
 */

/** How the job API answers one call instead of (or after) serving it. */
export type ScriptedReply =
  /** Serve the call as CodePipeline would. */
  | { readonly kind: 'ok' }
  /** Answer with this error instead; CodePipeline did not take the call. */
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly type: string;
      readonly message?: string;
      /** The raw response body, for error shapes other than `{ __type, message }` (IAM's). */
      readonly body?: string;
    }
  /** Never answer (the client's own timeout must end the call). CodePipeline did not take it. */
  | { readonly kind: 'hang' }
  /** Drop the connection without an answer (ECONNRESET at the client). CodePipeline did not take it. */
  | { readonly kind: 'reset' }
  /** Serve the call, then lose the response: it never arrives. */
  | { readonly kind: 'accept-then-hang' }
  /** Serve the call, then drop the connection before the response. */
  | { readonly kind: 'accept-then-reset' };

/** One call as the job API saw it. */
export interface JobApiRequest {
  /** The `X-Amz-Target` header, e.g. `CodePipeline_20150709.PutJobSuccessResult`. */
  readonly target: string;
  readonly operation: string;
  readonly body: Record<string, unknown>;
  /** `body.jobId`, when there is one. */
  readonly jobId?: string;
  /**
   * What the job API did: the scripted reply; `closed` for an answer to a job that
   * already had one (InvalidJobStateException); `refused` for any other error the
   * service itself answers (a ValidationException, say).
   */
  readonly reply: ScriptedReply['kind'] | 'closed' | 'refused';
  /** The exception name of a `closed` or `refused` call. */
  readonly errorName?: string;
  /** CodePipeline took this PutJob*Result as the job's answer (whether or not the client heard so). */
  readonly accepted: boolean;
  /** The client received the 200 (set once the response is flushed). */
  readonly acknowledged: boolean;
  /** `performance.now()` when the call arrived: orders it among other services' records. */
  readonly receivedAt: number;
}

export interface ScriptOptions {
  /**
   * Refuse a second answer to a job with InvalidJobStateException, as CodePipeline does.
   * With `false`, every valid answer is taken (and recorded as accepted), so a test can
   * count how many answers a handler sent.
   * @default the job API's `oneAnswerPerJob` option
   */
  readonly oneAnswerPerJob?: boolean;
}

const MAX_RECORDED_CALLS = 10_000;

/** The scripted replies and the record of calls of one job API. */
export class CallLog {
  readonly #calls: JobApiRequest[] = [];
  readonly #shared: ScriptedReply[];
  readonly #perJob = new Map<string, ScriptedReply[]>();
  readonly #oneAnswer = new Map<string, boolean>();
  readonly #oneAnswerDefault: boolean;

  constructor(replies: readonly ScriptedReply[], oneAnswerPerJob: boolean) {
    this.#shared = [...replies];
    this.#oneAnswerDefault = oneAnswerPerJob;
  }

  /** Replies for this job's calls, in order, before the shared list. */
  script(jobId: string, replies: readonly ScriptedReply[], options: ScriptOptions = {}): void {
    this.#perJob.set(jobId, [...replies]);
    if (options.oneAnswerPerJob !== undefined) this.#oneAnswer.set(jobId, options.oneAnswerPerJob);
  }

  /** Whether a second answer to this job is refused. */
  oneAnswerPerJob(jobId: string | undefined): boolean {
    return (jobId === undefined ? undefined : this.#oneAnswer.get(jobId)) ?? this.#oneAnswerDefault;
  }

  enforceOneAnswer(jobId: string): void {
    this.#oneAnswer.set(jobId, true);
  }

  /** The reply for the next call (about `jobId`, if any): scripted, or `ok`. */
  nextReply(jobId: string | undefined): ScriptedReply {
    const own = jobId === undefined ? undefined : this.#perJob.get(jobId)?.shift();
    return own ?? this.#shared.shift() ?? { kind: 'ok' };
  }

  /** Adds a call to the record; the returned entry is the one to update (`acknowledged`). */
  record(call: JobApiRequest): { -readonly [K in keyof JobApiRequest]: JobApiRequest[K] } {
    const entry = { ...call };
    this.#calls.push(entry);
    if (this.#calls.length > MAX_RECORDED_CALLS) this.#calls.shift();
    return entry;
  }

  /** Every call so far, oldest first (the last 10,000). The array is live. */
  get calls(): readonly JobApiRequest[] {
    return this.#calls;
  }
}
