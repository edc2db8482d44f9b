/**
 * Child: extracts a whole input artifact the framework's way, through the same
 * JobArtifacts that `job.input(name).extractTo(dir)` delegates to (HEAD, ranged GETs of
 * the central directory, then each entry streamed and written to disk).
 */
import { JobArtifacts } from '../../src/artifacts/index.js';
import { createJsonLogger } from '../../src/logger.js';
import { Redactor } from '../../src/redact.js';
import { args, BENCH_CREDENTIALS, measureJob } from './measure-job.js';

const [bucket, key, directory] = args(['bucket', 'key', 'directory']) as [string, string, string];

// Load the SDK before the clock starts, as the baseline does with its static import.
await import('@aws-sdk/client-s3');

await measureJob(async () => {
  const redactor = new Redactor(Object.values(BENCH_CREDENTIALS));
  const artifacts = new JobArtifacts({
    jobId: '11111111-2222-4333-8444-555555555555',
    credentials: { ...BENCH_CREDENTIALS, expirationTime: Date.now() + 3600_000 },
    encryptionKey: undefined,
    inputs: [{ name: 'BuildOutput', revision: undefined, bucket, key }],
    outputs: [],
    logger: createJsonLogger({ keys: {}, redactor, level: 'warn' }),
    redactor,
  });
  const result = await artifacts.input('BuildOutput').extractTo(directory);
  return { files: result.files, directories: result.directories, bytes: result.bytes };
});
