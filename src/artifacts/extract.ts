/**
 * Extracting an archive to a directory without ever writing outside it. Every entry
 * is checked before the first byte is written (names, types, declared sizes, entry
 * count), then each write is checked again against the resolved, symlink-free
 * location, and opened with O_NOFOLLOW so a pre-existing link cannot redirect it.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CodePipelineJobError, JobFailedError } from '../errors.js';
import type { ExtractResult } from './archive-info.js';
import { quoteEntryName, resolveInside } from './entry-safety.js';
import { type ArtifactLimits, formatBytes } from './limits.js';
// Types only: zip-reader loads yauzl, which must stay off the cold-start path.
import type { ZipArchive, ZipEntry } from './zip-reader.js';

const WRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/**
 * Files written at the same time. One at a time leaves the process idle on every
 * open, write and close (each a trip to libuv's thread pool) and on every ranged read
 * that misses the cache; a few in flight overlap those waits with inflating the next
 * entry. Memory grows by a few stream buffers per file, not by the files' sizes.
 */
const CONCURRENT_FILES = 4;

export async function extractArchive(
  archive: ZipArchive,
  directory: string,
  limits: ArtifactLimits,
): Promise<ExtractResult> {
  refuseUnsafeEntries(archive, limits);
  const planned = archive.entries.map((entry) => {
    const target = resolveInside(directory, entry.path);
    if (target === undefined) {
      throw refusal(archive, entry, 'it resolves outside the target directory');
    }
    return { entry, relative: path.relative(path.resolve(directory), target) };
  });
  await fs.mkdir(directory, { recursive: true });
  const root = await fs.realpath(directory);
  const folders = new CheckedFolders(root, archive);
  const state = { files: 0, directories: 0, bytes: 0 };
  const budget = new SharedBudget(limits.maxTotalBytes);
  // Folders first, in archive order, each created and checked once.
  for (const { entry, relative } of planned) {
    if (!entry.isDirectory) continue;
    await folders.ensure(path.join(root, relative), entry);
    state.directories++;
  }
  const files = planned.filter(({ entry }) => !entry.isDirectory);
  await forEachConcurrently(files, CONCURRENT_FILES, async ({ entry, relative }) => {
    const target = path.join(root, relative);
    await folders.ensure(path.dirname(target), entry);
    const written = await writeEntry(archive, entry, target, limits, budget);
    state.bytes += written;
    state.files++;
  });
  return { directory: root, ...state };
}

/**
 * Creates each folder once and checks once that its real (symlink-resolved) location
 * is inside the real target; later entries in the same folder reuse the answer.
 */
class CheckedFolders {
  readonly #root: string;
  readonly #archive: ZipArchive;
  readonly #checked = new Map<string, Promise<void>>();

  constructor(root: string, archive: ZipArchive) {
    this.#root = root;
    this.#archive = archive;
  }

  ensure(folder: string, entry: ZipEntry): Promise<void> {
    let checked = this.#checked.get(folder);
    if (!checked) {
      checked = (async () => {
        await fs.mkdir(folder, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
          // ENAMETOOLONG, ENOTDIR (a file where a folder should be): name the entry.
          throw refusal(
            this.#archive,
            entry,
            `its folder cannot be created (${error.code ?? error.message})`,
          );
        });
        await assertInside(this.#root, folder, this.#archive, entry);
      })();
      this.#checked.set(folder, checked);
    }
    return checked;
  }
}

/**
 * Runs `work` over `items` with at most `limit` in flight, in order. After the first
 * failure nothing new starts; the ones in flight finish, then that failure is thrown.
 */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
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

/** Writes one file; returns the bytes written. */
async function writeEntry(
  archive: ZipArchive,
  entry: ZipEntry,
  target: string,
  limits: ArtifactLimits,
  budget: SharedBudget,
): Promise<number> {
  const overBudget = () =>
    refusal(
      archive,
      entry,
      `extraction would exceed limits.maxTotalBytes (${formatBytes(limits.maxTotalBytes)})`,
    );
  // Most files of a build output are small: read whole, one write, no streams.
  const whole = archive.isSmall(entry)
    ? await archive.readSmallEntry(entry, limits.maxEntryBytes)
    : undefined;
  const stream = whole ? undefined : await archive.openEntry(entry, limits.maxEntryBytes);
  if (whole && !budget.take(whole.length)) throw overBudget();
  // Keep the executable bit (scripts in build output), drop everything else.
  const mode = (entry.raw.externalFileAttributes >>> 16) & 0o111 ? 0o755 : 0o644;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(target, WRITE_FLAGS, mode);
  } catch (error) {
    stream?.destroy();
    throw refusal(archive, entry, `it cannot be written (${(error as Error).message})`);
  }
  try {
    if (whole) {
      await handle.writeFile(whole);
      return whole.length;
    }
    const counter = budget.counter(overBudget);
    await pipeline(stream as Readable, counter, handle.createWriteStream());
    return counter.bytes;
  } catch (error) {
    // No half-written files: the caller would otherwise find a truncated file.
    await fs.rm(target, { force: true });
    if (error instanceof CodePipelineJobError) throw error;
    throw refusal(archive, entry, (error as Error).message);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** limits.maxTotalBytes, shared by the files being written at the same time. */
class SharedBudget {
  #remaining: number;

  constructor(total: number) {
    this.#remaining = total;
  }

  /** Counts `bytes` against the budget; false once it is overdrawn. */
  take(bytes: number): boolean {
    this.#remaining -= bytes;
    return this.#remaining >= 0;
  }

  /** A pass-through that counts one file's bytes against the budget as they flow. */
  counter(error: () => Error): ByteCounter {
    return new ByteCounter((bytes) => this.take(bytes), error);
  }
}

class ByteCounter extends Transform {
  readonly #take: (bytes: number) => boolean;
  readonly #error: () => Error;
  bytes = 0;

  constructor(take: (bytes: number) => boolean, error: () => Error) {
    super();
    this.#take = take;
    this.#error = error;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (!this.#take(chunk.length)) {
      callback(this.#error());
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
