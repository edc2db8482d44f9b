/**
 * Extracting an archive to a directory without ever writing outside it, in one pass
 * over the archive. Every entry is checked before the first byte is written (names,
 * types, methods, declared sizes, entry count, records that overlap); then one GET
 * streams the archive's body from its first local record to the central directory,
 * each record is checked against the directory as it arrives, inflated and written.
 * Each write is checked again against the resolved, symlink-free location, and opened
 * with O_NOFOLLOW so a pre-existing link cannot redirect it. When anything fails
 * midway, what this extraction wrote is removed again: the target is left as it was
 * (except that a file it already had and the archive overwrote is gone).
 */
import { closeSync, constants, promises as fs, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import { CodePipelineJobError, JobFailedError } from '../errors.js';
import type { ExtractResult } from './archive-info.js';
import { quoteEntryName, resolveInside } from './entry-safety.js';
import { type ArtifactLimits, formatBytes } from './limits.js';
import { InflatedCheck, LocalRecordWalker, recordsInBodyOrder } from './local-records.js';
// Types only: zip-reader loads yauzl, which must stay off the cold-start path.
import type { ZipArchive, ZipEntry } from './zip-reader.js';

const WRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/** Output chunk of the streaming inflater for big entries: fewer, larger writes. */
const INFLATE_CHUNK_BYTES = 256 * 1024;

export async function extractArchive(
  archive: ZipArchive,
  directory: string,
  limits: ArtifactLimits,
): Promise<ExtractResult> {
  refuseUnsafeEntries(archive, limits);
  // Every target is checked here, before anything is written, and worked out again
  // when written: a list of 32k paths would be held for the whole extraction.
  for (const entry of archive.entries) targetInside(archive, directory, entry);
  const ordered = recordsInBodyOrder(archive);
  const written = new WrittenPaths(ordered.length);
  /** The real (symlink-resolved) target directory, once it exists. */
  let root = '';
  const targetOf = (entry: ZipEntry) =>
    path.join(
      root,
      path.relative(path.resolve(directory), targetInside(archive, directory, entry)),
    );
  try {
    written.folder(await fs.mkdir(directory, { recursive: true }));
    root = await fs.realpath(directory);
    const folders = new CheckedFolders(root, archive, written);
    const state = { files: 0, directories: 0, bytes: 0 };
    // Folders first, in archive order, each created and checked once.
    for (const entry of archive.entries) {
      if (!entry.isDirectory) continue;
      await folders.ensure(targetOf(entry), entry);
      state.directories++;
    }
    const first = ordered[0];
    if (!first) return { directory: root, ...state };
    const bodyStart = first.raw.relativeOffsetOfLocalHeader;
    const walker = new LocalRecordWalker(archive, await archive.streamBody(bodyStart), bodyStart);
    const budget = new TotalBudget(limits.maxTotalBytes);
    try {
      for (const [index, entry] of ordered.entries()) {
        await walker.enter(entry);
        if (entry.isDirectory) {
          await walker.leave(entry);
          continue;
        }
        const target = targetOf(entry);
        await folders.ensure(path.dirname(target), entry);
        const file = new EntryFile(archive, entry, target, limits, budget, () =>
          written.file(index),
        );
        if (archive.isSmall(entry)) {
          const compressed = await walker.wholeData(entry);
          await walker.leave(entry);
          state.bytes += file.writeWhole(compressed);
          state.files++;
        } else {
          // Streamed: the body is not read further until this file is written.
          const bytes = await file.writeStreamed(walker.data(entry));
          state.bytes += bytes;
          state.files++;
          await walker.leave(entry);
        }
      }
    } finally {
      await walker.close();
    }
    return { directory: root, ...state };
  } catch (error) {
    // Files are recorded only once `root` is known.
    await written.remove((index) => targetOf(ordered[index] as ZipEntry));
    throw error;
  }
}

/** Where `entry` is written under `directory`; refuses an entry that resolves outside it. */
function targetInside(archive: ZipArchive, directory: string, entry: ZipEntry): string {
  const target = resolveInside(directory, entry.path);
  if (target === undefined) {
    throw refusal(archive, entry, 'it resolves outside the target directory');
  }
  return target;
}

/**
 * What one extraction created, so a failure can take it away again: files, and the
 * topmost folder of each `mkdir` that created any (everything below it is ours too).
 * Files are kept as one bit per entry (by body-order index), their paths worked out
 * again only for removal: a path per file would be held for the whole extraction.
 */
class WrittenPaths {
  readonly #files: Uint8Array;
  readonly #folders: string[] = [];

  constructor(entries: number) {
    this.#files = new Uint8Array(Math.ceil(entries / 8));
  }

  /** `created` is what `fs.mkdir(..., { recursive: true })` returned: the first folder it made. */
  folder(created: string | undefined): void {
    if (created !== undefined) this.#folders.push(created);
  }

  /** The file of entry `index` (in body order) is about to be written. */
  file(index: number): void {
    this.#files[index >> 3] = (this.#files[index >> 3] as number) | (1 << (index & 7));
  }

  async remove(targetOf: (index: number) => string): Promise<void> {
    for (let index = 0; index < this.#files.length * 8; index++) {
      if (((this.#files[index >> 3] as number) & (1 << (index & 7))) === 0) continue;
      await fs.rm(targetOf(index), { force: true }).catch(() => undefined);
    }
    for (const folder of this.#folders.reverse()) {
      await fs.rm(folder, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/**
 * Creates each folder once and checks once that its real (symlink-resolved) location
 * is inside the real target; later entries in the same folder reuse the answer.
 */
class CheckedFolders {
  readonly #root: string;
  readonly #archive: ZipArchive;
  readonly #written: WrittenPaths;
  readonly #checked = new Map<string, Promise<void>>();

  constructor(root: string, archive: ZipArchive, written: WrittenPaths) {
    this.#root = root;
    this.#archive = archive;
    this.#written = written;
  }

  ensure(folder: string, entry: ZipEntry): Promise<void> {
    let checked = this.#checked.get(folder);
    if (!checked) {
      checked = (async () => {
        const created = await fs
          .mkdir(folder, { recursive: true })
          .catch((error: NodeJS.ErrnoException) => {
            // ENAMETOOLONG, ENOTDIR (a file where a folder should be): name the entry.
            throw refusal(
              this.#archive,
              entry,
              `its folder cannot be created (${error.code ?? error.message})`,
            );
          });
        this.#written.folder(created);
        await assertInside(this.#root, folder, this.#archive, entry);
      })();
      this.#checked.set(folder, checked);
    }
    return checked;
  }
}

/** All-or-nothing: one bad entry refuses the archive before anything is written. */
function refuseUnsafeEntries(archive: ZipArchive, limits: ArtifactLimits): void {
  let declared = 0;
  for (const entry of archive.entries) {
    if (entry.unsafeReason) throw refusal(archive, entry, entry.unsafeReason);
    if (entry.size > limits.maxEntryBytes) {
      throw refusal(
        archive,
        entry,
        `it declares ${formatBytes(entry.size)}, more than limits.maxEntryBytes (${formatBytes(limits.maxEntryBytes)})`,
      );
    }
    if (!entry.isDirectory) {
      if (entry.raw.isEncrypted()) throw refusal(archive, entry, 'it is encrypted');
      const method = entry.raw.compressionMethod;
      if (method !== 0 && method !== 8) {
        throw refusal(
          archive,
          entry,
          `unsupported compression method ${method} (only stored and deflate are supported)`,
        );
      }
    }
    declared += entry.size;
  }
  if (declared > limits.maxTotalBytes) {
    throw new JobFailedError(
      `Refusing to extract artifact "${archive.artifactName}": its entries declare ${formatBytes(declared)} in total, more than limits.maxTotalBytes (${formatBytes(limits.maxTotalBytes)})`,
    );
  }
}

/** The real (symlink-resolved) location must still be inside the real target. */
async function assertInside(
  root: string,
  location: string,
  archive: ZipArchive,
  entry: ZipEntry,
): Promise<void> {
  const real = await fs.realpath(location);
  if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
    throw refusal(archive, entry, `it would be written through a link to ${real}`);
  }
}

/** One file being written from its entry's compressed bytes, checked as it is inflated. */
class EntryFile {
  readonly #archive: ZipArchive;
  readonly #entry: ZipEntry;
  readonly #target: string;
  readonly #limits: ArtifactLimits;
  readonly #budget: TotalBudget;
  /** Records that the target is about to be written (so a failure removes it). */
  readonly #written: () => void;
  readonly #check: InflatedCheck;
  /** Keep the executable bit (scripts in build output), drop everything else. */
  readonly #mode: number;

  constructor(
    archive: ZipArchive,
    entry: ZipEntry,
    target: string,
    limits: ArtifactLimits,
    budget: TotalBudget,
    written: () => void,
  ) {
    this.#archive = archive;
    this.#entry = entry;
    this.#target = target;
    this.#limits = limits;
    this.#budget = budget;
    this.#written = written;
    this.#check = new InflatedCheck(
      entry,
      (reason) => refusal(archive, entry, reason),
      `it inflates to more than the ${formatBytes(entry.size)} it declares (a zip bomb or a damaged archive)`,
    );
    this.#mode = (entry.raw.externalFileAttributes >>> 16) & 0o111 ? 0o755 : 0o644;
  }

  /**
   * A small entry (at most SMALL_ENTRY_BYTES), inflated and written synchronously, in
   * the reading loop. For files of a few KiB, the thread pool's round trips (one for
   * the inflate; open, write and close for `writeFile`) cost more than the work: the
   * 1 GiB extract (32k files) took 1.6x the time and 1.9x the CPU that way (bench,
   * figure 4). The loop still yields whenever it waits for the body's next chunk,
   * and at most 1 MiB is inflated between two yields.
   */
  writeWhole(compressed: Buffer): number {
    let data = compressed;
    if (this.#entry.raw.compressionMethod === 8) {
      try {
        // maxOutputLength makes zlib stop at the declared size: a lie fails, it cannot grow.
        data = inflateRawSync(compressed, {
          maxOutputLength: Math.max(this.#entry.size, 1),
          chunkSize: Math.max(this.#entry.size + 64, 1024),
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw this.#check.sizeLie();
        }
        throw this.#failure(error);
      }
    }
    this.#check.update(data);
    this.#check.finish();
    if (!this.#budget.take(data.length)) throw this.#overBudget();
    this.#written();
    try {
      // Opened here: writeFileSync's own `flag` is typed as a string, and O_NOFOLLOW has none.
      const fd = openSync(this.#target, WRITE_FLAGS, this.#mode);
      try {
        writeFileSync(fd, data);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw this.#failure(error, 'it cannot be written');
    }
    return data.length;
  }

  /** A big entry: inflated as its bytes arrive, written as it is inflated. */
  async writeStreamed(compressed: AsyncIterable<Buffer>): Promise<number> {
    let handle: fs.FileHandle;
    this.#written();
    try {
      handle = await fs.open(this.#target, WRITE_FLAGS, this.#mode);
    } catch (error) {
      throw this.#failure(error, 'it cannot be written');
    }
    try {
      const checked = new CheckedChunks(this.#check, this.#budget, () => this.#overBudget());
      const source = Readable.from(compressed, { objectMode: false });
      const out = handle.createWriteStream({ highWaterMark: INFLATE_CHUNK_BYTES });
      if (this.#entry.raw.compressionMethod === 8) {
        await pipeline(source, createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES }), checked, out);
      } else {
        await pipeline(source, checked, out);
      }
      this.#check.finish();
      return this.#check.bytes;
    } catch (error) {
      throw this.#failure(error);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  #overBudget(): JobFailedError {
    return refusal(
      this.#archive,
      this.#entry,
      `extraction would exceed limits.maxTotalBytes (${formatBytes(this.#limits.maxTotalBytes)})`,
    );
  }

  #failure(error: unknown, what?: string): CodePipelineJobError {
    if (error instanceof CodePipelineJobError) return error;
    const detail = (error as Error).message;
    return refusal(this.#archive, this.#entry, what ? `${what} (${detail})` : detail);
  }
}

/** limits.maxTotalBytes, counted over every file of one extraction. */
class TotalBudget {
  #remaining: number;

  constructor(total: number) {
    this.#remaining = total;
  }

  /** Counts `bytes` against the budget; false once it is overdrawn. */
  take(bytes: number): boolean {
    this.#remaining -= bytes;
    return this.#remaining >= 0;
  }
}

/** A pass-through that checks inflated bytes (size, CRC-32) and counts them against the budget. */
class CheckedChunks extends Transform {
  readonly #check: InflatedCheck;
  readonly #budget: TotalBudget;
  readonly #overBudget: () => Error;

  constructor(check: InflatedCheck, budget: TotalBudget, overBudget: () => Error) {
    super();
    this.#check = check;
    this.#budget = budget;
    this.#overBudget = overBudget;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#check.update(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (!this.#budget.take(chunk.length)) {
      callback(this.#overBudget());
      return;
    }
    callback(null, chunk);
  }
}

function refusal(archive: ZipArchive, entry: ZipEntry, reason: string): JobFailedError {
  return new JobFailedError(
    `Refusing to extract entry ${quoteEntryName(entry.path)} of artifact "${archive.artifactName}": ${reason}`,
  );
}
