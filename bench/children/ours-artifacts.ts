/**
 * The JobArtifacts the "ours" children work through: the same object `job.input(name)`
 * and `job.output(name)` delegate to, holding one artifact, `BuildOutput`, at the
 * figure's bucket and key, as the job's only input or only output. Logs warnings only,
 * so logging costs nothing in the measurement.
 */
import { JobArtifacts } from '../../src/artifacts/index.js';
import { createJsonLogger } from '../../src/logger.js';
import { Redactor } from '../../src/redact.js';

export const ARTIFACT_NAME = 'BuildOutput';

/**
 * The 1 GiB build-output tree has ~33,000 files and ~1.7 GiB uncompressed, over the
 * default maxEntries and maxTotalBytes: raised as a handler for such artifacts would
 * (README, "Limits"). Memory does not depend on them.
 */
const BENCH_LIMITS = { maxEntries: 100_000, maxTotalBytes: 4 * 1024 ** 3 } as const;

export function oursArtifacts(
  role: 'input' | 'output',
  location: { readonly bucket: string; readonly key: string },
  credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
  },
): JobArtifacts {
  const redactor = new Redactor(Object.values(credentials));
  const artifact = { name: ARTIFACT_NAME, revision: undefined, ...location };
  return new JobArtifacts({
    jobId: '11111111-2222-4333-8444-555555555555',
    credentials: { ...credentials, expirationTime: Date.now() + 3600_000 },
    encryptionKey: undefined,
    inputs: role === 'input' ? [artifact] : [],
    outputs: role === 'output' ? [artifact] : [],
    logger: createJsonLogger({ keys: {}, redactor, level: 'warn' }),
    redactor,
    limits: BENCH_LIMITS,
  });
}
