/**
 * One artifact object in S3, read with the job's client. The first GET asks for the
 * object's last bytes with a suffix range (`bytes=-N`): its Content-Range tells the
 * size and its ETag the version, so no HEAD is needed, and the zip reader finds its
 * end record in bytes already here. Then ranged GETs for the parts the zip reader asks
 * for, or the rest of a small object in one GET.
 * SDK errors leave this file already mapped to CodePipelineJobErrors.
 */
import { PassThrough, Readable } from 'node:stream';
import type { CodePipelineJobError } from '../errors.js';
import type { ArtifactRef } from '../event.js';
import { BufferSource, type ByteSource } from './byte-source.js';
import type { LazyS3Client } from './s3-client.js';

export type ErrorMapper = (error: unknown, operation: string) => Promise<CodePipelineJobError>;

/**
 * Below this size the object is held in memory: after its tail, one GET fetches the
 * rest. A ranged read costs a round trip per range, and the tail plus an entry or two
 * would be most of a small zip anyway.
 * @default 1 MiB
 */
export const SMALL_OBJECT_BYTES = 1024 * 1024;

export interface ObjectHead {
  readonly size: number;
  readonly etag: string | undefined;
}

/** The object's last bytes, [start, size), with what the GET that fetched them said. */
interface ObjectTail extends ObjectHead {
  readonly start: number;
  readonly bytes: Buffer;
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

  /** Size and ETag from a HEAD: only for a server whose answer to the tail GET said neither. */
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

  /**
   * A ByteSource over this object, opened with one GET of its last `tailBytes`: the
   * whole object in memory when small (that GET, and one more for the rest when the
   * object is bigger than the tail), ranged GETs otherwise, with the tail served from
   * memory.
   */
  async open(tailBytes: number, smallObjectBytes = SMALL_OBJECT_BYTES): Promise<ByteSource> {
    const tail = await this.#tail(tailBytes, smallObjectBytes);
    if (tail.start === 0) return new BufferSource(tail.bytes);
    if (tail.size < smallObjectBytes) {
      const rest = await this.read(0, tail.start, tail.etag);
      return new BufferSource(Buffer.concat([rest, tail.bytes]));
    }
    const inTail = (start: number, end: number) =>
      start >= tail.start ? tail.bytes.subarray(start - tail.start, end - tail.start) : undefined;
    return {
      size: tail.size,
      read: async (start, end) => inTail(start, end) ?? this.read(start, end, tail.etag),
      stream: async (start, end) => {
        const bytes = inTail(start, end);
        return bytes ? Readable.from([bytes]) : this.stream(start, end, tail.etag);
      },
    };
  }

  /**
   * The object's last `tailBytes` (all of it when smaller), its size and ETag, in one
   * GET with a suffix range where the server honours it. A server that answers with
   * other bytes (one that reads `bytes=-N` as the first bytes, or ignores Range and
   * sends the whole object) still says the size: the tail is then fetched with an
   * explicit range, and a whole object is kept only when it is small.
   */
  async #tail(tailBytes: number, smallObjectBytes: number): Promise<ObjectTail> {
    const { s3, client } = await this.#clients.get();
    const mapError = (error: unknown) => this.#mapError(error, 'read');
    let response: { Body?: unknown; ContentRange?: string; ContentLength?: number; ETag?: string };
    try {
      response = await client.send(
        new s3.GetObjectCommand({
          Bucket: this.#ref.bucket,
          Key: this.#ref.key,
          Range: `bytes=-${tailBytes}`,
        }),
      );
    } catch (error) {
      // S3 refuses any range of an empty object.
      if (isInvalidRange(error))
        return { size: 0, etag: undefined, start: 0, bytes: Buffer.alloc(0) };
      throw await mapError(error);
    }
    const body = response.Body as Readable;
    const { ETag: etag } = response;
    const range = parseContentRange(response.ContentRange);
    if (range && range.end === range.size - 1) {
      const length = range.end + 1 - range.start;
      const bytes = await collect(sliceStream(body, 0, length, true, mapError), length);
      return { size: range.size, etag, start: range.start, bytes };
    }
    if (!range && (response.ContentLength ?? 0) < smallObjectBytes) {
      // Range ignored: this is the whole object, kept if it is as small as it should be
      // (the slice stops the download one byte past that).
      const whole = await bytesOf(sliceStream(body, 0, smallObjectBytes + 1, false, mapError));
      if (whole.length <= smallObjectBytes)
        return { size: whole.length, etag, start: 0, bytes: whole };
    } else {
      body.destroy();
    }
    // Other bytes than the tail: the size they came with (else a HEAD), then the tail.
    const size = range?.size ?? response.ContentLength;
    const head = size !== undefined ? { size, etag } : await this.head();
    const start = Math.max(0, head.size - tailBytes);
    const bytes = head.size === 0 ? Buffer.alloc(0) : await this.read(start, head.size, head.etag);
    return { ...head, start, bytes };
  }
}

/** `bytes <start>-<end>/<size>` of a Content-Range header; undefined when absent or unknown. */
function parseContentRange(
  header: string | undefined,
): { start: number; end: number; size: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header ?? '');
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) };
}

function isInvalidRange(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as {
    name?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  return name === 'InvalidRange' || $metadata?.httpStatusCode === 416;
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

/** Everything `stream` gives, in one Buffer. */
async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks, total);
}

async function collect(stream: Readable, length: number): Promise<Buffer> {
  const buffer = await bytesOf(stream);
  if (buffer.length !== length) {
    throw new Error(`S3 returned ${buffer.length} bytes where ${length} were asked for`);
  }
  return buffer;
}
