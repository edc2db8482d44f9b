/**
 * A real S3 implementation for tests: s3rver on 127.0.0.1 (a free port, a fresh
 * temporary directory), behind a small recording proxy so tests can assert what
 * actually went over the wire (bytes served, request headers such as SSE-KMS) and
 * can make the "server" answer what s3rver cannot (403 AccessDenied for a bucket) or
 * fail the way networks do (a hang, a dropped connection, a body cut short).
 *
 * s3rver accepts only its own access key id `S3RVER` and does not verify SigV4
 * signatures (its v4 check is unimplemented), so clients sign with
 * `S3RVER`/`S3RVER` plus any session token.
 *
 * ```ts
 * const server = await startS3Server({ buckets: ['artifacts'] });
 * process.env.AWS_ENDPOINT_URL_S3 = server.endpoint;
 * await server.putObject('artifacts', 'key.zip', zipBytes);
 * server.resetCounters();
 * // ... exercise code ...
 * expect(server.bytesServed()).toBeLessThan(100_000);
 * await server.close();
 * ```
 */
import { mkdtemp, rm } from 'node:fs/promises';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** The credentials s3rver accepts (it only checks the access key id). */
export const S3_SERVER_CREDENTIALS = Object.freeze({
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
  sessionToken: 'test-session-token-for-s3rver',
});

/** One request that went through the proxy. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. `/bucket/key?uploads`. */
  readonly url: string;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly status: number;
  /** Response body bytes sent to the client. */
  readonly bytesOut: number;
  /** Request body bytes received from the client. */
  readonly bytesIn: number;
}

/** A canned answer that replaces forwarding to s3rver. */
export interface CannedResponse {
  readonly status: number;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
}

/**
 * A network failure instead of an answer: `hang` never answers, `reset` drops the
 * connection before answering, `reset-mid-body` forwards to s3rver and drops the
 * connection after the headers and part of the body.
 */
export interface NetworkFault {
  readonly fault: 'hang' | 'reset' | 'reset-mid-body';
}

/** What an interceptor may answer with: a canned response or a network failure. */
export type InterceptedResponse = CannedResponse | NetworkFault;

export type Interceptor = (request: {
  method: string;
  url: string;
  bucket: string | undefined;
  key: string | undefined;
  headers: IncomingHttpHeaders;
}) => InterceptedResponse | undefined;

export interface S3TestServer {
  /** The URL clients should use (the recording proxy), e.g. `http://127.0.0.1:43121`. */
  readonly endpoint: string;
  readonly port: number;
  /** s3rver itself, bypassing the proxy (nothing recorded). */
  readonly directEndpoint: string;
  /** Where s3rver keeps its data. */
  readonly dir: string;
  readonly requests: readonly RecordedRequest[];
  /** Response body bytes served through the proxy since the last reset. */
  bytesServed(): number;
  resetCounters(): void;
  /** Answers matching requests without s3rver; pass undefined to stop. */
  intercept(interceptor: Interceptor | undefined): void;
  /** A client for test setup that talks to s3rver directly (not counted). */
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  putObject(bucket: string, key: string, body: Buffer | string): Promise<void>;
  close(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  store: { putBucket(name: string): Promise<unknown> };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** An AccessDenied answer in S3's XML shape, for `intercept`. */
export function accessDeniedResponse(resource = ''): CannedResponse {
  return {
    status: 403,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'TESTREQUESTID' },
    body:
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>AccessDenied</Code><Message>Access Denied</Message><Resource>${resource}</Resource><RequestId>TESTREQUESTID</RequestId></Error>`,
  };
}

export async function startS3Server(
  options: { buckets?: readonly string[] } = {},
): Promise<S3TestServer> {
  // s3rver ships no types; load it through require with a minimal local shape.
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  const address = await s3rver.run();
  const directEndpoint = `http://127.0.0.1:${address.port}`;

  const requests: RecordedRequest[] = [];
  let interceptor: Interceptor | undefined;
  const agent = new Agent({ keepAlive: true });
  const proxy = createServer((req, res) => {
    forward(req, res, { upstreamPort: address.port, agent, requests, interceptor });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;

  let setupClient: S3Client | undefined;
  const client = () => {
    setupClient ??= new S3Client({
      endpoint: directEndpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { ...S3_SERVER_CREDENTIALS },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    return setupClient;
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directEndpoint,
    dir,
    requests,
    bytesServed: () => requests.reduce((total, item) => total + item.bytesOut, 0),
    resetCounters: () => {
      requests.length = 0;
    },
    intercept: (next) => {
      interceptor = next;
    },
    client,
    createBucket: async (name) => {
      await s3rver.store.putBucket(name);
    },
    putObject: async (bucket, key, body) => {
      await client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    close: async () => {
      setupClient?.destroy();
      agent.destroy();
      await closeServer(proxy);
      await s3rver.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  options: {
    upstreamPort: number;
    agent: Agent;
    requests: RecordedRequest[];
    interceptor: Interceptor | undefined;
  },
): void {
  const url = req.url ?? '/';
  const [bucket, ...keyParts] = decodeURIComponent(url.split('?')[0] ?? '/')
    .slice(1)
    .split('/');
  const target = {
    method: req.method ?? 'GET',
    url,
    bucket: bucket || undefined,
    key: keyParts.length > 0 ? keyParts.join('/') : undefined,
    headers: req.headers,
  };
  let bytesIn = 0;
  req.on('data', (chunk: Buffer) => {
    bytesIn += chunk.length;
  });
  let recorded = false;
  const record = (status: number, bytesOut: number) => {
    if (recorded) return;
    recorded = true;
    options.requests.push({ ...target, status, bytesIn, bytesOut });
  };

  const canned = options.interceptor?.(target);
  if (canned && 'fault' in canned) {
    if (canned.fault !== 'reset-mid-body') {
      req.resume();
      req.on('end', () => {
        record(0, 0);
        // A hung response stays open until the server closes (closeAllConnections).
        if (canned.fault === 'reset') req.socket.destroy();
      });
      return;
    }
  } else if (canned) {
    req.resume();
    req.on('end', () => {
      const body = Buffer.from(canned.body ?? '');
      res.writeHead(canned.status, { ...canned.headers, 'content-length': String(body.length) });
      res.end(target.method === 'HEAD' ? undefined : body);
      record(canned.status, target.method === 'HEAD' ? 0 : body.length);
    });
    return;
  }

  const upstream = request(
    {
      host: '127.0.0.1',
      port: options.upstreamPort,
      method: req.method,
      path: url,
      // Same headers, Host included: the SDK signed them.
      headers: req.headers,
      agent: options.agent,
    },
    (upstreamRes) => {
      let bytesOut = 0;
      if (canned && 'fault' in canned) {
        // reset-mid-body: the headers and half of the first chunk, then the connection drops.
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        let sawData = false;
        upstreamRes.once('data', (chunk: Buffer) => {
          sawData = true;
          const part = chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2)));
          res.write(part, () => {
            record(upstreamRes.statusCode ?? 0, part.length);
            upstreamRes.destroy();
            res.destroy();
          });
        });
        upstreamRes.once('end', () => {
          if (!sawData) res.destroy();
        });
        return;
      }
      upstreamRes.on('data', (chunk: Buffer) => {
        bytesOut += chunk.length;
      });
      upstreamRes.on('end', () => record(upstreamRes.statusCode ?? 0, bytesOut));
      // A client that hangs up early (a ranged read that got enough) still counts
      // what was sent before it left.
      res.on('close', () => {
        if (!upstreamRes.complete) {
          record(upstreamRes.statusCode ?? 0, bytesOut);
          upstreamRes.destroy();
        }
      });
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502);
    res.end(String(error));
  });
  req.pipe(upstream);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
