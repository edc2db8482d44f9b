/**
 * The baseline for writing an output artifact: the usual approach in samples and blog
 * posts. Read every file of the folder into JSZip, build the whole zip in memory
 * (DEFLATE level 6, as ours), then upload it with one PutObject (SSE-KMS, as ours).
 * Memory grows with the output: the files and the zip are both held at once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import JSZip from 'jszip';

export interface OutputLocation {
  readonly bucket: string;
  readonly key: string;
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
  };
}

export async function writeWithJszip(
  location: OutputLocation,
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
  // forcePathStyle: the loopback S3 has no virtual-hosted bucket DNS (ours sets it too).
  const s3 = new S3Client({ credentials: location.credentials, forcePathStyle: true });
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
