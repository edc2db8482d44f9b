/**
 * yauzl's RandomAccessReader over a ByteSource (S3 ranged GETs). yauzl reads the
 * central directory in many small pieces (the tail, then one record at a time).
 * When the caller knows which bytes are coming (the tail, the central directory, one
 * entry's header and data), it prefetches exactly that range in one GET and the small
 * reads are served from it: nothing beyond what was asked for crosses the wire. Other
 * small reads go through a bounded cache of aligned blocks with adaptive read-ahead,
 * so a scan of a central directory too big to prefetch costs a few requests, not one
 * per entry. Ranges bigger than a block (entry data) stream straight from S3 and are
 * never cached, so memory is bounded by the cache, not by the artifact.
 */
import { PassThrough, Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { ByteSource } from './byte-source.js';

export interface RangeReaderOptions {
  /**
   * Size of one cached block and of the smallest ranged GET.
   * @default 256 KiB
   */
  readonly blockSize?: number;
  /**
   * Most blocks kept (least recently used go first).
   * @default 64 (16 MiB with the default block size)
   */
  readonly maxCachedBlocks?: number;
  /**
   * Most extra blocks fetched ahead during a sequential scan.
   * @default 8
   */
  readonly maxReadAheadBlocks?: number;
}

/** One range fetched on purpose with `prefetch`. */
interface PrefetchedRange {
  readonly start: number;
  readonly end: number;
  readonly bytes: Promise<Buffer>;
  /** Kept for the reader's whole life (the central directory), never evicted. */
  readonly keep: boolean;
}

/**
 * Prefetched ranges kept besides those marked `keep`: the last few entries read, so
 * that reading the same small file twice does not fetch it twice.
 */
const MAX_PREFETCHED_RANGES = 8;

export class CachedRangeReader extends yauzl.RandomAccessReader {
  readonly #source: ByteSource;
  #prefetched: PrefetchedRange[] = [];
  readonly #blockSize: number;
  readonly #maxBlocks: number;
  readonly #maxReadAhead: number;
  readonly #blocks = new Map<number, Promise<Buffer>>();
  #readAhead = 0;
  #lastMissedBlock = -2;

  constructor(source: ByteSource, options: RangeReaderOptions = {}) {
    super();
    this.#source = source;
    this.#blockSize = options.blockSize ?? 256 * 1024;
    this.#maxBlocks = options.maxCachedBlocks ?? 64;
    this.#maxReadAhead = Math.min(options.maxReadAheadBlocks ?? 8, this.#maxBlocks - 1);
  }

  get size(): number {
    return this.#source.size;
  }

  /**
   * Fetches bytes [start, end) in one GET (clamped to the object) and serves later
   * reads inside that range from it. `keep` pins it for the reader's life; other
   * prefetched ranges are let go once MAX_PREFETCHED_RANGES newer ones exist. A range
   * already covered, or a failed fetch, is not kept twice.
   */
  prefetch(start: number, end: number, options: { keep?: boolean } = {}): Promise<void> {
    const from = Math.max(0, start);
    const to = Math.min(end, this.#source.size);
    if (to <= from || this.#prefetchedCovering(from, to)) return Promise.resolve();
    const keep = options.keep === true;
    const fetched = this.#source.read(from, to);
    // A kept range right before another kept one (the central directory before the
    // tail) becomes one range, so a record that straddles the seam is served too.
    const next = keep ? this.#prefetched.find((item) => item.keep && item.start === to) : undefined;
    const range: PrefetchedRange = next
      ? {
          start: from,
          end: next.end,
          bytes: Promise.all([fetched, next.bytes]).then((parts) => Buffer.concat(parts)),
          keep,
        }
      : { start: from, end: to, bytes: fetched, keep };
    if (next) this.#prefetched = this.#prefetched.filter((item) => item !== next);
    this.#prefetched.push(range);
    const unkept = this.#prefetched.filter((item) => !item.keep);
    if (unkept.length > MAX_PREFETCHED_RANGES) {
      const oldest = unkept[0];
      this.#prefetched = this.#prefetched.filter((item) => item !== oldest);
    }
    return range.bytes.then(
      () => undefined,
      (error: unknown) => {
        this.#prefetched = this.#prefetched.filter((item) => item !== range);
        throw error;
      },
    );
  }

  /** Bytes [start, end): from a prefetched range when one covers them, else through the block cache. */
  async readRange(start: number, end: number): Promise<Buffer> {
    if (start < 0 || end > this.#source.size || end < start) {
      throw new RangeError(
        `read ${start}-${end} is outside the archive (size ${this.#source.size})`,
      );
    }
    if (start === end) return Buffer.alloc(0);
    const prefetched = this.#prefetchedCovering(start, end);
    if (prefetched) {
      const bytes = await prefetched.bytes;
      return bytes.subarray(start - prefetched.start, end - prefetched.start);
    }
    const first = Math.floor(start / this.#blockSize);
    const last = Math.floor((end - 1) / this.#blockSize);
    this.#fetchMissing(first, last);
    const parts: Buffer[] = [];
    for (let index = first; index <= last; index++) {
      const block = await this.#block(index);
      const blockStart = index * this.#blockSize;
      parts.push(
        block.subarray(Math.max(start - blockStart, 0), Math.min(end - blockStart, block.length)),
      );
    }
    return parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts);
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null, bytesRead?: number) => void,
  ): void {
    this.readRange(position, position + length).then(
      (bytes) => {
        bytes.copy(buffer, offset);
        callback(null, bytes.length);
      },
      (error: Error) => callback(error),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    const small = end - start <= this.#blockSize || this.#isCached(start, end);
    const opened: Promise<Readable> = small
      ? this.readRange(start, end).then((bytes) => Readable.from([bytes]))
      : this.#streamAfterCachedHead(start, end);
    opened.then(
      (stream) => {
        stream.on('error', (error) => out.destroy(error));
        out.on('close', () => stream.destroy());
        stream.pipe(out);
      },
      (error: Error) => out.destroy(error),
    );
    return out;
  }

  /**
   * A big range whose first blocks are already cached (read ahead while the entries
   * before it were read): those come from the cache and only the rest is a new GET,
   * instead of downloading the same bytes twice.
   */
  async #streamAfterCachedHead(start: number, end: number): Promise<Readable> {
    let from = start;
    let index = Math.floor(start / this.#blockSize);
    while (from < end && this.#blocks.has(index)) {
      from = Math.min((index + 1) * this.#blockSize, end);
      index++;
    }
    if (from === start) return this.#source.stream(start, end);
    const head = await this.readRange(start, from);
    if (from === end) return Readable.from([head]);
    const tail = await this.#source.stream(from, end);
    return Readable.from(
      (async function* headThenTail() {
        yield head;
        yield* tail;
      })(),
      { objectMode: false },
    );
  }

  /**
   * The lowest offset from which everything up to `end` is in a kept prefetched range
   * (the tail), or `end` when the byte before `end` is not.
   */
  keptFrom(end: number): number {
    const range = this.#prefetched.find((item) => item.keep && item.start < end && end <= item.end);
    return range ? range.start : end;
  }

  #prefetchedCovering(start: number, end: number): PrefetchedRange | undefined {
    return this.#prefetched.find((range) => range.start <= start && end <= range.end);
  }

  #isCached(start: number, end: number): boolean {
    if (this.#prefetchedCovering(start, end)) return true;
    const first = Math.floor(start / this.#blockSize);
    const last = Math.floor((end - 1) / this.#blockSize);
    for (let index = first; index <= last; index++) {
      if (!this.#blocks.has(index)) return false;
    }
    return true;
  }

  /** Starts one ranged read per run of consecutive missing blocks, plus read-ahead. */
  #fetchMissing(first: number, last: number): void {
    const lastBlock = Math.floor((this.#source.size - 1) / this.#blockSize);
    let index = first;
    while (index <= last) {
      if (this.#blocks.has(index)) {
        index++;
        continue;
      }
      // A miss right after the previous one is a sequential scan: fetch further ahead
      // each time (1, 2, 4, ... blocks); a jump resets it.
      this.#readAhead =
        index === this.#lastMissedBlock + 1
          ? Math.min(Math.max(1, this.#readAhead * 2), this.#maxReadAhead)
          : 0;
      let runEnd = index;
      while (runEnd < last && !this.#blocks.has(runEnd + 1)) runEnd++;
      const wanted = runEnd;
      while (
        runEnd < lastBlock &&
        runEnd - wanted < this.#readAhead &&
        runEnd - index + 1 < this.#maxBlocks &&
        !this.#blocks.has(runEnd + 1)
      ) {
        runEnd++;
      }
      this.#fetchRun(index, runEnd);
      this.#lastMissedBlock = runEnd;
      index = runEnd + 1;
    }
  }

  #fetchRun(first: number, last: number): void {
    const start = first * this.#blockSize;
    const end = Math.min((last + 1) * this.#blockSize, this.#source.size);
    const run = this.#source.read(start, end);
    for (let index = first; index <= last; index++) {
      const offset = (index - first) * this.#blockSize;
      const block = run.then((bytes) => bytes.subarray(offset, offset + this.#blockSize));
      // A failed read is not cached: the next attempt asks S3 again.
      block.catch(() => {
        if (this.#blocks.get(index) === block) this.#blocks.delete(index);
      });
      this.#remember(index, block);
    }
  }

  async #block(index: number): Promise<Buffer> {
    let block = this.#blocks.get(index);
    if (!block) {
      // Evicted between scheduling and use (a read wider than the cache): fetch alone.
      this.#fetchRun(index, index);
      block = this.#blocks.get(index) as Promise<Buffer>;
    } else {
      this.#remember(index, block);
    }
    return block;
  }

  #remember(index: number, block: Promise<Buffer>): void {
    this.#blocks.delete(index);
    this.#blocks.set(index, block);
    while (this.#blocks.size > this.#maxBlocks) {
      const oldest = this.#blocks.keys().next().value;
      if (oldest === undefined) break;
      this.#blocks.delete(oldest);
    }
  }
}
