/**
 * Child: writes an output artifact the framework's way, through the same JobArtifacts
 * that `job.output(name).write(dir)` delegates to (files zipped as a stream, uploaded
 * in 8 MiB multipart parts while the zip is being made).
 */
import { JobArtifacts } from '../../src/artifacts/index.js';
import { createJsonLogger } from '../../src/logger.js';
import { Redactor } from '../../src/redact.js';
import { args, BENCH_CREDENTIALS, measureJob } from './measure-job.js';

const [bucket, key, directory] = args(['bucket', 'key', 'directory']) as [string, string, string];

// Load the SDK before the clock starts, as the baseline does with its static imports.
await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);

await measureJob(async () => {
  const redactor = new Redactor(Object.values(BENCH_CREDENTIALS));
  const artifacts = new JobArtifacts({
    jobId: '11111111-2222-4333-8444-555555555555',
    credentials: { ...BENCH_CREDENTIALS, expirationTime: Date.now() + 3600_000 },
    encryptionKey: undefined,
    inputs: [],
    outputs: [{ name: 'BuildOutput', revision: undefined, bucket, key }],
    logger: createJsonLogger({ keys: {}, redactor, level: 'warn' }),
    redactor,
  });
  const result = await artifacts.output('BuildOutput').write(directory);
  return { files: result.files, bytes: result.bytes };
});
