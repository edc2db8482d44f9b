/**
 * The baseline for writing an output artifact: the usual approach in samples and blog
 * posts. Read every file of the folder into JSZip, build the whole zip in memory
 * (DEFLATE level 6, as ours), then upload it with one PutObject (SSE-KMS, as ours).
 * Memory grows with the output: the files and the zip are both held at once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import JSZip from 'jszip';
import { type ArtifactLocation, artifactS3Client } from './artifact-location.js';

export async function writeWithJszip(
  location: ArtifactLocation,
  directory: string,
): Promise<{ files: number; bytes: number }> {
  const zip = new JSZip();
  let files = 0;
  const walk = async (absolute: string, relative: string): Promise<void> => {
    for (const entry of await readdir(absolute, { withFileTypes: true })) {
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(absolute, entry.name), name);
      else if (entry.isFile()) {
        zip.file(name, await readFile(join(absolute, entry.name)), { binary: true });
        files++;
      }
    }
  };
  await walk(directory, '');
  const body = await zip.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 6 },
  });
  const s3 = artifactS3Client(location);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        Body: body,
        ContentType: 'application/zip',
        ServerSideEncryption: 'aws:kms',
      }),
    );
  } finally {
    s3.destroy();
  }
  return { files, bytes: body.length };
}
