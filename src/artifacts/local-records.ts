/**
 * An archive's local records read in order from one stream of its body, for the
 * one-pass extraction: one GET from the first local header to the central directory
 * instead of one ranged GET per entry. The central directory has been read and
 * checked first; here each local header must agree with its directory entry (name,
 * method, sizes, CRC-32), gaps between records are read and dropped, and records that
 * overlap (two names sharing one record, a record running into the next) are refused
 * before anything is written.
 */
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { JobFailedError } from '../errors.js';
import { CollectionPacer } from './dead-buffers.js';
import { quoteEntryName } from './entry-safety.js';
import { formatBytes } from './limits.js';
import type { ZipArchive, ZipEntry } from './zip-reader.js';

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const DATA_DESCRIPTOR_SIGNATURE = 0x08074b50;
/** A local file header's fixed part. */
export const LOCAL_HEADER_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
const U32_MAX = 0xffffffff;
/** General purpose flag bit 3: CRC-32 and sizes follow the data in a data descriptor. */
const HAS_DATA_DESCRIPTOR = 0x0008;

/**
 * The entries in the order their records lie in the body. Refuses records that
 * overlap each other or the central directory, judged by the least room each needs
 * (header, name, data); the exact end of each is checked again while reading.
 */
export function recordsInBodyOrder(archive: ZipArchive): ZipEntry[] {
  const ordered = [...archive.entries].sort(
    (a, b) => a.raw.relativeOffsetOfLocalHeader - b.raw.relativeOffsetOfLocalHeader,
  );
  for (const [index, entry] of ordered.entries()) {
    const end = leastRecordEnd(entry);
    const next = ordered[index + 1];
    if (next && end > next.raw.relativeOffsetOfLocalHeader) {
      throw new JobFailedError(
        `Refusing to extract artifact "${archive.artifactName}": the records of entries ${quoteEntryName(entry.path)} and ${quoteEntryName(next.path)} overlap (a damaged or hostile archive)`,
      );
    }
    if (!next && end > archive.centralDirectoryOffset) {
      throw new JobFailedError(
        `Refusing to extract artifact "${archive.artifactName}": the record of entry ${quoteEntryName(entry.path)} runs into the central directory (a damaged or hostile archive)`,
      );
    }
  }
  return ordered;
}

function leastRecordEnd(entry: ZipEntry): number {
  return (
    entry.raw.relativeOffsetOfLocalHeader +
    LOCAL_HEADER_BYTES +
    entry.raw.fileNameLength +
    entry.compressedSize
  );
}

/**
 * Walks the body stream record by record. For each entry in body order: `enter` skips
 * to its record and checks its local header, `data` hands out exactly its compressed
 * bytes as they arrive, `leave` reads its data descriptor (if it has one) and checks it.
 * The stream is pulled, never pushed: while the caller is busy nothing more is read,
 * so TCP backpressure holds the rest of the body in the socket, not in memory.
 */
export class LocalRecordWalker {
  readonly #archive: ZipArchive;
  readonly #iterator: AsyncIterator<Buffer>;
  /** Bytes read from the stream and not yet handed out. */
  #pending: Buffer = Buffer.alloc(0);
  /** Archive offset of #pending's first byte. */
  #position: number;
  /** Where the current entry's data ends (set by `enter`). */
  #dataEnd = 0;
  /** Collects the body's dead chunks every few MiB pulled. */
  readonly #collections = new CollectionPacer();

  constructor(archive: ZipArchive, body: Readable, bodyStart: number) {
    this.#archive = archive;
    this.#iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.#position = bodyStart;
  }

  /** Skips to `entry`'s local record and checks its header against the central directory. */
  async enter(entry: ZipEntry): Promise<void> {
    const offset = entry.raw.relativeOffsetOfLocalHeader;
    if (offset < this.#position) {
      throw this.#refusal(entry, 'its record overlaps the one before it');
    }
    await this.#skip(entry, offset - this.#position);
    const header = await this.#bytes(entry, LOCAL_HEADER_BYTES);
    if (header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) {
      throw this.#refusal(entry, 'no local header where the central directory puts it');
    }
    const nameLength = header.readUInt16LE(26);
    const extraLength = header.readUInt16LE(28);
    const nameAndExtra = await this.#bytes(entry, nameLength + extraLength);
    checkLocalHeader(
      entry,
      header,
      nameAndExtra.subarray(0, nameLength),
      nameAndExtra.subarray(nameLength),
      (reason) => this.#refusal(entry, reason),
    );
    this.#dataEnd = this.#position + entry.compressedSize;
  }

  /** Exactly the entry's compressed bytes, in pieces as they arrive. Consume it all. */
  async *data(entry: ZipEntry): AsyncGenerator<Buffer, void, undefined> {
    let remaining = entry.compressedSize;
    while (remaining > 0) {
      if (this.#pending.length === 0 && !(await this.#pull())) {
        throw this.#truncated(entry);
      }
      const piece = this.#take(Math.min(remaining, this.#pending.length));
      remaining -= piece.length;
      yield piece;
    }
  }

  /** The entry's compressed bytes in one buffer (small entries). */
  async wholeData(entry: ZipEntry): Promise<Buffer> {
    return this.#bytes(entry, entry.compressedSize);
  }

  /** After the data: reads and checks the data descriptor when the entry has one. */
  async leave(entry: ZipEntry): Promise<void> {
    // Data a consumer did not take (a directory's, an inflater that stopped early) is dropped.
    await this.#skip(entry, this.#dataEnd - this.#position);
    if ((entry.raw.generalPurposeBitFlag & HAS_DATA_DESCRIPTOR) === 0) return;
    const zip64 = entry.size >= U32_MAX || entry.compressedSize >= U32_MAX;
    const fields = zip64 ? 20 : 12;
    let descriptor = await this.#peek(entry, 4);
    if (descriptor.readUInt32LE(0) === DATA_DESCRIPTOR_SIGNATURE) {
      await this.#bytes(entry, 4);
    }
    descriptor = await this.#bytes(entry, fields);
    const crc = descriptor.readUInt32LE(0);
    const compressedSize = zip64
      ? Number(descriptor.readBigUInt64LE(4))
      : descriptor.readUInt32LE(4);
    const size = zip64 ? Number(descriptor.readBigUInt64LE(12)) : descriptor.readUInt32LE(8);
    if (crc !== entry.raw.crc32 || compressedSize !== entry.compressedSize || size !== entry.size) {
      throw this.#refusal(
        entry,
        'its data descriptor disagrees with the central directory (CRC-32 or sizes)',
      );
    }
  }

  /** Stops reading the body (after a failure, or when nothing more is needed). */
  async close(): Promise<void> {
    this.#pending = Buffer.alloc(0);
    await this.#iterator.return?.();
  }

  /** Pulls one more chunk into #pending; false at the end of the stream. */
  async #pull(): Promise<boolean> {
    const next = await this.#iterator.next();
    if (next.done) return false;
    // The body's chunks die as they are written (a small file's bytes may keep a whole
    // socket chunk alive until then): collect them every few MiB (dead-buffers.ts).
    this.#collections.moved(next.value.length);
    this.#pending =
      this.#pending.length === 0 ? next.value : Buffer.concat([this.#pending, next.value]);
    return true;
  }

  #take(length: number): Buffer {
    const piece = this.#pending.subarray(0, length);
    this.#pending = this.#pending.subarray(length);
    this.#position += length;
    return piece;
  }

  async #peek(entry: ZipEntry, length: number): Promise<Buffer> {
    while (this.#pending.length < length) {
      if (!(await this.#pull())) throw this.#truncated(entry);
    }
    return this.#pending.subarray(0, length);
  }

  /** Exactly `length` bytes in one buffer, copied once however many chunks they span. */
  async #bytes(entry: ZipEntry, length: number): Promise<Buffer> {
    if (this.#pending.length >= length) return this.#take(length);
    const whole = Buffer.allocUnsafe(length);
    let filled = this.#take(this.#pending.length).copy(whole);
    while (filled < length) {
      if (!(await this.#pull())) throw this.#truncated(entry);
      filled += this.#take(Math.min(length - filled, this.#pending.length)).copy(whole, filled);
    }
    return whole;
  }

  /** Reads and drops `length` bytes: a gap between records. */
  async #skip(entry: ZipEntry, length: number): Promise<void> {
    let remaining = length;
    while (remaining > 0) {
      if (this.#pending.length === 0 && !(await this.#pull())) throw this.#truncated(entry);
      remaining -= this.#take(Math.min(remaining, this.#pending.length)).length;
    }
  }

  #truncated(entry: ZipEntry): JobFailedError {
    return this.#refusal(
      entry,
      `the archive's body ended early, at byte ${this.#position} of ${this.#archive.centralDirectoryOffset} (a truncated download or archive)`,
    );
  }

  #refusal(entry: ZipEntry, reason: string): JobFailedError {
    return new JobFailedError(
      `Refusing to extract entry ${quoteEntryName(entry.path)} of artifact "${this.#archive.artifactName}": ${reason}`,
    );
  }
}

/**
 * The local header must say what the central directory says: the same name bytes,
 * compression method and encryption, and (unless a data descriptor carries them) the
 * same CRC-32 and sizes, Zip64 values included. A disagreement is how two zip readers
 * end up seeing two different archives in one file.
 */
function checkLocalHeader(
  entry: ZipEntry,
  header: Buffer,
  name: Buffer,
  extra: Buffer,
  refuse: (reason: string) => JobFailedError,
): void {
  const raw = entry.raw;
  if (name.toString('latin1') !== raw.fileNameBytes) {
    throw refuse(
      `its local header names it ${JSON.stringify(name.toString('utf8').slice(0, 200))}`,
    );
  }
  const flags = header.readUInt16LE(6);
  if ((flags & 0x0001) !== (raw.generalPurposeBitFlag & 0x0001)) {
    throw refuse('its local header and the central directory disagree on encryption');
  }
  const method = header.readUInt16LE(8);
  if (method !== raw.compressionMethod) {
    throw refuse(
      `its local header says compression method ${method}, the central directory ${raw.compressionMethod}`,
    );
  }
  const crc = header.readUInt32LE(14);
  let compressedSize = header.readUInt32LE(18);
  let size = header.readUInt32LE(22);
  if (size === U32_MAX || compressedSize === U32_MAX) {
    const zip64 = zip64Sizes(extra, size === U32_MAX, compressedSize === U32_MAX);
    if (!zip64) throw refuse('its local header has Zip64 sizes without a Zip64 extra field');
    size = zip64.size ?? size;
    compressedSize = zip64.compressedSize ?? compressedSize;
  }
  const deferred = (flags & HAS_DATA_DESCRIPTOR) !== 0;
  const agrees = (local: number, central: number) => local === central || (deferred && local === 0);
  if (!agrees(crc, raw.crc32)) {
    throw refuse('its local header and the central directory disagree on its CRC-32');
  }
  if (!agrees(compressedSize, entry.compressedSize) || !agrees(size, entry.size)) {
    throw refuse(
      `its local header declares ${formatBytes(size)} (${formatBytes(compressedSize)} compressed), the central directory ${formatBytes(entry.size)} (${formatBytes(entry.compressedSize)} compressed)`,
    );
  }
}

/** The Zip64 extra field of a local header: the sizes that were U32_MAX, in that order. */
function zip64Sizes(
  extra: Buffer,
  hasSize: boolean,
  hasCompressedSize: boolean,
): { size?: number; compressedSize?: number } | undefined {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    const body = extra.subarray(at + 4, at + 4 + length);
    if (id === ZIP64_EXTRA_ID) {
      let field = 0;
      const next = () => {
        if (field + 8 > body.length) return undefined;
        const value = Number(body.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      const size = hasSize ? next() : undefined;
      const compressedSize = hasCompressedSize ? next() : undefined;
      if ((hasSize && size === undefined) || (hasCompressedSize && compressedSize === undefined)) {
        return undefined;
      }
      return {
        ...(size === undefined ? {} : { size }),
        ...(compressedSize === undefined ? {} : { compressedSize }),
      };
    }
    at += 4 + length;
  }
  return undefined;
}

/**
 * CRC-32 and size of an entry's inflated bytes, checked as they flow: more than the
 * declared size fails at once (a zip bomb stops there), and at the end both must
 * match the central directory.
 */
export class InflatedCheck {
  readonly #entry: ZipEntry;
  readonly #refuse: (reason: string) => JobFailedError;
  readonly #sizeLie: string;
  #crc = 0;
  bytes = 0;

  constructor(entry: ZipEntry, refuse: (reason: string) => JobFailedError, sizeLie: string) {
    this.#entry = entry;
    this.#refuse = refuse;
    this.#sizeLie = sizeLie;
  }

  /** The refusal for an entry that inflates past its declared size. */
  sizeLie(): JobFailedError {
    return this.#refuse(this.#sizeLie);
  }

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#entry.size) throw this.sizeLie();
    this.#crc = crc32(chunk, this.#crc);
  }

  finish(): void {
    if (this.bytes !== this.#entry.size) {
      throw this.#refuse(
        `it holds ${this.bytes} bytes where it declares ${this.#entry.size} (a damaged archive)`,
      );
    }
    if (this.#crc !== this.#entry.raw.crc32) {
      throw this.#refuse('its CRC-32 does not match its data (a damaged archive)');
    }
  }
}
