/**
 * Shared by the two artifact reader children: reads the job's artifact location from
 * argv, counts the bytes that cross this process's TCP sockets and its HTTP requests
 * (diagnostics_channel, no proxy in the way), times the read and prints one JSON line
 * with the peak RSS of the whole process.
 */
import { createHash } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { peakRss } from './peak-rss.js';

export interface ReadRequest {
  readonly bucket: string;
  readonly key: string;
  readonly path: string;
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
  };
}

export interface ReadMeasurement {
  readonly ms: number;
  /** Bytes received plus bytes sent on every TCP socket of the process. */
  readonly bytesTransferred: number;
  readonly bytesReceived: number;
  readonly httpRequests: number;
  /** Peak RSS of this process image (VmHWM), in bytes. */
  readonly peakRssBytes: number;
  /** process.memoryUsage() at the end, in bytes: where the RSS went (heap or buffers). */
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  readonly fileBytes: number;
  readonly fileSha256: string;
}

const sockets: Socket[] = [];
let httpRequests = 0;
subscribe('net.client.socket', (message) => {
  sockets.push((message as { socket: Socket }).socket);
});
subscribe('http.client.request.start', () => {
  httpRequests++;
});

export async function measureRead(read: (request: ReadRequest) => Promise<Buffer>): Promise<void> {
  const [bucket, key, path] = process.argv.slice(2);
  if (!bucket || !key || !path) throw new Error('usage: <bucket> <key> <path>');
  const request: ReadRequest = {
    bucket,
    key,
    path,
    credentials: {
      accessKeyId: 'ASIABENCHARTIFACTKEY',
      secretAccessKey: 'bench-artifact-secret',
      sessionToken: 'bench-artifact-session-token',
    },
  };
  const start = performance.now();
  const file = await read(request);
  const ms = performance.now() - start;
  const bytesReceived = sockets.reduce((sum, socket) => sum + socket.bytesRead, 0);
  const bytesSent = sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0);
  const measurement: ReadMeasurement = {
    ms,
    bytesTransferred: bytesReceived + bytesSent,
    bytesReceived,
    httpRequests,
    peakRssBytes: peakRss(),
    heapTotalBytes: process.memoryUsage().heapTotal,
    externalBytes: process.memoryUsage().external,
    fileBytes: file.length,
    fileSha256: createHash('sha256').update(file).digest('hex'),
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
  // Keep-alive sockets would hold the process open; the measurement is out.
  process.exit(0);
}
