/**
 * yauzl's RandomAccessReader over a ByteSource (S3 ranged GETs). yauzl reads the
 * central directory in many small pieces (the tail, then one record at a time), so
 * small reads go through a bounded cache of aligned blocks with adaptive read-ahead:
 * a scan of the central directory costs a few requests, not one per entry. Ranges
 * bigger than a block (entry data) stream straight from S3 and are never cached,
 * so memory is bounded by the cache, not by the artifact.
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

export class CachedRangeReader extends yauzl.RandomAccessReader {
  readonly #source: ByteSource;
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

  /** Bytes [start, end) through the block cache. */
  async readRange(start: number, end: number): Promise<Buffer> {
    if (start < 0 || end > this.#source.size || end < start) {
      throw new RangeError(
        `read ${start}-${end} is outside the archive (size ${this.#source.size})`,
      );
    }
    if (start === end) return Buffer.alloc(0);
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

  #isCached(start: number, end: number): boolean {
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
