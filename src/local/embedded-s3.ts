/**
 * An embedded S3 for local runs: s3rver on loopback, data in a fresh temporary folder,
 * behind a small reverse proxy that fixes what s3rver gets wrong for AWS SDK v3 clients:
 *
 * - s3rver only accepts its own access key (`S3RVER`), whatever the signature. Handlers
 *   sign with the job's invented artifact credentials, so the proxy records the access
 *   key a request used and then rewrites it to `S3RVER`. Signatures are not verified.
 * - SDK v3 uploads streams with `Content-Encoding: aws-chunked` (checksum in a trailer);
 *   s3rver would store the framing inside the object. The proxy decodes it.
 * - s3rver accepts `x-amz-server-side-encryption: aws:kms` but forgets it. The proxy
 *   remembers it per object, echoes it on GET/HEAD like S3, and can refuse writes
 *   without it, like a bucket policy that requires SSE-KMS.
 * - s3rver reads a suffix range (`Range: bytes=-N`, the last N bytes) as the first N + 1
 *   bytes. The proxy turns it into the explicit range S3 would serve, and answers 416
 *   InvalidRange for an empty object, as S3 does.
 * - s3rver checks bucket names with a regular expression that backtracks for minutes
 *   (blocking the process) on a long invalid name. The proxy refuses names S3 would
 *   refuse itself, except those given to `createBucket`: published sample events carry
 *   placeholders ("the name of the bucket ...") and the testing kit serves them, under
 *   a valid alias s3rver stores them as.
 *
 * Tests and benchmarks use the same server: every request is recorded (headers, bytes
 * in and out), and `intercept` makes it answer what s3rver cannot (a 403 for a bucket,
 * a 503) or fail the way networks do (a hang, a dropped connection, a body cut short).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { AwsChunkedDecoder, isAwsChunked } from './aws-chunked.js';

/** The only access key s3rver knows. */
const S3RVER_ACCESS_KEY = 'S3RVER';
/** S3's bucket naming rules, as a pattern that cannot backtrack. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MAX_RECORDED_REQUESTS = 10_000;

export interface EmbeddedS3Options {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Buckets to create before the server is handed out. @default [] */
  readonly buckets?: readonly string[];
}

/** One request as the embedded S3 saw it. */
export interface S3RequestRecord {
  readonly method: string;
  /** Path and query, e.g. `/bucket/key?uploads`. */
  readonly url: string;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** The access key id the request was signed with (which credentials a handler used). */
  readonly accessKeyId: string | undefined;
  readonly serverSideEncryption: string | undefined;
  /** 0 when no answer was sent (a network fault). */
  readonly statusCode: number;
  /** Request body bytes received from the client. */
  readonly bytesIn: number;
  /** Response body bytes sent to the client (up to where a client that hung up left). */
  readonly bytesOut: number;
  /** `performance.now()` when the request arrived: orders it among other services' records. */
  readonly receivedAt: number;
}

/** A canned answer that replaces forwarding to s3rver. */
export interface CannedS3Response {
  readonly status: number;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
}

/**
 * A network failure instead of an answer: `hang` never answers, `reset` drops the
 * connection before answering, `reset-mid-body` forwards to s3rver and drops the
 * connection after the headers and part of the body.
 */
export interface S3NetworkFault {
  readonly fault: 'hang' | 'reset' | 'reset-mid-body';
}

/** What an interceptor may answer with: a canned response or a network failure. */
export type InterceptedS3Response = CannedS3Response | S3NetworkFault;

/** The request an interceptor sees; it returns undefined to let s3rver answer. */
export interface InterceptedS3Request {
  readonly method: string;
  readonly url: string;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

export type S3Interceptor = (request: InterceptedS3Request) => InterceptedS3Response | undefined;

/** An error answer in S3's XML shape, for `intercept`. */
export function s3ErrorResponse(status: number, code: string, message = code): CannedS3Response {
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'EMBEDDEDS3' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>EMBEDDEDS3</RequestId></Error>`,
  };
}

/** The AccessDenied a bucket policy answers with, for `intercept`. */
export function accessDeniedResponse(): CannedS3Response {
  return s3ErrorResponse(403, 'AccessDenied', 'Access Denied');
}

export interface ObjectEncryption {
  readonly serverSideEncryption: string;
  readonly kmsKeyId: string | undefined;
}

export interface EmbeddedS3Events {
  request: [record: S3RequestRecord];
}

export interface EmbeddedS3 extends EventEmitter<EmbeddedS3Events> {
  /** `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL_S3`. */
  readonly endpoint: string;
  readonly port: number;
  /** Where s3rver keeps the data; removed by `close()`. */
  readonly directory: string;
  /**
   * Creates a bucket. A name S3 would refuse (a sample event's placeholder) is served
   * too, stored under a valid alias; requests name it as given.
   */
  createBucket(name: string, options?: { readonly requireSseKms?: boolean }): Promise<void>;
  putObject(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options?: { readonly sseKmsKeyId?: string },
  ): Promise<void>;
  getObject(bucket: string, key: string): Promise<Buffer>;
  /** The server-side encryption an object was written with, if any. */
  objectEncryption(bucket: string, key: string): ObjectEncryption | undefined;
  /** Requests seen so far, oldest first (the last 10,000), helpers' own included. */
  requests(): readonly S3RequestRecord[];
  /** Response body bytes served since the last `clearRequests()`. */
  bytesServed(): number;
  /** Forgets the recorded requests (so a test counts only what it exercises). */
  clearRequests(): void;
  /** Answers matching requests without s3rver; pass undefined to stop. */
  intercept(interceptor: S3Interceptor | undefined): void;
  /** The client the helpers use (through the proxy, signed as s3rver expects). */
  client(): S3Client;
  close(): Promise<void>;
}

/** Bucket and key of a path-style request (`/bucket/key/with/slashes`). */
function pathTarget(url: URL): { bucket: string | undefined; key: string | undefined } {
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = rest.length > 0 ? rest.map(decodeURIComponent).join('/') : undefined;
  return {
    bucket: bucket === '' ? undefined : decodeURIComponent(bucket),
    key: key === '' ? undefined : key,
  };
}

/** N of a suffix range, `bytes=-N` (the last N bytes); undefined for anything else. */
function suffixLength(range: string | undefined): number | undefined {
  const match = /^bytes=-(\d+)$/.exec(range ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The access key id a SigV4 request was signed with (header or presigned query). */
function accessKeyOf(headers: IncomingHttpHeaders, url: URL): string | undefined {
  const header = /Credential=([^/,\s]+)\//.exec(headers.authorization ?? '');
  if (header?.[1] !== undefined) return header[1];
  return url.searchParams.get('X-Amz-Credential')?.split('/')[0];
}

/** Sends an S3 XML error; returns the body's length. */
function xmlError(res: ServerResponse, status: number, code: string, message: string): number {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
  return Buffer.byteLength(body);
}

/** Starts s3rver and the proxy in front of it; resolves once both listen. */
export async function startEmbeddedS3(options: EmbeddedS3Options = {}): Promise<EmbeddedS3> {
  const region = options.region ?? 'us-east-1';
  const directory = await mkdtemp(join(tmpdir(), 'codepipeline-handler-s3-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    // Only matters for SigV2; SigV4 signatures are never checked by s3rver.
    allowMismatchedSignatures: true,
  });
  const inner = (await s3rver.run()) as AddressInfo;
  // An idle kept-alive socket is dropped after 1 s, well before s3rver's server closes it
  // (Node's keepAliveTimeout, 5 s): reusing one the server is closing fails the request
  // with "socket hang up", which a loaded machine's scheduling made happen (the stress run).
  const agent = new Agent({ keepAlive: true, timeout: 1_000 });

  const encryption = new Map<string, ObjectEncryption>();
  const sseKmsBuckets = new Set<string>();
  // Bucket names S3 would refuse, given to createBucket: name → the name s3rver stores.
  const bucketAliases = new Map<string, string>();
  const records: S3RequestRecord[] = [];
  let interceptor: S3Interceptor | undefined;
  const emitter = new EventEmitter<EmbeddedS3Events>();
  const objectId = (bucket: string, key: string) => `${bucket}/${key}`;

  function record(entry: S3RequestRecord): void {
    records.push(entry);
    if (records.length > MAX_RECORDED_REQUESTS) records.shift();
    emitter.emit('request', entry);
  }

  function forward(req: IncomingMessage, res: ServerResponse): void {
    const receivedAt = performance.now();
    const url = new URL(req.url ?? '/', 'http://embedded-s3');
    const { bucket, key } = pathTarget(url);
    const method = req.method ?? '';
    const accessKeyId = accessKeyOf(req.headers, url);
    const sse = req.headers['x-amz-server-side-encryption'];
    const sseValue = Array.isArray(sse) ? sse[0] : sse;
    const isUploadPart = url.searchParams.has('partNumber');
    const isObjectWrite =
      key !== undefined &&
      !isUploadPart &&
      (method === 'PUT' || (method === 'POST' && url.searchParams.has('uploads')));
    let bytesIn = 0;
    req.on('data', (chunk: Buffer) => {
      bytesIn += chunk.length;
    });
    let recorded = false;
    const done = (statusCode: number, bytesOut: number) => {
      if (recorded) return;
      recorded = true;
      record({
        method,
        url: req.url ?? '/',
        bucket,
        key,
        headers: req.headers,
        accessKeyId,
        serverSideEncryption: sseValue,
        statusCode,
        bytesIn,
        bytesOut,
        receivedAt,
      });
    };
    const answerWith = (statusCode: number, code: string, message: string) => {
      req.resume();
      const body = xmlError(res, statusCode, code, message);
      done(statusCode, body);
    };

    const intercepted = interceptor?.({
      method,
      url: req.url ?? '/',
      bucket,
      key,
      headers: req.headers,
    });
    if (intercepted !== undefined && !('fault' in intercepted)) {
      req.resume();
      req.on('end', () => {
        const body = Buffer.from(intercepted.body ?? '');
        const sent = method === 'HEAD' ? 0 : body.length;
        res.writeHead(intercepted.status, {
          ...intercepted.headers,
          'content-length': String(body.length),
        });
        res.end(sent === 0 ? undefined : body);
        done(intercepted.status, sent);
      });
      return;
    }
    if (intercepted !== undefined && intercepted.fault !== 'reset-mid-body') {
      const fault = intercepted.fault;
      req.resume();
      req.on('end', () => {
        done(0, 0);
        // A hung response stays open until close() (closeAllConnections).
        if (fault === 'reset') req.socket.destroy();
      });
      return;
    }
    const cutMidBody = intercepted !== undefined;

    const alias = bucket === undefined ? undefined : bucketAliases.get(bucket);
    if (bucket !== undefined && alias === undefined && !BUCKET_NAME.test(bucket)) {
      answerWith(
        400,
        'InvalidBucketName',
        'The specified bucket is not valid (S3 bucket naming rules)',
      );
      return;
    }
    if (alias !== undefined) {
      url.pathname = url.pathname.replace(/^\/[^/]*/, `/${alias}`);
    }

    if (
      isObjectWrite &&
      bucket !== undefined &&
      sseKmsBuckets.has(bucket) &&
      sseValue !== 'aws:kms'
    ) {
      answerWith(
        403,
        'AccessDenied',
        'Access Denied: this bucket requires x-amz-server-side-encryption: aws:kms',
      );
      return;
    }

    const headers: IncomingHttpHeaders = { ...req.headers };
    if (headers.authorization !== undefined) {
      headers.authorization = headers.authorization.replace(
        /Credential=[^/,\s]+\//,
        `Credential=${S3RVER_ACCESS_KEY}/`,
      );
    }
    if (url.searchParams.has('X-Amz-Credential')) {
      const credential = url.searchParams.get('X-Amz-Credential') ?? '';
      url.searchParams.set('X-Amz-Credential', credential.replace(/^[^/]+/, S3RVER_ACCESS_KEY));
    }
    const chunked = isAwsChunked(req.headers);
    if (chunked) {
      const encodings = String(headers['content-encoding'] ?? '')
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token !== '' && token !== 'aws-chunked');
      if (encodings.length > 0) headers['content-encoding'] = encodings.join(', ');
      else delete headers['content-encoding'];
      const decodedLength = headers['x-amz-decoded-content-length'];
      // The decoded length replaces both framings (aws-chunked and HTTP chunked).
      delete headers['transfer-encoding'];
      if (decodedLength !== undefined) headers['content-length'] = String(decodedLength);
      else delete headers['content-length'];
      delete headers['x-amz-decoded-content-length'];
      delete headers['x-amz-trailer'];
      headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    }

    const suffix =
      method === 'GET' && key !== undefined ? suffixLength(req.headers.range) : undefined;
    if (suffix !== undefined && key !== undefined) {
      // A GET has no body to forward: the request is sent once the object's size is known.
      void objectSize(alias ?? bucket ?? '', key).then((size) => {
        if (size === 0) {
          answerWith(416, 'InvalidRange', 'The requested range is not satisfiable');
          return;
        }
        if (size !== undefined) {
          headers.range = `bytes=${Math.max(0, size - suffix)}-${size - 1}`;
        }
        sendUpstream().end();
      });
      return;
    }
    const upstream = sendUpstream();
    if (chunked) {
      const decoder = new AwsChunkedDecoder();
      decoder.on('error', (error) => upstream.destroy(error));
      req.pipe(decoder).pipe(upstream);
    } else {
      req.pipe(upstream);
    }

    function sendUpstream() {
      const upstream = request(
        {
          host: '127.0.0.1',
          port: inner.port,
          method: req.method,
          path: `${url.pathname}${url.search}`,
          headers,
          agent,
        },
        (upstreamRes) => {
          const status = upstreamRes.statusCode ?? 502;
          const responseHeaders = { ...upstreamRes.headers };
          if (bucket !== undefined && key !== undefined && status < 300) {
            const id = objectId(bucket, key);
            if (isObjectWrite) {
              if (sseValue === undefined) encryption.delete(id);
              else {
                const kmsKey = req.headers['x-amz-server-side-encryption-aws-kms-key-id'];
                encryption.set(id, {
                  serverSideEncryption: sseValue,
                  kmsKeyId: Array.isArray(kmsKey) ? kmsKey[0] : kmsKey,
                });
              }
            }
            if (req.method === 'DELETE' && !url.searchParams.has('uploadId')) encryption.delete(id);
            const known = encryption.get(id);
            if (known !== undefined && req.method !== 'DELETE') {
              responseHeaders['x-amz-server-side-encryption'] = known.serverSideEncryption;
              if (known.kmsKeyId !== undefined) {
                responseHeaders['x-amz-server-side-encryption-aws-kms-key-id'] = known.kmsKeyId;
              }
            }
          }
          res.writeHead(status, responseHeaders);
          let bytesOut = 0;
          if (cutMidBody) {
            // reset-mid-body: the headers and half of the first chunk, then the connection drops.
            upstreamRes.once('data', (chunk: Buffer) => {
              const part = chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2)));
              res.write(part, () => {
                done(status, part.length);
                upstreamRes.destroy();
                res.destroy();
              });
            });
            upstreamRes.once('end', () => {
              done(status, 0);
              res.destroy();
            });
            return;
          }
          upstreamRes.on('data', (chunk: Buffer) => {
            bytesOut += chunk.length;
          });
          upstreamRes.on('end', () => done(status, bytesOut));
          // A client that hangs up early (a ranged read that got enough) still counts
          // what was sent before it left.
          res.on('close', () => {
            if (!upstreamRes.complete) {
              done(status, bytesOut);
              upstreamRes.destroy();
            }
          });
          upstreamRes.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        if (!res.headersSent) {
          done(502, xmlError(res, 502, 'InternalError', `embedded S3: ${error.message}`));
        } else {
          res.destroy(error);
          done(502, 0);
        }
      });
      return upstream;
    }
  }

  /** Size of a stored object from s3rver's own file; undefined when there is none. */
  async function objectSize(bucket: string, key: string): Promise<number | undefined> {
    try {
      return (await stat(s3rver.store.getResourcePath(bucket, key, 'object'))).size;
    } catch {
      return undefined;
    }
  }

  const proxy = createServer(forward);
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(options.port ?? 0, '127.0.0.1', () => {
      proxy.off('error', reject);
      resolve();
    });
  });
  const { port } = proxy.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  // Helpers go through the proxy like any client, so they follow the same rules.
  const admin = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_ACCESS_KEY },
    maxAttempts: 1,
  });

  const embedded = Object.assign(emitter, {
    endpoint,
    port,
    directory,
    async createBucket(name: string, bucketOptions: { requireSseKms?: boolean } = {}) {
      if (!BUCKET_NAME.test(name)) {
        const digest = createHash('sha256').update(name).digest('hex').slice(0, 40);
        bucketAliases.set(name, `alias-${digest}`);
      }
      await admin.send(new CreateBucketCommand({ Bucket: name }));
      if (bucketOptions.requireSseKms === true) sseKmsBuckets.add(name);
    },
    async putObject(
      bucket: string,
      key: string,
      body: Uint8Array | string,
      putOptions: { sseKmsKeyId?: string } = {},
    ) {
      await admin.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: putOptions.sseKmsKeyId,
        }),
      );
    },
    async getObject(bucket: string, key: string) {
      const output = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from((await output.Body?.transformToByteArray()) ?? new Uint8Array());
    },
    objectEncryption: (bucket: string, key: string) => encryption.get(objectId(bucket, key)),
    requests: () => [...records],
    bytesServed: () => records.reduce((total, entry) => total + entry.bytesOut, 0),
    clearRequests: () => {
      records.length = 0;
    },
    intercept: (next: S3Interceptor | undefined) => {
      interceptor = next;
    },
    client: () => admin,
    async close() {
      admin.destroy();
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      });
      agent.destroy();
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  });
  for (const bucket of options.buckets ?? []) await embedded.createBucket(bucket);
  return embedded;
}
