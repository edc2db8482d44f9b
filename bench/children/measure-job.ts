/**
 * Shared by the extract and output-write children: counts the bytes on this process's
 * TCP sockets and its HTTP requests (diagnostics_channel), times one piece of work
 * and prints one JSON line with the process's peak RSS. Artifact credentials are
 * invented: the embedded S3 does not check them.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { peakRss } from './peak-rss.js';

export const BENCH_CREDENTIALS = {
  accessKeyId: 'ASIABENCHARTIFACTKEY',
  secretAccessKey: 'bench-artifact-secret',
  sessionToken: 'bench-artifact-session-token',
} as const;

export interface JobMeasurement {
  /** Wall time of the measured work. */
  readonly ms: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly httpRequests: number;
  /** TCP connections opened: fewer than requests when keep-alive reuses them. */
  readonly connections: number;
  /** This process's own peak RSS in bytes (see peakRss). */
  readonly peakRssBytes: number;
  /** process.memoryUsage() at the end: where the RSS went (JS heap or buffers). */
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  /** Whatever else the child reports (pieces of time, counts). */
  readonly details: Record<string, number>;
}

// Closed sockets are counted and let go: holding on to them would keep whatever they
// still reference (a request and its body) alive, and the measurement would inflate
// the very peak RSS it reports.
const open = new Set<Socket>();
let connections = 0;
let closedRead = 0;
let closedWritten = 0;
let httpRequests = 0;
subscribe('net.client.socket', (message) => {
  const { socket } = message as { socket: Socket };
  connections++;
  open.add(socket);
  socket.once('close', () => {
    closedRead += socket.bytesRead;
    closedWritten += socket.bytesWritten;
    open.delete(socket);
  });
});
subscribe('http.client.request.start', () => {
  httpRequests++;
});

/** Times `work`, prints the measurement as the last line of stdout and exits. */
export async function measureJob(
  work: () => Promise<Record<string, number> | undefined>,
): Promise<never> {
  const start = performance.now();
  const details = (await work()) ?? {};
  const ms = performance.now() - start;
  const memory = process.memoryUsage();
  const measurement: JobMeasurement = {
    ms,
    bytesReceived: [...open].reduce((sum, socket) => sum + socket.bytesRead, closedRead),
    bytesSent: [...open].reduce((sum, socket) => sum + socket.bytesWritten, closedWritten),
    httpRequests,
    connections,
    peakRssBytes: peakRss(),
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    details,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
  // Keep-alive sockets would hold the process open; the measurement is out.
  process.exit(0);
}

/** argv after the script, with a usage error naming what is missing. */
export function args(names: readonly string[]): string[] {
  const values = process.argv.slice(2);
  if (values.length < names.length || values.some((value) => value === '')) {
    throw new Error(`usage: ${names.map((name) => `<${name}>`).join(' ')}`);
  }
  return values;
}
