/**
 * The memory the main thread and the watchdog thread share. A thread that blocks its
 * event loop delivers no message and runs no timer, but the watchdog can still read
 * shared memory: so everything the watchdog needs to answer for a blocked invocation
 * (job id, deadlines, a heartbeat) lives here, and the right to answer is claimed with
 * one compare-exchange on the slot's word, so exactly one thread ever answers a job.
 *
 * Layout, one SharedArrayBuffer:
 *   BigInt64  [heartbeat, then per slot: startedAt, deadlineAt, lambdaEndAt]  (epoch ms)
 *   Int32     [wake counter, then per slot: word = generation << 3 | state]
 *   Int32     per slot: reporterId, budgetMs, marginMs, jobIdLength
 *   Uint8     per slot: the job id (ASCII; CodePipeline job ids are UUIDs)
 * The generation changes every time a slot is freed, so a compare-exchange made with
 * a stale word (an earlier invocation in the same slot) fails.
 */

/** Invocations watched at once (Lambda runs one per process; local runners and tests, more). */
export const SLOT_COUNT = 32;
const JOB_ID_BYTES = 64;
const TIMES_PER_SLOT = 3;
const NUMBERS_PER_SLOT = 4;

/** States of a slot (the low 3 bits of its word). */
export const SlotState = {
  free: 0,
  /** The main thread is filling the slot in. */
  writing: 1,
  /** An invocation is running and unanswered. */
  watching: 2,
  /** The watchdog claimed the job and is reporting. */
  reporting: 3,
  // The watchdog's report ended (one of these verdicts):
  reported: 4,
  alreadyAnswered: 5,
  rejected: 6,
  notDelivered: 7,
} as const;

/** How the watchdog's own report ended. */
export type WatchdogVerdict = 'reported' | 'already-answered' | 'rejected' | 'not-delivered';

const VERDICT_STATE: Record<WatchdogVerdict, number> = {
  reported: SlotState.reported,
  'already-answered': SlotState.alreadyAnswered,
  rejected: SlotState.rejected,
  'not-delivered': SlotState.notDelivered,
};

/** What the watchdog knows about one watched invocation. */
export interface WatchedJob {
  readonly jobId: string;
  /** Which reporter (client settings, posted to the watchdog beforehand) answers it. */
  readonly reporterId: number;
  /** When the invocation started (epoch ms). */
  readonly startedAt: number;
  /** When the engine's own deadline fires (epoch ms). */
  readonly deadlineAt: number;
  /** When Lambda stops the invocation (epoch ms). */
  readonly lambdaEndAt: number;
  readonly budgetMs: number;
  readonly marginMs: number;
}

/** A slot as one thread saw it: compare-exchanges succeed only if it has not changed since. */
export interface SlotView {
  readonly slot: number;
  readonly word: number;
}

const stateOf = (word: number) => word & 7;
const wordOf = (generation: number, state: number) => ((generation & 0x0fffffff) << 3) | state;
const nextFree = (word: number) => wordOf((word >>> 3) + 1, SlotState.free);

const TIMES_LENGTH = 1 + SLOT_COUNT * TIMES_PER_SLOT;
const WORDS_LENGTH = 1 + SLOT_COUNT;
const NUMBERS_LENGTH = SLOT_COUNT * NUMBERS_PER_SLOT;
const WORDS_OFFSET = TIMES_LENGTH * 8;
const NUMBERS_OFFSET = WORDS_OFFSET + WORDS_LENGTH * 4;
const IDS_OFFSET = NUMBERS_OFFSET + NUMBERS_LENGTH * 4;
const BYTE_LENGTH = IDS_OFFSET + SLOT_COUNT * JOB_ID_BYTES;

export class WatchdogMemory {
  readonly buffer: SharedArrayBuffer;
  readonly #times: BigInt64Array;
  readonly #words: Int32Array;
  readonly #numbers: Int32Array;
  readonly #ids: Uint8Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(BYTE_LENGTH)) {
    if (buffer.byteLength !== BYTE_LENGTH) {
      throw new RangeError(
        `watchdog memory must be ${BYTE_LENGTH} bytes, got ${buffer.byteLength}`,
      );
    }
    this.buffer = buffer;
    this.#times = new BigInt64Array(buffer, 0, TIMES_LENGTH);
    this.#words = new Int32Array(buffer, WORDS_OFFSET, WORDS_LENGTH);
    this.#numbers = new Int32Array(buffer, NUMBERS_OFFSET, NUMBERS_LENGTH);
    this.#ids = new Uint8Array(buffer, IDS_OFFSET, SLOT_COUNT * JOB_ID_BYTES);
  }

  // ------------------------------------------------------------------ main thread

  /** The main thread's sign of life: its event loop ran at `now`. */
  beat(now = Date.now()): void {
    Atomics.store(this.#times, 0, BigInt(now));
  }

  /**
   * Starts watching an invocation: takes a free slot, fills it in, marks it watching
   * and wakes the watchdog. Undefined when every slot is taken or the id does not fit.
   */
  watch(job: WatchedJob): SlotView | undefined {
    if (job.jobId.length > JOB_ID_BYTES || !/^[\x20-\x7e]*$/.test(job.jobId)) return undefined;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const free = Atomics.load(this.#words, 1 + slot);
      if (stateOf(free) !== SlotState.free) continue;
      const writing = (free & ~7) | SlotState.writing;
      if (Atomics.compareExchange(this.#words, 1 + slot, free, writing) !== free) continue;
      const time = 1 + slot * TIMES_PER_SLOT;
      Atomics.store(this.#times, time, BigInt(job.startedAt));
      Atomics.store(this.#times, time + 1, BigInt(job.deadlineAt));
      Atomics.store(this.#times, time + 2, BigInt(job.lambdaEndAt));
      const number = slot * NUMBERS_PER_SLOT;
      Atomics.store(this.#numbers, number, job.reporterId);
      Atomics.store(this.#numbers, number + 1, clampInt(job.budgetMs));
      Atomics.store(this.#numbers, number + 2, clampInt(job.marginMs));
      Atomics.store(this.#numbers, number + 3, job.jobId.length);
      const id = slot * JOB_ID_BYTES;
      for (let i = 0; i < job.jobId.length; i++) this.#ids[id + i] = job.jobId.charCodeAt(i);
      this.beat();
      const watching = (free & ~7) | SlotState.watching;
      Atomics.store(this.#words, 1 + slot, watching);
      this.#wake();
      return { slot, word: watching };
    }
    return undefined;
  }

  /**
   * The main thread's claim to answer the job itself. True: the watchdog will not
   * answer (the slot is free again). False: the watchdog claimed it first.
   */
  claimForMain(view: SlotView): boolean {
    const seen = Atomics.compareExchange(
      this.#words,
      1 + view.slot,
      view.word,
      nextFree(view.word),
    );
    return seen === view.word;
  }

  /**
   * After a lost claim: waits until the watchdog's report ends (at most `timeoutMs`),
   * frees the slot and says how the report ended; undefined if it was still going.
   */
  async verdict(view: SlotView, timeoutMs: number): Promise<WatchdogVerdict | undefined> {
    const index = 1 + view.slot;
    const reporting = (view.word & ~7) | SlotState.reporting;
    const waited = Atomics.waitAsync(this.#words, index, reporting, Math.max(0, timeoutMs));
    if (waited.async) await waited.value;
    const word = Atomics.load(this.#words, index);
    if ((word & ~7) !== (view.word & ~7)) return undefined;
    // Free the slot either way; a report still going then fails its own settle, harmlessly.
    Atomics.compareExchange(this.#words, index, word, nextFree(word));
    return verdictOf(stateOf(word));
  }

  #wake(): void {
    Atomics.add(this.#words, 0, 1);
    Atomics.notify(this.#words, 0);
  }

  // ------------------------------------------------------------------ watchdog thread

  lastBeat(): number {
    return Number(Atomics.load(this.#times, 0));
  }

  wakeCount(): number {
    return Atomics.load(this.#words, 0);
  }

  /** Resolves when the main thread watches a new invocation, or after `timeoutMs`. */
  async waitForWake(seen: number, timeoutMs: number): Promise<void> {
    const waited = Atomics.waitAsync(this.#words, 0, seen, Math.max(0, timeoutMs));
    if (waited.async) await waited.value;
  }

  /** The slots being watched right now, each with the job it watches. */
  *watched(): Generator<SlotView & { job: WatchedJob }> {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const word = Atomics.load(this.#words, 1 + slot);
      if (stateOf(word) !== SlotState.watching) continue;
      const time = 1 + slot * TIMES_PER_SLOT;
      const number = slot * NUMBERS_PER_SLOT;
      const length = Atomics.load(this.#numbers, number + 3);
      const id = slot * JOB_ID_BYTES;
      const job: WatchedJob = {
        jobId: String.fromCharCode(...this.#ids.slice(id, id + length)),
        reporterId: Atomics.load(this.#numbers, number),
        startedAt: Number(Atomics.load(this.#times, time)),
        deadlineAt: Number(Atomics.load(this.#times, time + 1)),
        lambdaEndAt: Number(Atomics.load(this.#times, time + 2)),
        budgetMs: Atomics.load(this.#numbers, number + 1),
        marginMs: Atomics.load(this.#numbers, number + 2),
      };
      // Read before the claim; a claim with this word fails if the slot changed since.
      yield { slot, word, job };
    }
  }

  /** The watchdog's claim to answer the job. False: the main thread answered meanwhile. */
  claimForWatchdog(view: SlotView): boolean {
    const reporting = (view.word & ~7) | SlotState.reporting;
    return Atomics.compareExchange(this.#words, 1 + view.slot, view.word, reporting) === view.word;
  }

  /** Records how the watchdog's report ended and wakes a main thread waiting for it. */
  settle(view: SlotView, verdict: WatchdogVerdict): void {
    const index = 1 + view.slot;
    const reporting = (view.word & ~7) | SlotState.reporting;
    const done = (view.word & ~7) | VERDICT_STATE[verdict];
    Atomics.compareExchange(this.#words, index, reporting, done);
    Atomics.notify(this.#words, index);
  }

  /** Frees a slot the main thread left watching after its invocation was over. */
  abandon(view: SlotView): void {
    Atomics.compareExchange(this.#words, 1 + view.slot, view.word, nextFree(view.word));
  }
}

function verdictOf(state: number): WatchdogVerdict | undefined {
  for (const [verdict, value] of Object.entries(VERDICT_STATE)) {
    if (value === state) return verdict as WatchdogVerdict;
  }
  return undefined;
}

function clampInt(value: number): number {
  return Math.max(0, Math.min(0x7fffffff, Math.round(value)));
}
