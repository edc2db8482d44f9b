/**
 * One artifact object in S3, read with the job's client: HEAD for the size, ranged
 * GETs for the parts the zip reader asks for, one plain GET for small objects.
 * SDK errors leave this file already mapped to CodePipelineJobErrors.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { CodePipelineJobError } from '../errors.js';
import type { ArtifactRef } from '../event.js';
import { BufferSource, type ByteSource } from './byte-source.js';
import type { LazyS3Client } from './s3-client.js';

export type ErrorMapper = (error: unknown, operation: string) => Promise<CodePipelineJobError>;

/**
 * Below this size one GET fetches the whole object: a ranged read costs a round trip
 * per range, and the tail plus an entry or two would be most of a small zip anyway.
 * @default 1 MiB
 */
export const SMALL_OBJECT_BYTES = 1024 * 1024;

export interface ObjectHead {
  readonly size: number;
  readonly etag: string | undefined;
}

export class S3Object {
  readonly #clients: LazyS3Client;
  readonly #ref: ArtifactRef;
  readonly #mapError: ErrorMapper;

  constructor(clients: LazyS3Client, ref: ArtifactRef, mapError: ErrorMapper) {
    this.#clients = clients;
    this.#ref = ref;
    this.#mapError = mapError;
  }

  async head(): Promise<ObjectHead> {
    const { s3, client } = await this.#clients.get();
    try {
      const head = await client.send(
        new s3.HeadObjectCommand({ Bucket: this.#ref.bucket, Key: this.#ref.key }),
      );
      return { size: head.ContentLength ?? 0, etag: head.ETag };
    } catch (error) {
      throw await this.#mapError(error, 'read');
    }
  }

  /**
   * Bytes [start, end) as a stream. `etag` pins the version read first (`If-Match`),
   * so an object replaced mid-read fails instead of mixing two archives.
   */
  async stream(start: number, end: number, etag?: string): Promise<Readable> {
    const { s3, client } = await this.#clients.get();
    let body: Readable;
    let ranged: boolean;
    try {
      const response = await client.send(
        new s3.GetObjectCommand({
          Bucket: this.#ref.bucket,
          Key: this.#ref.key,
          Range: `bytes=${start}-${end - 1}`,
          ...(etag ? { IfMatch: etag } : {}),
        }),
      );
      body = response.Body as Readable;
      ranged = response.ContentRange !== undefined;
    } catch (error) {
      throw await this.#mapError(error, 'read');
    }
    // A server that ignores Range sends the whole object: skip to `start` and stop at
    // `end` rather than trusting it, so memory and traffic stay bounded either way.
    return sliceStream(body, ranged ? 0 : start, end - start, ranged, (error) =>
      this.#mapError(error, 'read'),
    );
  }

  async read(start: number, end: number, etag?: string): Promise<Buffer> {
    return collect(await this.stream(start, end, etag), end - start);
  }

  /** The whole object in one GET. */
  async readAll(): Promise<Buffer> {
    const { s3, client } = await this.#clients.get();
    try {
      const response = await client.send(
        new s3.GetObjectCommand({ Bucket: this.#ref.bucket, Key: this.#ref.key }),
      );
      return Buffer.from(
        await (
          response.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray(),
      );
    } catch (error) {
      throw await this.#mapError(error, 'read');
    }
  }

  /** A ByteSource over this object: the whole object in memory when small, ranged GETs otherwise. */
  async open(smallObjectBytes = SMALL_OBJECT_BYTES): Promise<ByteSource> {
    const head = await this.head();
    if (head.size < smallObjectBytes) return new BufferSource(await this.readAll());
    return {
      size: head.size,
      read: (start, end) => this.read(start, end, head.etag),
      stream: (start, end) => this.stream(start, end, head.etag),
    };
  }
}

/**
 * Passes `length` bytes of `body` after skipping `skip`, then ends. A ranged body is
 * left to end by itself, so its keep-alive connection goes back to the pool (destroying
 * it would cost a new TCP connection per ranged GET); a whole object sent in place of a
 * range is cut off at once.
 */
function sliceStream(
  body: Readable,
  skip: number,
  length: number,
  ranged: boolean,
  mapError: (error: unknown) => Promise<CodePipelineJobError>,
): Readable {
  const out = new PassThrough();
  let skipped = 0;
  let sent = 0;
  let done = false;
  let bodyEnded = false;
  const finish = () => {
    if (done) return;
    done = true;
    out.end();
  };
  body.on('data', (chunk: Buffer) => {
    if (done) return;
    let piece = chunk;
    if (skipped < skip) {
      const drop = Math.min(skip - skipped, piece.length);
      skipped += drop;
      piece = piece.subarray(drop);
    }
    if (piece.length === 0) return;
    const take = piece.subarray(0, length - sent);
    sent += take.length;
    const more = out.write(take);
    if (sent >= length) {
      finish();
      if (!ranged) body.destroy();
    } else if (!more) {
      body.pause();
      out.once('drain', () => body.resume());
    }
  });
  body.on('end', () => {
    bodyEnded = true;
    finish();
  });
  body.on('error', (error) => {
    if (done) return;
    done = true;
    void mapError(error).then((mapped) => out.destroy(mapped));
  });
  // A reader that stops early must not leave the download running; a ranged body that
  // has delivered everything is only waiting for its end, and keeps its connection.
  out.on('close', () => {
    if (!bodyEnded && !(ranged && sent >= length)) body.destroy();
  });
  return out;
}

async function collect(stream: Readable, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
  }
  const buffer = Buffer.concat(chunks, total);
  if (buffer.length !== length) {
    throw new Error(`S3 returned ${buffer.length} bytes where ${length} were asked for`);
  }
  return buffer;
}
