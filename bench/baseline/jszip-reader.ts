/**
 * The baseline for reading a file from an input artifact: the usual approach in
 * samples and blog posts. Download the whole zip with one GetObject, load it with
 * JSZip, then read the one file. Memory and time grow with the artifact.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import JSZip from 'jszip';
import { type ArtifactLocation, artifactS3Client } from './artifact-location.js';

export async function readWithJszip(location: ArtifactLocation, path: string): Promise<Buffer> {
  const s3 = artifactS3Client(location);
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
    );
    if (!response.Body) throw new Error('GetObject returned no body');
    const zipBytes = await response.Body.transformToByteArray();
    const zip = await JSZip.loadAsync(zipBytes);
    const file = zip.file(path);
    if (!file) throw new Error(`no ${path} in the artifact`);
    return await file.async('nodebuffer');
  } finally {
    s3.destroy();
  }
}
