/**
 * Writes a zip as a stream, one entry at a time, pulled by whoever reads it
 * (backpressure all the way to the disk). What it holds does not grow with the data:
 * small files (up to 1 MiB) are read and deflated whole (by one shared zlib stream,
 * entry-deflater.ts), a few ahead of their turn;
 * bigger ones are streamed from disk when their turn comes. What it keeps per entry
 * until the end is that entry's central directory record, as bytes
 * (central-directory.ts). The sources may be an async iterable (a directory walked as
 * it is zipped), so the list of files is not held either.
 *
 * yazl wrote our zips before: it keeps an object per entry (name Buffer, Date, closure,
 * ~0.5-0.7 KiB of heap with its pooled name) until the end, and finds the next entry
 * to write by scanning from the first (time square in the entry count). A 1 GiB output
 * of 32,559 files went over 128 MiB with it; the format part it did for us is small.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { pipeline, Readable, Transform } from 'node:stream';
import { promisify } from 'node:util';
import { crc32, createDeflateRaw, deflateRaw } from 'node:zlib';
import { ConfigurationError, JobFailedError } from '../errors.js';
import {
  CentralDirectory,
  FLAG_DATA_DESCRIPTOR,
  FLAG_UTF8,
  VERSION_NEEDED_DEFAULT,
  VERSION_NEEDED_ZIP64,
  ZIP64_FROM,
} from './central-directory.js';
import { EntryDeflater } from './entry-deflater.js';
import { quoteEntryName, unsafePathReason } from './entry-safety.js';

const deflateRawAsync = promisify(deflateRaw);

/** One entry to write. */
export type ZipSource =
  | { readonly name: string; readonly kind: 'directory' }
  | { readonly name: string; readonly kind: 'bytes'; readonly data: Buffer }
  | {
      readonly name: string;
      readonly kind: 'file';
      readonly path: string;
      readonly size: number;
      readonly executable: boolean;
      readonly mtime?: Date;
    };

export interface ZipStreamOptions {
  /** zlib deflate level for the entries that are deflated. */
  readonly level: number;
  /** What is being written, for error messages (`output artifact "Out"`). */
  readonly label: string;
  /**
   * Write the Zip64 end records whatever the entry count (tests of the Zip64 path).
   * @default false
   */
  readonly forceZip64End?: boolean;
}

type FileSource = Exclude<ZipSource, { kind: 'directory' }>;

/** Files up to this size are read and deflated whole, a few ahead of their turn; bigger ones are streamed. */
const WHOLE_FILE_BYTES = 1024 * 1024;
/** Entries prepared (read, deflated) ahead of the one being written. */
const READ_AHEAD = 4;
/** How much of a streamed entry's start the store-or-deflate trial looks at. */
const SAMPLE_BYTES = 16 * 1024;
/** Headers and small entries are gathered into chunks of about this size. */
const CHUNK_BYTES = 64 * 1024;
/**
 * A streamed file from this size on gets Zip64 sizes from its local header on: its
 * compressed size is known only at its end, and deflate can grow incompressible data
 * a little past 4 GiB.
 */
const STREAMED_ZIP64_FROM = 0xf0000000;

const FILE_MODE = 0o100644;
const EXECUTABLE_MODE = 0o100755;
const DIRECTORY_MODE = 0o40755;
const LOCAL_HEADER_BYTES = 30;
const EMPTY = Buffer.alloc(0);

/** An entry ready to be written: whole in memory, or to be streamed at its turn. */
type Prepared =
  | {
      readonly whole: true;
      readonly data: Buffer;
      readonly method: 0 | 8;
      readonly crc: number;
      readonly size: number;
    }
  | { readonly whole: false; readonly compress: boolean };

class ChangedSizeError extends Error {
  constructor() {
    super('it changed size while being zipped');
  }
}

/**
 * The zip of `sources`, in order, as a stream. A failure (a file that vanished or
 * changed size while being zipped) destroys the stream with a JobFailedError naming
 * the entry; destroying the stream stops the zipping and closes the file being read.
 */
export function zipStream(
  sources: Iterable<ZipSource> | AsyncIterable<ZipSource>,
  options: ZipStreamOptions,
): Readable {
  return Readable.from(zipChunks(sources, options), {
    objectMode: false,
    highWaterMark: CHUNK_BYTES,
  });
}

async function* zipChunks(
  sources: Iterable<ZipSource> | AsyncIterable<ZipSource>,
  options: ZipStreamOptions,
): AsyncGenerator<Buffer> {
  const now = new Date();
  const central = new CentralDirectory();
  const deflater = new EntryDeflater(options.level);
  const iterator =
    Symbol.asyncIterator in sources
      ? sources[Symbol.asyncIterator]()
      : (sources as Iterable<ZipSource>)[Symbol.iterator]();
  const failure = (error: unknown, name: string) =>
    error instanceof JobFailedError || error instanceof ConfigurationError
      ? error
      : new JobFailedError(
          `Cannot write ${options.label}: ${quoteEntryName(name)}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );

  // Small entries are read and deflated a few ahead of the one being written.
  const ahead: { source: ZipSource; prepared: Promise<Prepared> }[] = [];
  let exhausted = false;
  const fill = async () => {
    while (!exhausted && ahead.length < READ_AHEAD + 1) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      const source = next.value;
      const reason = nameReason(source);
      if (reason)
        throw new JobFailedError(
          `Cannot write ${options.label}: ${quoteEntryName(source.name)}: ${reason}`,
        );
      const prepared = prepare(source, deflater);
      prepared.catch(() => {}); // awaited at its turn; no unhandled rejection meanwhile
      ahead.push({ source, prepared });
    }
  };

  let offset = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const put = (chunk: Buffer) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    offset += chunk.length;
  };
  const take = () => {
    const chunk =
      pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return chunk;
  };

  try {
    for (;;) {
      await fill();
      const next = ahead.shift();
      if (!next) break;
      const { source } = next;
      try {
        const prepared = await next.prepared;
        const name = Buffer.from(source.name, 'utf8');
        const mtime = source.kind === 'file' ? (source.mtime ?? now) : now;
        const { dosTime, dosDate } = dosDateTime(mtime);
        const localHeaderOffset = offset;
        const externalAttributes =
          (source.kind === 'directory'
            ? DIRECTORY_MODE
            : source.kind === 'file' && source.executable
              ? EXECUTABLE_MODE
              : FILE_MODE) * 0x10000;
        const common = {
          name,
          dosTime,
          dosDate,
          unixTime: unixSeconds(mtime),
          localHeaderOffset,
          externalAttributes,
        };
        if (prepared.whole) {
          // CRC and sizes are known: they go in the local header, with no data descriptor.
          const entry = {
            ...common,
            method: prepared.method,
            flags: FLAG_UTF8,
            crc: prepared.crc,
            compressedSize: prepared.data.length,
            uncompressedSize: prepared.size,
            zip64: false,
          };
          put(localHeader(entry));
          put(prepared.data);
          central.add(entry);
          if (pendingBytes >= CHUNK_BYTES) yield take();
          continue;
        }
        // Streamed: CRC and sizes are known at the end, in a data descriptor.
        const streamedSource = source as FileSource;
        const size =
          streamedSource.kind === 'file' ? streamedSource.size : streamedSource.data.length;
        const zip64 = size >= STREAMED_ZIP64_FROM;
        const method = prepared.compress ? 8 : 0;
        const flags = FLAG_UTF8 | FLAG_DATA_DESCRIPTOR;
        put(
          localHeader({
            ...common,
            method,
            flags,
            crc: 0,
            compressedSize: 0,
            uncompressedSize: 0,
            zip64,
          }),
        );
        yield take();
        const counts = { crc: 0, uncompressed: 0, compressed: 0 };
        for await (const chunk of streamData(
          streamedSource,
          prepared.compress,
          options.level,
          counts,
        )) {
          counts.compressed += chunk.length;
          offset += chunk.length;
          yield chunk;
        }
        if (counts.uncompressed !== size) throw new ChangedSizeError();
        put(dataDescriptor(counts, zip64));
        central.add({
          ...common,
          method,
          flags,
          crc: counts.crc,
          compressedSize: counts.compressed,
          uncompressedSize: counts.uncompressed,
          zip64,
        });
      } catch (error) {
        throw failure(error, source.name);
      }
    }
    const centralOffset = offset;
    if (pendingBytes > 0) yield take();
    yield* central.finish(centralOffset, { forceZip64End: options.forceZip64End === true });
  } finally {
    // Stopped early (a failure, or the reader went away): the sources are not walked further.
    deflater.close();
    await iterator.return?.();
  }
}

/** Why a source cannot be an entry (a name a zip must not hold), or undefined. */
function nameReason(source: ZipSource): string | undefined {
  const isDirectoryName = source.name.endsWith('/');
  if (source.kind === 'directory' && !isDirectoryName) return 'a folder entry must end with "/"';
  if (source.kind !== 'directory' && isDirectoryName) return 'a file name cannot end with "/"';
  return unsafePathReason(isDirectoryName ? source.name.slice(0, -1) : source.name);
}

/** Reads (small entries) or samples (big ones) an entry and decides store or deflate. */
async function prepare(source: ZipSource, deflater: EntryDeflater): Promise<Prepared> {
  if (source.kind === 'directory') return { whole: true, data: EMPTY, method: 0, crc: 0, size: 0 };
  const size = source.kind === 'file' ? source.size : source.data.length;
  if (size > WHOLE_FILE_BYTES)
    return { whole: false, compress: await shrinks(await sampleOf(source)) };
  const data = source.kind === 'file' ? await fs.readFile(source.path) : source.data;
  if (data.length !== size) throw new ChangedSizeError();
  const crc = crc32(data);
  if (size === 0) return { whole: true, data: EMPTY, method: 0, crc, size };
  // Deflated whole, so "store it when deflate does not shrink it" is decided exactly.
  const deflated = await deflater.deflate(data);
  return deflated.length < data.length
    ? { whole: true, data: deflated, method: 8, crc, size }
    : { whole: true, data, method: 0, crc, size };
}

/** The first bytes of a streamed entry, for the store-or-deflate trial. */
async function sampleOf(source: FileSource): Promise<Buffer> {
  if (source.kind === 'bytes') return source.data.subarray(0, SAMPLE_BYTES);
  const handle = await fs.open(source.path, 'r');
  try {
    const sample = Buffer.allocUnsafeSlow(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(sample, 0, sample.length, 0);
    return sample.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * A streamed entry is deflated as it is written, so "store it when deflate does not
 * shrink it" cannot be decided afterwards: a quick trial deflate (level 1) of its first
 * 16 KiB decides instead. Already-compressed content (images, fonts, archives) does not
 * shrink and is stored, which also saves deflating it for nothing.
 */
async function shrinks(sample: Buffer): Promise<boolean> {
  if (sample.length === 0) return false;
  return (await deflateRawAsync(sample, { level: 1 })).length < sample.length;
}

/**
 * The bytes of a streamed entry (deflated or not), counting its CRC and size into
 * `counts` as they pass. A file is read up to one byte past its listed size, so one
 * that grew is caught without reading all of it.
 */
function streamData(
  source: FileSource,
  compress: boolean,
  level: number,
  counts: { crc: number; uncompressed: number },
): Readable {
  const input =
    source.kind === 'file'
      ? // `end` is inclusive: one byte past the listed size.
        createReadStream(source.path, { start: 0, end: source.size })
      : Readable.from([source.data], { objectMode: false });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      counts.crc = crc32(chunk, counts.crc);
      counts.uncompressed += chunk.length;
      callback(null, chunk);
    },
  });
  // pipeline destroys every stream with the first error, so reading the last one throws it;
  // a reader that stops early destroys the last one, and pipeline the others.
  const done = () => {};
  return compress
    ? pipeline(input, counter, createDeflateRaw({ level }), done)
    : pipeline(input, counter, done);
}

function localHeader(entry: {
  name: Buffer;
  method: number;
  flags: number;
  dosTime: number;
  dosDate: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  zip64: boolean;
}): Buffer {
  // A streamed Zip64 entry says so in its local header (sizes 0xffffffff, the real ones in
  // a Zip64 extra field, zero until the data descriptor gives them), so a reader knows its
  // data descriptor holds 8-byte sizes.
  const extra = entry.zip64 ? 20 : 0;
  const header = Buffer.alloc(LOCAL_HEADER_BYTES + entry.name.length + extra);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(entry.zip64 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED_DEFAULT, 4);
  header.writeUInt16LE(entry.flags, 6);
  header.writeUInt16LE(entry.method, 8);
  header.writeUInt16LE(entry.dosTime, 10);
  header.writeUInt16LE(entry.dosDate, 12);
  header.writeUInt32LE(entry.crc, 14);
  header.writeUInt32LE(entry.zip64 ? ZIP64_FROM : entry.compressedSize, 18);
  header.writeUInt32LE(entry.zip64 ? ZIP64_FROM : entry.uncompressedSize, 22);
  header.writeUInt16LE(entry.name.length, 26);
  header.writeUInt16LE(extra, 28);
  entry.name.copy(header, LOCAL_HEADER_BYTES);
  if (entry.zip64) {
    const at = LOCAL_HEADER_BYTES + entry.name.length;
    header.writeUInt16LE(0x0001, at);
    header.writeUInt16LE(16, at + 2);
    // Both sizes stay 0 (Buffer.alloc): the data descriptor has them.
  }
  return header;
}

function dataDescriptor(
  counts: { crc: number; compressed: number; uncompressed: number },
  zip64: boolean,
): Buffer {
  const descriptor = Buffer.alloc(zip64 ? 24 : 16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(counts.crc, 4);
  if (zip64) {
    descriptor.writeBigUInt64LE(BigInt(counts.compressed), 8);
    descriptor.writeBigUInt64LE(BigInt(counts.uncompressed), 16);
  } else {
    if (counts.compressed >= ZIP64_FROM || counts.uncompressed >= ZIP64_FROM) {
      throw new Error('an entry outgrew 4 GiB while being zipped');
    }
    descriptor.writeUInt32LE(counts.compressed, 8);
    descriptor.writeUInt32LE(counts.uncompressed, 12);
  }
  return descriptor;
}

/** Earliest and latest times an MS-DOS date holds (local time, as zip tools read it). */
const DOS_EARLIEST = new Date(1980, 0, 1);
const DOS_LATEST = new Date(2107, 11, 31, 23, 59, 58);

/** MS-DOS date and time fields, in local time, clamped to what they can hold. */
function dosDateTime(date: Date): { dosTime: number; dosDate: number } {
  const clamped = date < DOS_EARLIEST ? DOS_EARLIEST : date > DOS_LATEST ? DOS_LATEST : date;
  return {
    dosDate:
      ((clamped.getFullYear() - 1980) << 9) | ((clamped.getMonth() + 1) << 5) | clamped.getDate(),
    dosTime: (clamped.getHours() << 11) | (clamped.getMinutes() << 5) | (clamped.getSeconds() >> 1),
  };
}

/** Seconds since the epoch as the UT extra field holds them (a signed 32-bit number). */
function unixSeconds(date: Date): number {
  return Math.min(0x7fffffff, Math.max(-0x80000000, Math.floor(date.getTime() / 1000)));
}
