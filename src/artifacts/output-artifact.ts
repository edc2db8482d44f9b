/**
 * An output artifact: files zipped on the fly (see zip-writer.ts) and
 * streamed to S3 (multipart for large outputs), so an output bigger than memory never
 * sits in memory. Uploads always ask for SSE-KMS, with the job's key when it has one:
 * artifact buckets commonly deny unencrypted puts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { isMissingRegion, isSdkError } from '../aws-errors.js';
import { CodePipelineJobError, ConfigurationError, JobFailedError } from '../errors.js';
import type { ArtifactRef, EncryptionKey } from '../event.js';
import type { JobLogger } from '../logger.js';
import { collectDeadBuffers } from './dead-buffers.js';
import { unsafePathReason } from './entry-safety.js';
import type { LazyS3Client } from './s3-client.js';
import type { ErrorMapper } from './s3-object.js';
import type { ZipSource } from './zip-writer.js';

/** Files to zip: archive path → content (strings are written as UTF-8). */
export type OutputFiles = Readonly<Record<string, string | Buffer | Uint8Array>>;

export interface OutputWriteResult {
  /** Number of files in the archive. */
  readonly files: number;
  /** Size of the uploaded zip in bytes. */
  readonly bytes: number;
}

/** An output artifact of the job (`job.output(name)`). */
export interface OutputArtifact {
  readonly name: string;
  readonly bucket: string;
  readonly key: string;
  /**
   * Zips `content` (a map of path → content, or a directory whose tree is zipped)
   * and uploads it to the artifact's location. Calling it again replaces the upload.
   */
  write(content: OutputFiles | string): Promise<OutputWriteResult>;
}

/**
 * Parts of a multipart upload: S3's minimum, 5 MiB. lib-storage holds about four parts
 * at once (the chunks being gathered, their concatenation, and the 2 in flight), so
 * the part size is what the upload's memory scales with: 8 MiB parts took ~10 MiB
 * more at the peak of a 1 GiB write under a 128 MiB cap, for no measurable speed.
 */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

/** Deflate level: zlib's default, the usual balance of size and speed. */
const DEFLATE_LEVEL = 6;

export class S3OutputArtifact implements OutputArtifact {
  readonly #ref: ArtifactRef;
  readonly #clients: LazyS3Client;
  readonly #encryptionKey: EncryptionKey | undefined;
  readonly #mapError: ErrorMapper;
  readonly #logger: JobLogger;

  constructor(options: {
    ref: ArtifactRef;
    clients: LazyS3Client;
    encryptionKey: EncryptionKey | undefined;
    mapError: ErrorMapper;
    logger: JobLogger;
  }) {
    this.#ref = options.ref;
    this.#clients = options.clients;
    this.#encryptionKey = options.encryptionKey;
    this.#mapError = options.mapError;
    this.#logger = options.logger;
  }

  get name(): string {
    return this.#ref.name;
  }
  get bucket(): string {
    return this.#ref.bucket;
  }
  get key(): string {
    return this.#ref.key;
  }

  async write(content: OutputFiles | string): Promise<OutputWriteResult> {
    let files = 0;
    const counted = async function* (sources: AsyncIterable<ZipSource> | Iterable<ZipSource>) {
      for await (const source of sources) {
        if (source.kind !== 'directory') files++;
        yield source;
      }
    };
    const sources =
      typeof content === 'string' ? await this.#walkDirectory(content) : this.#listFiles(content);
    // Loaded with the first write: a gate that writes no output never loads the writer.
    const { zipStream } = await import('./zip-writer.js');
    const zip = zipStream(counted(sources), {
      level: DEFLATE_LEVEL,
      label: `output artifact "${this.name}"`,
    });
    // Counting in a Transform, not with a 'data' listener: a listener would start the
    // stream flowing before the uploader reads it, and those chunks would be lost.
    let bytes = 0;
    const body = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    zip.on('error', (error) => body.destroy(error));
    zip.pipe(body);
    try {
      await this.#upload(body);
    } finally {
      // Stops the zipping (and closes the file being read) when the upload failed.
      zip.destroy();
    }
    this.#logger.debug('Wrote output artifact', { artifact: this.name, files, bytes });
    return { files, bytes };
  }

  async #upload(body: Readable): Promise<void> {
    const [{ client }, { Upload }] = await Promise.all([
      this.#clients.get(),
      import('@aws-sdk/lib-storage'),
    ]);
    const upload = new Upload({
      client,
      params: {
        Bucket: this.#ref.bucket,
        Key: this.#ref.key,
        Body: body,
        ContentType: 'application/zip',
        ServerSideEncryption: 'aws:kms',
        ...(this.#encryptionKey ? { SSEKMSKeyId: this.#encryptionKey.id } : {}),
      },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    // Each finished part is dead at once; collecting it keeps them from piling up.
    upload.on('httpUploadProgress', collectDeadBuffers);
    try {
      await upload.done();
    } catch (error) {
      body.destroy();
      if (error instanceof CodePipelineJobError) throw error;
      if (isSdkError(error) || isMissingRegion(error)) throw await this.#mapError(error, 'write');
      throw new JobFailedError(
        `Could not write output artifact "${this.name}": ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  #listFiles(files: OutputFiles): ZipSource[] {
    return Object.entries(files).map(([name, data]) => {
      const reason =
        unsafePathReason(name) ??
        (name.endsWith('/')
          ? 'a file name cannot end with "/" (folders come from paths)'
          : undefined);
      if (reason) {
        throw new ConfigurationError(
          `Cannot write "${name}" to output artifact "${this.name}": ${reason}`,
        );
      }
      const bytes =
        typeof data === 'string'
          ? Buffer.from(data, 'utf8')
          : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      return { name, kind: 'bytes', data: bytes };
    });
  }

  /**
   * The tree under `directory` as zip sources, walked while it is zipped: a tree of
   * 100,000 files is never listed whole (a list of them cost ~0.4 KiB of heap per file
   * for the whole write). Names are checked first, in a walk that keeps nothing, so a
   * bad name fails the write before anything is uploaded.
   */
  async #walkDirectory(directory: string): Promise<AsyncIterable<ZipSource>> {
    const stat = await fs.stat(directory).catch(() => undefined);
    if (!stat?.isDirectory()) {
      throw new ConfigurationError(
        `Cannot write output artifact "${this.name}" from "${directory}": it is not a directory`,
      );
    }
    const root = path.resolve(directory);
    for await (const _ of this.#walk(root, directory, false)) {
      // This pass only checks the names.
    }
    return this.#walk(root, directory, true);
  }

  /**
   * Every folder (as `zip -r` writes them, so empty ones survive the trip) and regular
   * file under `absolute`, depth first, names sorted. What it holds is the entries of
   * the folders on the current path. With `stat`, files are stat'ed as they come and
   * skipped links are logged; without, only the names are checked.
   */
  async *#walk(
    absolute: string,
    directory: string,
    stat: boolean,
    relative = '',
  ): AsyncGenerator<ZipSource> {
    if (relative !== '') yield { name: `${relative}/`, kind: 'directory' };
    const entries = await fs.readdir(absolute, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(absolute, entry.name);
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      // A file name may hold what a zip name may not (a backslash reads as a separator).
      const reason = unsafePathReason(name);
      if (reason) {
        throw new ConfigurationError(
          `Cannot write "${name}" from "${directory}" to output artifact "${this.name}": ${reason}`,
        );
      }
      if (entry.isDirectory()) {
        yield* this.#walk(full, directory, stat, name);
      } else if (!stat) {
        // The names pass: nothing to stat or log.
      } else if (entry.isFile()) {
        // Files are opened only when their turn comes: a large tree never holds
        // more than a few descriptors or a few files' bytes.
        const { size, mode, mtime } = await fs.stat(full);
        yield { name, kind: 'file', path: full, size, executable: (mode & 0o111) !== 0, mtime };
      } else {
        // Links could point anywhere on the machine; leaving them out is the safe choice.
        this.#logger.warn('Skipping a non-regular file in an output directory', {
          artifact: this.name,
          path: name,
        });
      }
    }
  }
}
