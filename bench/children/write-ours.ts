/**
 * Child: writes an output artifact the framework's way, through the same JobArtifacts
 * that `job.output(name).write(dir)` delegates to (files zipped as a stream, uploaded
 * in 5 MiB multipart parts while the zip is being made).
 */
import { args, BENCH_CREDENTIALS, measureJob } from './measure-job.js';
import { ARTIFACT_NAME, oursArtifacts } from './ours-artifacts.js';

const [bucket, key, directory] = args(['bucket', 'key', 'directory']) as [string, string, string];

// Load the SDK before the clock starts, as the baseline does with its static imports.
await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);

await measureJob(async () => {
  const artifacts = oursArtifacts('output', { bucket, key }, BENCH_CREDENTIALS);
  const result = await artifacts.output(ARTIFACT_NAME).write(directory);
  return { files: result.files, bytes: result.bytes };
});
