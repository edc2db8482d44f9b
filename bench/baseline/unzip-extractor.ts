/**
 * The baseline for extracting an input artifact: what a handler does without the
 * framework. Download the whole object with one GetObject, streamed to a file in /tmp,
 * then run Info-ZIP's `unzip -q` on it. The download is part of the job (the artifact
 * lives in S3 either way), so it counts in the baseline's time; both pieces are
 * reported so the unzip alone can be compared too.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { type ArtifactLocation, artifactS3Client } from './artifact-location.js';

export interface UnzipResult {
  readonly downloadMs: number;
  readonly unzipMs: number;
  /** unzip's own peak RSS from GNU time (`%M`), or NaN without /usr/bin/time. */
  readonly unzipPeakRssBytes: number;
}

const UNZIP = '/usr/bin/unzip';
const GNU_TIME = '/usr/bin/time';

export async function downloadAndUnzip(
  location: ArtifactLocation,
  zipFile: string,
  directory: string,
): Promise<UnzipResult> {
  const started = performance.now();
  const s3 = artifactS3Client(location);
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
    );
    if (!response.Body) throw new Error('GetObject returned no body');
    await pipeline(response.Body as Readable, createWriteStream(zipFile));
  } finally {
    s3.destroy();
  }
  const downloaded = performance.now();
  const withTime = existsSync(GNU_TIME);
  const command = withTime ? GNU_TIME : UNZIP;
  const commandArgs = [
    ...(withTime ? ['-f', 'peak-rss-kib=%M', UNZIP] : []),
    '-q',
    zipFile,
    '-d',
    directory,
  ];
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`unzip exited with ${code}: ${text.trim()}`)),
    );
  });
  const unzipped = performance.now();
  const rss = /peak-rss-kib=(\d+)/.exec(stderr)?.[1];
  return {
    downloadMs: downloaded - started,
    unzipMs: unzipped - downloaded,
    unzipPeakRssBytes: rss === undefined ? Number.NaN : Number(rss) * 1024,
  };
}
