/**
 * Writes a zip as a stream with yazl (the writing twin of yauzl, which reads our
 * inputs): yazl owns the format (headers, data descriptors, and Zip64 once an output
 * passes 4 GiB or 65,535 entries) and writes one entry at a time with backpressure.
 * This file decides what each entry is (stored or deflated, its mode) and when its
 * bytes are read: small files a few ahead of their turn, big files streamed from disk
 * when their turn comes, so no big file is ever held whole.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import yazl from 'yazl';
import { JobFailedError } from '../errors.js';
import { mapConcurrently } from '../map-concurrently.js';

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
}

type FileSource = Exclude<ZipSource, { kind: 'directory' }>;

/** Files up to this size are read whole, a few ahead of their turn; bigger ones are streamed. */
const WHOLE_FILE_BYTES = 1024 * 1024;
/** Small files read ahead of the one being written. */
const READ_AHEAD = 4;
/** Entries sampled at once (store or deflate) before being handed to yazl. */
const SAMPLE_CONCURRENCY = 4;
/**
 * Entries handed to yazl in one synchronous burst. yazl keeps each entry's name as a
 * small Buffer until the central directory is written, and Node carves small Buffers
 * out of shared 64 KiB pools: names allocated one by one, between the reads and
 * deflates of other entries, would each keep a different pool alive (up to a whole
 * pool per entry). Names allocated together share their pools.
 */
const BURST = 256;
/** How much of an entry's start the store-or-deflate trial looks at. */
const SAMPLE_BYTES = 16 * 1024;

const FILE_MODE = 0o100644;
const EXECUTABLE_MODE = 0o100755;
const DIRECTORY_MODE = 0o40755;
const EMPTY = Buffer.alloc(0);
/** yazl's message when an entry's bytes do not match the size it was added with. */
const UNEXPECTED_SIZE = 'file data stream has unexpected number of bytes';

/**
 * The zip of `sources`, in order, as a stream. A failure (a file that vanished or
 * changed size while being zipped) destroys the stream with a JobFailedError naming
 * the entry; destroying the stream stops the zipping.
 */
export function zipStream(sources: readonly ZipSource[], options: ZipStreamOptions): Readable {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as Readable;
  const now = new Date();
  let current = '';
  let stopped = false;
  let readStream: Readable | undefined;
  const stop = () => {
    stopped = true;
    readStream?.destroy();
  };
  const fail = (error: unknown, name: string) => {
    if (stopped) return;
    stop();
    const reason =
      error instanceof Error && error.message === UNEXPECTED_SIZE
        ? 'it changed size while being zipped'
        : error instanceof Error
          ? error.message
          : String(error);
    output.destroy(
      error instanceof JobFailedError
        ? error
        : new JobFailedError(`Cannot write ${options.label}: "${name}": ${reason}`, {
            cause: error,
          }),
    );
  };
  zip.on('error', (error: unknown) => fail(error, current));
  output.on('close', stop);

  // Small files are read a few ahead of the entry yazl is writing; each is let go as
  // soon as it is handed over.
  const readAhead = new Map<number, Promise<Buffer>>();
  const readFrom = (index: number) => {
    for (let ahead = index; ahead < Math.min(index + READ_AHEAD + 1, sources.length); ahead++) {
      const source = sources[ahead] as ZipSource;
      if (source.kind === 'file' && source.size <= WHOLE_FILE_BYTES && !readAhead.has(ahead)) {
        const read = fs.readFile(source.path);
        read.catch(() => {}); // awaited when its turn comes; no unhandled rejection meanwhile
        readAhead.set(ahead, read);
      }
    }
  };
  const dataOf = async (index: number, source: FileSource): Promise<Readable> => {
    if (source.kind === 'bytes') return Readable.from([source.data]);
    readFrom(index);
    const read = readAhead.get(index);
    readAhead.delete(index);
    return read ? Readable.from([await read]) : createReadStream(source.path);
  };

  const add = (index: number, source: ZipSource, compress: boolean) => {
    if (source.kind === 'directory') {
      // Every folder gets its own entry, so empty ones survive the trip.
      zip.addEmptyDirectory(source.name, { mode: DIRECTORY_MODE, mtime: now });
      return;
    }
    const entryOptions = {
      mode: source.kind === 'file' && source.executable ? EXECUTABLE_MODE : FILE_MODE,
      mtime: source.kind === 'file' ? (source.mtime ?? now) : now,
    };
    const size = source.kind === 'file' ? source.size : source.data.length;
    if (size === 0) {
      zip.addBuffer(EMPTY, source.name, { ...entryOptions, compress: false });
      return;
    }
    zip.addReadStreamLazy(
      source.name,
      {
        ...entryOptions,
        compress,
        ...(compress ? { compressionLevel: options.level } : {}),
        // yazl checks the bytes it reads against this: a file that changed size since
        // it was listed fails the write instead of writing a wrong entry.
        size,
      },
      (callback) => {
        current = source.name;
        if (stopped) return;
        dataOf(index, source).then(
          (stream) => {
            if (stopped) return;
            readStream = stream;
            // yazl pipes the stream without listening for its errors: that is ours to do.
            stream.on('error', (error: Error) => fail(error, source.name));
            callback(null, stream);
          },
          (error: unknown) => fail(error, source.name),
        );
      },
    );
  };

  const drive = async () => {
    for (let start = 0; start < sources.length && !stopped; start += BURST) {
      const burst = sources.slice(start, start + BURST);
      const compress = await mapConcurrently(burst, SAMPLE_CONCURRENCY, async (source) => {
        try {
          return source.kind === 'directory' ? false : await shrinks(await sampleOf(source));
        } catch (error) {
          fail(error, source.name);
          throw error;
        }
      });
      if (stopped) return;
      for (const [offset, source] of burst.entries()) {
        try {
          add(start + offset, source, compress[offset] as boolean);
        } catch (error) {
          fail(error, source.name);
          return;
        }
      }
    }
    if (!stopped) zip.end();
  };
  drive().catch((error: unknown) => fail(error, current));
  return output;
}

/** The first bytes of an entry, for the store-or-deflate trial. */
async function sampleOf(source: FileSource): Promise<Buffer> {
  if (source.kind === 'bytes') return source.data.subarray(0, SAMPLE_BYTES);
  if (source.size === 0) return EMPTY;
  const handle = await fs.open(source.path, 'r');
  try {
    const sample = Buffer.allocUnsafeSlow(Math.min(SAMPLE_BYTES, source.size));
    const { bytesRead } = await handle.read(sample, 0, sample.length, 0);
    return sample.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * yazl deflates as it writes, so "store it when deflate does not shrink it" cannot be
 * decided afterwards: a quick trial deflate (level 1) of the entry's first 16 KiB
 * decides instead. Already-compressed content (images, fonts, archives) does not
 * shrink and is stored, which also saves deflating it for nothing.
 */
async function shrinks(sample: Buffer): Promise<boolean> {
  if (sample.length === 0) return false;
  return (await deflateRawAsync(sample, { level: 1 })).length < sample.length;
}
