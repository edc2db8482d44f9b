/**
 * Child: reads one file from an input artifact the framework's way, through the same
 * JobArtifacts that `job.input(name).read(path)` delegates to (HEAD, then ranged GETs of
 * the zip's tail, central directory and the one entry).
 */
import { JobArtifacts } from '../../src/artifacts/index.js';
import { createJsonLogger } from '../../src/logger.js';
import { Redactor } from '../../src/redact.js';
import { measureRead } from './measure-read.js';

// Load the SDK before the clock starts, as the baseline does with its static import:
// both sides then time the read itself, not module loading.
await import('@aws-sdk/client-s3');

await measureRead(async ({ bucket, key, path, credentials }) => {
  const redactor = new Redactor(Object.values(credentials));
  const artifacts = new JobArtifacts({
    jobId: '11111111-2222-4333-8444-555555555555',
    credentials: { ...credentials, expirationTime: Date.now() + 3600_000 },
    encryptionKey: undefined,
    inputs: [{ name: 'BuildOutput', revision: undefined, bucket, key }],
    outputs: [],
    logger: createJsonLogger({ keys: {}, redactor, level: 'warn' }),
    redactor,
  });
  return artifacts.input('BuildOutput').read(path);
});
