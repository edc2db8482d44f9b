import { randomBytes } from 'node:crypto';

/** Temporary session credentials shaped like the ones CodePipeline hands a job. */
export interface FakeCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/**
 * Invented artifact credentials, new on every call as CodePipeline's are per job.
 * Used by the testing kit and the local runner: the fake and embedded S3 accept any
 * key, and random values let tests prove the secrets never leak.
 */
export function fakeArtifactCredentials(): FakeCredentials {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `FwoGZXIvYXdzE${randomBytes(90).toString('base64')}`,
  };
}
