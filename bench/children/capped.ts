/**
 * Child for the runs under a memory cap (bench/memory-cap.ts and
 * test/integration/artifacts/memory-cap.test.ts): one artifact operation, the
 * framework's way or the buffering way, then one measurement line (measureJob).
 *
 *   capped.mjs idle     <bucket> <key>              list the entries (a loaded, idle child)
 *   capped.mjs extract  <bucket> <key> <directory>  job.input().extractTo(directory)
 *   capped.mjs stream   <bucket> <key> <entry>      job.input().stream(entry), hashed
 *   capped.mjs write    <bucket> <key> <directory>  job.output().write(directory)
 *   capped.mjs buffer   <bucket> <key>              the whole object in one Buffer (the control)
 *
 * Credentials come from CAPPED_CREDENTIALS (JSON) when set, else the bench's invented ones.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { artifactS3Client } from '../baseline/artifact-location.js';
import { args, BENCH_CREDENTIALS, measureJob } from './measure-job.js';
import { ARTIFACT_NAME, oursArtifacts } from './ours-artifacts.js';

const [operation, bucket, key, target = ''] = args(['operation', 'bucket', 'key']) as [
  string,
  string,
  string,
  string?,
];
const credentials = process.env.CAPPED_CREDENTIALS
  ? (JSON.parse(process.env.CAPPED_CREDENTIALS) as typeof BENCH_CREDENTIALS)
  : BENCH_CREDENTIALS;

// Load the SDK before the clock starts, as the other children do.
await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);

await measureJob(async (): Promise<Record<string, number>> => {
  if (operation === 'buffer') {
    const s3 = artifactS3Client({ bucket, key, credentials });
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await response.Body?.transformToByteArray();
    return { bytes: bytes?.length ?? 0 };
  }
  if (operation === 'write') {
    const result = await oursArtifacts('output', { bucket, key }, credentials)
      .output(ARTIFACT_NAME)
      .write(target);
    return { files: result.files, bytes: result.bytes };
  }
  const input = oursArtifacts('input', { bucket, key }, credentials).input(ARTIFACT_NAME);
  if (operation === 'idle') return { entries: (await input.files()).length };
  if (operation === 'extract') {
    const result = await input.extractTo(target);
    return { files: result.files, bytes: result.bytes };
  }
  if (operation === 'stream') {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of await input.stream(target)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { bytes };
  }
  throw new Error(`unknown operation ${operation}`);
});
