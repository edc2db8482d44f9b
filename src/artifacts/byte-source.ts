/**
 * Random access to an artifact's bytes. The zip reader only needs "give me bytes
 * a..b" and "stream bytes a..b"; S3 ranged GETs provide both, and an in-memory
 * buffer does too (small artifacts fetched in one GET, and tests).
 */
import { Readable } from 'node:stream';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Bytes [start, end) as one buffer. */
  read(start: number, end: number): Promise<Buffer>;
  /** Bytes [start, end) as a stream, for ranges too big to hold in memory. */
  stream(start: number, end: number): Promise<Readable>;
}

export class BufferSource implements ByteSource {
  readonly #buffer: Buffer;

  constructor(buffer: Buffer) {
    this.#buffer = buffer;
  }

  get size(): number {
    return this.#buffer.length;
  }

  async read(start: number, end: number): Promise<Buffer> {
    return this.#buffer.subarray(start, end);
  }

  async stream(start: number, end: number): Promise<Readable> {
    return Readable.from([this.#buffer.subarray(start, end)]);
  }
}
