/**
 * An input artifact: a zip in S3 read lazily and frugally. Nothing is fetched until
 * a method needs it; then one GET of the archive's tail tells the object's size, which
 * decides between the rest in one GET (small) and ranged GETs of just the central
 * directory and the entries asked for (large).
 */
import type { Readable } from 'node:stream';
import { ConfigurationError, JobFailedError } from '../errors.js';
import type { ArtifactRef } from '../event.js';
import type { JobLogger } from '../logger.js';
import type { ExtractResult, ZipEntryInfo } from './archive-info.js';
import { BufferSource, type ByteSource } from './byte-source.js';
import { normalizeLookupPath } from './entry-safety.js';
import { extractArchive } from './extract.js';
import { type ArtifactLimits, formatBytes } from './limits.js';
import type { S3Object } from './s3-object.js';
import { closeMatches } from './suggest.js';
import type { ZipArchive, ZipEntry } from './zip-reader.js';
import { ZIP_TAIL_BYTES } from './zip-tail.js';

/** An input artifact of the job (`job.input(name)`). */
export interface InputArtifact {
  readonly name: string;
  readonly revision: string | undefined;
  readonly bucket: string;
  readonly key: string;
  /** Every entry of the archive (files and directories), from its central directory. */
  files(): Promise<ZipEntryInfo[]>;
  /** Whether the archive has a file or directory at `path`. */
  has(path: string): Promise<boolean>;
  /** The file's bytes. Only this entry (and the archive's index) is downloaded. */
  read(path: string): Promise<Buffer>;
  /** The file decoded as text (UTF-8 unless told otherwise; a BOM is dropped). */
  text(path: string, encoding?: BufferEncoding): Promise<string>;
  /** The file parsed as JSON. The type parameter is not checked; validate if it matters. */
  json<T = unknown>(path: string): Promise<T>;
  /** The file as a stream, for files too big to hold in memory. */
  stream(path: string): Promise<Readable>;
  /** Extracts every entry under `directory`, refusing unsafe archives before writing. */
  extractTo(directory: string): Promise<ExtractResult>;
  /** The raw zip as it is stored in S3. */
  download(): Promise<Buffer>;
}

export class S3InputArtifact implements InputArtifact {
  readonly #ref: ArtifactRef;
  readonly #object: S3Object;
  readonly #limits: ArtifactLimits;
  readonly #logger: JobLogger;
  #source: Promise<ByteSource> | undefined;
  #archive: Promise<ZipArchive> | undefined;

  constructor(ref: ArtifactRef, object: S3Object, limits: ArtifactLimits, logger: JobLogger) {
    this.#ref = ref;
    this.#object = object;
    this.#limits = limits;
    this.#logger = logger;
  }

  get name(): string {
    return this.#ref.name;
  }
  get revision(): string | undefined {
    return this.#ref.revision;
  }
  get bucket(): string {
    return this.#ref.bucket;
  }
  get key(): string {
    return this.#ref.key;
  }

  async files(): Promise<ZipEntryInfo[]> {
    const archive = await this.#openArchive();
    return archive.entries.map(({ path, size, compressedSize, isDirectory }) => ({
      path,
      size,
      compressedSize,
      isDirectory,
    }));
  }

  async has(path: string): Promise<boolean> {
    const wanted = normalizeLookupPath(path);
    if (wanted === undefined) return false;
    const archive = await this.#openArchive();
    if (archive.get(wanted)) return true;
    const folder = `${wanted.replace(/\/+$/, '')}/`;
    return archive.entries.some((entry) => entry.path.startsWith(folder));
  }

  async read(path: string): Promise<Buffer> {
    const { archive, entry } = await this.#find(path);
    const max = Math.min(this.#limits.maxEntryBytes, this.#limits.maxReadBytes);
    // A small file: one GET of its header and data, one inflate, no chain of streams.
    if (archive.isSmall(entry)) return archive.readSmallEntry(entry, max);
    const stream = await archive.openEntry(entry, max);
    // One buffer of the declared size, filled as chunks arrive: collecting chunks and
    // concatenating them would hold the file twice, twice what maxReadBytes allows.
    // openEntry stops the stream before more than the declared size comes out.
    const bytes = Buffer.allocUnsafe(entry.size);
    let filled = 0;
    for await (const chunk of stream) filled += (chunk as Buffer).copy(bytes, filled);
    return filled === entry.size ? bytes : bytes.subarray(0, filled);
  }

  async text(path: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
    return (await this.read(path)).toString(encoding).replace(/^\uFEFF/, '');
  }

  async json<T = unknown>(path: string): Promise<T> {
    const text = await this.text(path);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new JobFailedError(
        `File "${path}" in artifact "${this.name}" is not valid JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async stream(path: string): Promise<Readable> {
    const { archive, entry } = await this.#find(path);
    return archive.openEntry(entry, this.#limits.maxEntryBytes);
  }

  async extractTo(directory: string): Promise<ExtractResult> {
    const archive = await this.#openArchive();
    const result = await extractArchive(archive, directory, this.#limits);
    this.#logger.debug('Extracted input artifact', {
      artifact: this.name,
      directory: result.directory,
      files: result.files,
      bytes: result.bytes,
    });
    return result;
  }

  async download(): Promise<Buffer> {
    const source = await this.#openSource();
    if (source instanceof BufferSource) return source.read(0, source.size);
    if (source.size > this.#limits.maxReadBytes) {
      throw new JobFailedError(
        `Artifact "${this.name}" is ${formatBytes(source.size)}, more than limits.maxReadBytes (${formatBytes(this.#limits.maxReadBytes)}) allows in memory; use extractTo() or stream(), or raise the limit`,
      );
    }
    return this.#object.readAll();
  }

  #openSource(): Promise<ByteSource> {
    this.#source ??= forgetOnFailure(this.#object.open(ZIP_TAIL_BYTES), () => {
      this.#source = undefined;
    });
    return this.#source;
  }

  #openArchive(): Promise<ZipArchive> {
    this.#archive ??= forgetOnFailure(
      this.#openSource().then(async (source) => {
        // yauzl loads with the first archive, not at cold start.
        const { ZipArchive } = await import('./zip-reader.js');
        const archive = await ZipArchive.open(source, this.name, this.#limits);
        this.#logger.debug('Opened input artifact', {
          artifact: this.name,
          bytes: source.size,
          entries: archive.entries.length,
          ranged: !(source instanceof BufferSource),
        });
        return archive;
      }),
      () => {
        this.#archive = undefined;
      },
    );
    return this.#archive;
  }

  async #find(path: string): Promise<{ archive: ZipArchive; entry: ZipEntry }> {
    const wanted = normalizeLookupPath(path);
    if (wanted === undefined) {
      throw new ConfigurationError(
        `"${path}" is not a valid path inside artifact "${this.name}" (use a relative path without "..")`,
      );
    }
    const archive = await this.#openArchive();
    const entry = archive.get(wanted);
    if (entry) return { archive, entry };
    const names = archive.entries.filter((item) => !item.isDirectory).map((item) => item.path);
    const matches = closeMatches(wanted, names);
    throw new JobFailedError(
      `Artifact "${this.name}" has no file "${wanted}"` +
        (matches.length > 0 ? `; did you mean ${matches.map((m) => `"${m}"`).join(', ')}?` : '') +
        ` (it has ${names.length} file${names.length === 1 ? '' : 's'})`,
    );
  }
}

/** Memoized promises must not remember a failure: a later call should try again. */
function forgetOnFailure<T>(promise: Promise<T>, forget: () => void): Promise<T> {
  promise.catch(forget);
  return promise;
}
