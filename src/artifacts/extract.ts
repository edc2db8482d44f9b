/**
 * Extracting an archive to a directory without ever writing outside it. Every entry
 * is checked before the first byte is written (names, types, declared sizes, entry
 * count), then each write is checked again against the resolved, symlink-free
 * location, and opened with O_NOFOLLOW so a pre-existing link cannot redirect it.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CodePipelineJobError, JobFailedError } from '../errors.js';
import { resolveInside } from './entry-safety.js';
import { type ArtifactLimits, formatBytes } from './limits.js';
import type { ZipArchive, ZipEntry } from './zip-reader.js';

/** What `extractTo` wrote. */
export interface ExtractResult {
  /** The absolute, resolved directory the archive was extracted into. */
  readonly directory: string;
  readonly files: number;
  readonly directories: number;
  /** Uncompressed bytes written. */
  readonly bytes: number;
}

const WRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

export async function extractArchive(
  archive: ZipArchive,
  directory: string,
  limits: ArtifactLimits,
): Promise<ExtractResult> {
  refuseUnsafeEntries(archive, limits);
  await fs.mkdir(directory, { recursive: true });
  const root = await fs.realpath(directory);
  const state = { files: 0, directories: 0, bytes: 0 };
  for (const entry of archive.entries) {
    const target = resolveInside(root, entry.path);
    if (target === undefined) {
      throw refusal(archive, entry, 'it resolves outside the target directory');
    }
    if (entry.isDirectory) {
      await makeFolder(target, archive, entry);
      await assertInside(root, target, archive, entry);
      state.directories++;
      continue;
    }
    await makeFolder(path.dirname(target), archive, entry);
    await assertInside(root, path.dirname(target), archive, entry);
    await writeEntry(archive, entry, target, limits, state);
    state.files++;
  }
  return { directory: root, ...state };
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

async function makeFolder(folder: string, archive: ZipArchive, entry: ZipEntry): Promise<void> {
  await fs.mkdir(folder, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    // ENAMETOOLONG, ENOTDIR (a file where a folder should be): name the entry.
    throw refusal(archive, entry, `its folder cannot be created (${error.code ?? error.message})`);
  });
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

async function writeEntry(
  archive: ZipArchive,
  entry: ZipEntry,
  target: string,
  limits: ArtifactLimits,
  state: { bytes: number },
): Promise<void> {
  const source = await archive.openEntry(entry, limits.maxEntryBytes);
  const budget = new TotalBudget(limits.maxTotalBytes - state.bytes, () =>
    refusal(
      archive,
      entry,
      `extraction would exceed limits.maxTotalBytes (${formatBytes(limits.maxTotalBytes)})`,
    ),
  );
  // Keep the executable bit (scripts in build output), drop everything else.
  const mode = (entry.raw.externalFileAttributes >>> 16) & 0o111 ? 0o755 : 0o644;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(target, WRITE_FLAGS, mode);
  } catch (error) {
    source.destroy();
    throw refusal(archive, entry, `it cannot be written (${(error as Error).message})`);
  }
  try {
    await pipeline(source, budget, handle.createWriteStream());
    state.bytes += budget.bytes;
  } catch (error) {
    // No half-written files: the caller would otherwise find a truncated file.
    await fs.rm(target, { force: true });
    if (error instanceof CodePipelineJobError) throw error;
    throw refusal(archive, entry, (error as Error).message);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

class TotalBudget extends Transform {
  readonly #remaining: number;
  readonly #error: () => Error;
  bytes = 0;

  constructor(remaining: number, error: () => Error) {
    super();
    this.#remaining = remaining;
    this.#error = error;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#remaining) {
      callback(this.#error());
      return;
    }
    callback(null, chunk);
  }
}

function refusal(archive: ZipArchive, entry: ZipEntry, reason: string): JobFailedError {
  return new JobFailedError(
    `Refusing to extract entry "${entry.path}" of artifact "${archive.artifactName}": ${reason}`,
  );
}
