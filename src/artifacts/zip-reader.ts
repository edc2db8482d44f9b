/**
 * A zip archive read through yauzl from a ByteSource: the central directory is
 * listed once (entry names decoded here, not by yauzl, so hostile names are
 * reported by us with the entry named instead of failing the whole listing), and
 * entries are opened one at a time as streams with a running byte limit.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import yauzl from 'yauzl';
import { CodePipelineJobError, JobFailedError } from '../errors.js';
import type { ZipEntryInfo } from './archive-info.js';
import type { ByteSource } from './byte-source.js';
import { CollectionPacer } from './dead-buffers.js';
import {
  isDirectoryEntry,
  quoteEntryName,
  sameFileKey,
  unsafePathReason,
  unsafeTypeReason,
} from './entry-safety.js';
import { type ArtifactLimits, formatBytes } from './limits.js';
import { LOCAL_HEADER_BYTES } from './local-records.js';
import { CachedRangeReader, type RangeReaderOptions } from './range-reader.js';
import { ZIP_TAIL_BYTES } from './zip-tail.js';

export interface ZipEntry extends ZipEntryInfo {
  /** Why this entry must not be read or extracted (unsafe name or type), if it must not. */
  readonly unsafeReason: string | undefined;
  readonly raw: CentralRecord;
}

/**
 * What reading and extracting use of an entry's central directory record, and nothing
 * more. An archive's entries live as long as it is open, so what each keeps counts:
 * yauzl's Entry (its name, extra and comment Buffers, the parsed extra fields, some
 * twenty properties) held ~800 B of heap per entry, 25 MiB for the 32k entries of a
 * 1 GiB build output, which pushed extractTo past a 128 MiB cap. This keeps ~60 B.
 */
export class CentralRecord {
  readonly relativeOffsetOfLocalHeader: number;
  readonly compressionMethod: number;
  readonly generalPurposeBitFlag: number;
  readonly crc32: number;
  readonly externalFileAttributes: number;
  readonly fileNameLength: number;
  readonly extraFieldLength: number;
  /**
   * The name exactly as the directory stores it, one character per byte (latin1), to
   * compare with the local header's: the entry's path itself when that is the same
   * string (any ASCII name), so most entries keep no second copy.
   */
  readonly fileNameBytes: string;

  constructor(raw: yauzl.Entry, path: string) {
    this.relativeOffsetOfLocalHeader = raw.relativeOffsetOfLocalHeader;
    this.compressionMethod = raw.compressionMethod;
    this.generalPurposeBitFlag = raw.generalPurposeBitFlag;
    this.crc32 = raw.crc32;
    this.externalFileAttributes = raw.externalFileAttributes;
    this.fileNameLength = raw.fileNameLength;
    this.extraFieldLength = raw.extraFieldLength;
    const bytes = raw.fileNameRaw.toString('latin1');
    this.fileNameBytes = bytes === path ? path : bytes;
  }

  isEncrypted(): boolean {
    return (this.generalPurposeBitFlag & 0x0001) !== 0;
  }
}

/** A yauzl Entry with what its reading functions use, made when an entry is read. */
function yauzlEntry(entry: ZipEntry): yauzl.Entry {
  return Object.assign(new yauzl.Entry(), {
    relativeOffsetOfLocalHeader: entry.raw.relativeOffsetOfLocalHeader,
    compressionMethod: entry.raw.compressionMethod,
    generalPurposeBitFlag: entry.raw.generalPurposeBitFlag,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.size,
  });
}

const inflateRawAsync = promisify(inflateRaw);

/**
 * Entries up to this size (uncompressed and compressed) can be read whole with
 * `readSmallEntry`: a build output is mostly files of a few KiB, where a chain of
 * streams per file costs more than the bytes themselves.
 * @default 1 MiB
 */
export const SMALL_ENTRY_BYTES = 1024 * 1024;

/**
 * A central directory up to this size is fetched in one GET and kept while the
 * archive is open; a bigger one (only a hostile archive has one) is read through the
 * range reader's block cache.
 * @default 16 MiB
 */
const MAX_PREFETCHED_DIRECTORY_BYTES = 16 * 1024 * 1024;

/**
 * Bytes fetched past an entry's header as its central directory record predicts it:
 * the local header's extra field may be a little longer (Info-ZIP's timestamps are),
 * and one GET with a little to spare beats a second GET for the last few bytes.
 */
const LOCAL_HEADER_SLACK_BYTES = 1024;

export class ZipArchive {
  readonly artifactName: string;
  readonly entries: readonly ZipEntry[];
  /** Where the central directory starts: every entry's local record and data lie before it. */
  readonly centralDirectoryOffset: number;
  readonly #zipfile: yauzl.ZipFile;
  readonly #reader: CachedRangeReader;
  readonly #source: ByteSource;
  /** Made by the first `get`: an extraction, which never looks an entry up, does without it. */
  #byPath: ReadonlyMap<string, ZipEntry> | undefined;

  private constructor(
    artifactName: string,
    zipfile: yauzl.ZipFile,
    reader: CachedRangeReader,
    source: ByteSource,
    entries: ZipEntry[],
    centralDirectoryOffset: number,
  ) {
    this.artifactName = artifactName;
    this.#zipfile = zipfile;
    this.#reader = reader;
    this.#source = source;
    this.entries = entries;
    this.centralDirectoryOffset = centralDirectoryOffset;
  }

  /**
   * Reads the central directory; refuses archives with more entries than the limit.
   * Two GETs at most: the tail (the end record, usually the whole directory with it),
   * then the rest of the directory in one piece.
   */
  static async open(
    source: ByteSource,
    artifactName: string,
    limits: ArtifactLimits,
    readerOptions?: RangeReaderOptions,
  ): Promise<ZipArchive> {
    const reader = new CachedRangeReader(source, readerOptions);
    const tailStart = Math.max(0, source.size - ZIP_TAIL_BYTES);
    await reader.prefetch(tailStart, source.size, { keep: true });
    let zipfile: yauzl.ZipFile;
    try {
      zipfile = await yauzl.fromRandomAccessReaderPromise(reader, source.size, {
        autoClose: false,
        lazyEntries: true,
        decodeStrings: false,
        validateEntrySizes: true,
      });
    } catch (error) {
      throw asArchiveError(error, `Artifact "${artifactName}" is not a readable zip archive`);
    }
    if (zipfile.entryCount > limits.maxEntries) {
      throw new JobFailedError(
        `Artifact "${artifactName}" has ${zipfile.entryCount} entries, more than the limit of ${limits.maxEntries}; raise limits.maxEntries if this is expected`,
      );
    }
    // yauzl keeps where the directory starts (from the end record, Zip64 included) as
    // the cursor of its first read; it is not public, so anything else means "unknown".
    const cursor = (zipfile as unknown as { readEntryCursor?: unknown }).readEntryCursor;
    const directoryOffset =
      typeof cursor === 'number' && cursor >= 0 && cursor <= source.size ? cursor : source.size;
    if (
      directoryOffset < tailStart &&
      tailStart - directoryOffset <= MAX_PREFETCHED_DIRECTORY_BYTES
    ) {
      await reader.prefetch(directoryOffset, tailStart, { keep: true });
    }
    const entries = await readEntries(zipfile, artifactName);
    return new ZipArchive(artifactName, zipfile, reader, source, entries, directoryOffset);
  }

  /**
   * Bytes [start, centralDirectoryOffset) as one stream: one GET for the whole body,
   * read in order by the one-pass extraction.
   */
  async streamBody(start: number): Promise<Readable> {
    const end = this.centralDirectoryOffset;
    // The body's last bytes may already be here, fetched with the tail: not twice.
    const cachedFrom = Math.max(start, this.#reader.keptFrom(end));
    if (cachedFrom >= end) return this.#source.stream(start, end);
    const reader = this.#reader;
    const head = cachedFrom > start ? await this.#source.stream(start, cachedFrom) : undefined;
    return Readable.from(
      (async function* headThenCached() {
        if (head) yield* head;
        yield await reader.readRange(cachedFrom, end);
      })(),
      { objectMode: false },
    );
  }

  get(path: string): ZipEntry | undefined {
    this.#byPath ??= new Map(this.entries.map((entry) => [entry.path, entry]));
    return this.#byPath.get(path);
  }

  /**
   * The entry's uncompressed bytes as a stream. Refuses unsafe entries, entries
   * declared bigger than `maxBytes`, and stops the moment more than `maxBytes`
   * (or more than the entry declared) come out of the inflater.
   */
  async openEntry(entry: ZipEntry, maxBytes: number): Promise<Readable> {
    const label = this.#refuseUnreadable(entry, maxBytes);
    let stream: Readable;
    try {
      await this.#prefetchEntry(entry);
      stream = await this.#zipfile.openReadStreamPromise(yauzlEntry(entry));
    } catch (error) {
      throw asArchiveError(error, `Cannot read ${label}`);
    }
    const sizeLie = sizeLieMessage(label, entry);
    const limited = new ByteLimit(Math.min(maxBytes, entry.size), () =>
      entry.size <= maxBytes
        ? sizeLie
        : `Refusing ${label}: it inflates to more than the limit of ${formatBytes(maxBytes)}`,
    );
    stream.on('error', (error) => {
      // yauzl's own size check usually fires first; say what it means.
      const lie = error instanceof Error && /too many bytes in the stream/.test(error.message);
      limited.destroy(
        lie
          ? new JobFailedError(sizeLie, { cause: error })
          : asArchiveError(error, `Cannot read ${label}`),
      );
    });
    limited.on('close', () => stream.destroy());
    // The inflater can fail `limited` before the caller has attached its own handlers
    // (or after a pipeline has detached them): an 'error' nobody listens to would crash
    // the whole Lambda process. The error is not lost: `limited.errored` keeps it, and
    // pipeline() and async iteration report it to the caller.
    limited.on('error', () => {});
    return stream.pipe(limited);
  }

  /** Whether `readSmallEntry` takes this entry. */
  isSmall(entry: ZipEntryInfo): boolean {
    return entry.size <= SMALL_ENTRY_BYTES && entry.compressedSize <= SMALL_ENTRY_BYTES;
  }

  /**
   * A small entry's uncompressed bytes in one buffer, without a chain of streams: one
   * read of its compressed bytes (through the range cache) and one inflate on zlib's
   * thread pool, which stops at the declared size. The same refusals as `openEntry`;
   * for entries up to SMALL_ENTRY_BYTES, so memory stays bounded.
   */
  async readSmallEntry(entry: ZipEntry, maxBytes: number): Promise<Buffer> {
    const label = this.#refuseUnreadable(entry, maxBytes);
    if (!this.isSmall(entry)) {
      throw new RangeError(`${label} is bigger than SMALL_ENTRY_BYTES; use openEntry`);
    }
    let data: Buffer;
    try {
      await this.#prefetchEntry(entry);
      const { fileDataStart } = await this.#zipfile.readLocalFileHeaderPromise(yauzlEntry(entry), {
        minimal: true,
      });
      data = await this.#reader.readRange(fileDataStart, fileDataStart + entry.compressedSize);
    } catch (error) {
      throw asArchiveError(error, `Cannot read ${label}`);
    }
    if (entry.raw.compressionMethod === 8) {
      try {
        // maxOutputLength makes zlib stop at the declared size: a lie fails, it cannot grow.
        // One output chunk a little bigger than the declared size: no chunks to concatenate.
        data = await inflateRawAsync(data, {
          maxOutputLength: Math.max(entry.size, 1),
          chunkSize: Math.max(entry.size + 64, 1024),
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new JobFailedError(sizeLieMessage(label, entry), { cause: error });
        }
        throw asArchiveError(error, `Cannot read ${label}`);
      }
    }
    if (data.length > entry.size) throw new JobFailedError(sizeLieMessage(label, entry));
    if (data.length < entry.size) {
      throw new JobFailedError(
        `Cannot read ${label}: it holds ${data.length} bytes where it declares ${entry.size} (a damaged archive)`,
      );
    }
    return data;
  }

  /**
   * One GET for what reading `entry` needs: its local header and, for a small entry,
   * its data, as predicted from the central directory (plus a little slack for a
   * longer local extra field). A big entry's data is streamed by its own GET instead.
   */
  #prefetchEntry(entry: ZipEntry): Promise<void> {
    const raw = entry.raw;
    const start = raw.relativeOffsetOfLocalHeader;
    const header = LOCAL_HEADER_BYTES + raw.fileNameLength + raw.extraFieldLength;
    const data = this.isSmall(entry) ? entry.compressedSize : 0;
    return this.#reader.prefetch(start, start + header + data + LOCAL_HEADER_SLACK_BYTES);
  }

  /** Throws when the entry must not be read; returns how messages name it. */
  #refuseUnreadable(entry: ZipEntry, maxBytes: number): string {
    const label = `entry ${quoteEntryName(entry.path)} of artifact "${this.artifactName}"`;
    if (entry.unsafeReason) throw new JobFailedError(`Refusing ${label}: ${entry.unsafeReason}`);
    if (entry.isDirectory) throw new JobFailedError(`Cannot read ${label}: it is a directory`);
    if (entry.raw.isEncrypted()) throw new JobFailedError(`Cannot read ${label}: it is encrypted`);
    if (entry.raw.compressionMethod !== 0 && entry.raw.compressionMethod !== 8) {
      throw new JobFailedError(
        `Cannot read ${label}: unsupported compression method ${entry.raw.compressionMethod} (only stored and deflate are supported)`,
      );
    }
    if (entry.size > maxBytes) {
      throw new JobFailedError(
        `Refusing ${label}: it declares ${formatBytes(entry.size)}, more than the limit of ${formatBytes(maxBytes)}`,
      );
    }
    return label;
  }
}

function sizeLieMessage(label: string, entry: ZipEntry): string {
  return `Refusing ${label}: it inflates to more than the ${formatBytes(entry.size)} it declares (a zip bomb or a damaged archive)`;
}

/** Counts bytes as they flow and fails the stream as soon as there are too many. */
export class ByteLimit extends Transform {
  readonly #max: number;
  readonly #message: () => string;
  #seen = 0;
  readonly #collections = new CollectionPacer();

  constructor(max: number, message: () => string) {
    super();
    this.#max = max;
    this.#message = message;
  }

  get bytes(): number {
    return this.#seen;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#max) {
      callback(new JobFailedError(this.#message()));
      return;
    }
    // A long stream's passed chunks are dead: collect them every few MiB (dead-buffers.ts).
    this.#collections.moved(chunk.length);
    callback(null, chunk);
  }
}

function readEntries(zipfile: yauzl.ZipFile, artifactName: string): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: ZipEntry[] = [];
    const seen = new Set<string>();
    zipfile.on('entry', (raw: yauzl.Entry) => {
      const entry = describeEntry(raw, seen);
      seen.add(sameFileKey(entry.path));
      entries.push(entry);
      zipfile.readEntry();
    });
    zipfile.once('end', () => resolve(entries));
    zipfile.once('error', (error) =>
      reject(
        asArchiveError(error, `Artifact "${artifactName}" has a damaged zip central directory`),
      ),
    );
    zipfile.readEntry();
  });
}

function describeEntry(raw: yauzl.Entry, seen: ReadonlySet<string>): ZipEntry {
  // decodeStrings is off so yauzl does not reject the whole archive on one bad name;
  // strict decoding keeps backslashes visible so they can be refused.
  const path = yauzl.getFileNameLowLevel(
    raw.generalPurposeBitFlag,
    raw.fileNameRaw,
    raw.extraFields,
    true,
  );
  const unsafeReason =
    unsafePathReason(path) ??
    unsafeTypeReason(raw.externalFileAttributes) ??
    (seen.has(sameFileKey(path))
      ? 'the archive has more than one entry with this name (or one naming the same path)'
      : undefined);
  return {
    path,
    size: raw.uncompressedSize,
    compressedSize: raw.compressedSize,
    isDirectory: isDirectoryEntry(path, raw.externalFileAttributes),
    unsafeReason,
    raw: new CentralRecord(raw, path),
  };
}

/** Keeps errors that already carry a failure type (S3 errors); wraps yauzl/zlib ones. */
function asArchiveError(error: unknown, prefix: string): CodePipelineJobError {
  if (error instanceof CodePipelineJobError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new JobFailedError(`${prefix}: ${detail}`, { cause: error });
}
