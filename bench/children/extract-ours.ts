/**
 * Child: extracts a whole input artifact the framework's way, through the same
 * JobArtifacts that `job.input(name).extractTo(dir)` delegates to (the tail GET, ranged GETs of
 * the central directory, then each entry streamed and written to disk).
 */
import { args, BENCH_CREDENTIALS, measureJob } from './measure-job.js';
import { ARTIFACT_NAME, oursArtifacts } from './ours-artifacts.js';

const [bucket, key, directory] = args(['bucket', 'key', 'directory']) as [string, string, string];

// Load the SDK before the clock starts, as the baseline does with its static import.
await import('@aws-sdk/client-s3');

await measureJob(async () => {
  const artifacts = oursArtifacts('input', { bucket, key }, BENCH_CREDENTIALS);
  const result = await artifacts.input(ARTIFACT_NAME).extractTo(directory);
  return { files: result.files, directories: result.directories, bytes: result.bytes };
});
