/**
 * What the artifact figures (3, 4 and 5) stand on: a temporary folder for their
 * bundles and data, and the embedded S3 on 127.0.0.1 (src/local/embedded-s3.ts). Both
 * are gone when the figure's work ends, however it ends.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type EmbeddedS3, startEmbeddedS3 } from '../src/local/embedded-s3.js';
import { benchTempDir } from './bundle.js';

export interface S3Workspace {
  /** The figure's temporary folder. */
  readonly dir: string;
  readonly s3: EmbeddedS3;
}

/** Runs `work` with a fresh temporary folder (`name` in its name) and embedded S3. */
export async function inS3Workspace<T>(
  name: string,
  work: (workspace: S3Workspace) => Promise<T>,
): Promise<T> {
  const dir = await benchTempDir(name);
  const s3 = await startEmbeddedS3();
  try {
    return await work({ dir, s3 });
  } finally {
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface FileUploader {
  /** Streams the file at `file` (`bytes` long) to `bucket`/`key`: never whole in memory. */
  upload(bucket: string, key: string, file: string, bytes: number): Promise<void>;
  destroy(): void;
}

/** A client that puts generated artifacts into the embedded S3 before a figure reads them. */
export function fileUploader(s3: EmbeddedS3): FileUploader {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  return {
    async upload(bucket, key, file, bytes) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: bytes,
        }),
      );
    },
    destroy: () => client.destroy(),
  };
}
