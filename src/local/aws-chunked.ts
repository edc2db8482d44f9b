/**
 * Decodes the `aws-chunked` content encoding. AWS SDK v3 sends streaming uploads this
 * way (`<hex size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>\r\n`, the
 * checksum in a trailer). S3 strips the framing; s3rver does not and would store it as
 * part of the object, so the embedded S3 decodes it before s3rver sees the body.
 */
import { Transform, type TransformCallback } from 'node:stream';

const CRLF = Buffer.from('\r\n');
/** A chunk header longer than this is not a header: refuse rather than buffer forever. */
const MAX_LINE = 4096;

type State = 'size' | 'data' | 'data-end' | 'trailers' | 'done';

export class AwsChunkedDecoder extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private state: State = 'size';
  private remaining = 0;
  /** Trailer headers seen after the last chunk (for example `x-amz-checksum-crc32`). */
  readonly trailers: Record<string, string> = {};

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    try {
      this.drain();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback) {
    if (this.state !== 'done' && this.state !== 'trailers') {
      callback(new Error('aws-chunked body ended before its final chunk'));
      return;
    }
    callback();
  }

  private drain(): void {
    for (;;) {
      switch (this.state) {
        case 'size': {
          const line = this.takeLine();
          if (line === undefined) return;
          const size = Number.parseInt(line.split(';')[0] ?? '', 16);
          if (!Number.isFinite(size) || size < 0) {
            throw new Error(`Malformed aws-chunked chunk header: ${line.slice(0, 80)}`);
          }
          this.remaining = size;
          this.state = size === 0 ? 'trailers' : 'data';
          break;
        }
        case 'data': {
          if (this.pending.length === 0) return;
          const take = Math.min(this.remaining, this.pending.length);
          this.push(this.pending.subarray(0, take));
          this.pending = this.pending.subarray(take);
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'data-end';
          break;
        }
        case 'data-end': {
          if (this.pending.length < CRLF.length) return;
          if (!this.pending.subarray(0, CRLF.length).equals(CRLF)) {
            throw new Error('Malformed aws-chunked body: chunk data not followed by CRLF');
          }
          this.pending = this.pending.subarray(CRLF.length);
          this.state = 'size';
          break;
        }
        case 'trailers': {
          const line = this.takeLine();
          if (line === undefined) return;
          if (line === '') {
            this.state = 'done';
            break;
          }
          const colon = line.indexOf(':');
          if (colon > 0) {
            this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          }
          break;
        }
        case 'done':
          // Anything after the final CRLF is ignored, as S3 does.
          this.pending = Buffer.alloc(0);
          return;
      }
    }
  }

  private takeLine(): string | undefined {
    const end = this.pending.indexOf(CRLF);
    if (end === -1) {
      if (this.pending.length > MAX_LINE) throw new Error('aws-chunked line too long');
      return undefined;
    }
    const line = this.pending.subarray(0, end).toString('latin1');
    this.pending = this.pending.subarray(end + CRLF.length);
    return line;
  }
}

/** Whether a request body uses the `aws-chunked` framing. */
export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const encoding = String(headers['content-encoding'] ?? '').toLowerCase();
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  return (
    encoding.split(',').some((token) => token.trim() === 'aws-chunked') ||
    sha.startsWith('STREAMING-')
  );
}
