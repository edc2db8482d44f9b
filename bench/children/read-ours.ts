/**
 * Child: reads one file from an input artifact the framework's way, through the same
 * JobArtifacts that `job.input(name).read(path)` delegates to (the tail GET, then ranged GETs of
 * the zip's tail, central directory and the one entry).
 */
import { measureRead } from './measure-read.js';
import { ARTIFACT_NAME, oursArtifacts } from './ours-artifacts.js';

// Load the SDK before the clock starts, as the baseline does with its static import:
// both sides then time the read itself, not module loading.
await import('@aws-sdk/client-s3');

await measureRead(async ({ bucket, key, path, credentials }) =>
  oursArtifacts('input', { bucket, key }, credentials).input(ARTIFACT_NAME).read(path),
);
