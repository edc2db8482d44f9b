// Clients for the embedded services: dummy credentials, loopback endpoints, no retries,
// so a test sees the first answer exactly as a handler would.
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { LocalArtifactCredentials } from '../../src/local/job-api/index.js';

export const DUMMY_CREDENTIALS = {
  accessKeyId: 'AKIALOCALTEST0000000',
  secretAccessKey: 'local-secret',
} as const;

export const SAMPLE_ARTIFACT_CREDENTIALS: LocalArtifactCredentials = {
  accessKeyId: 'ASIAARTIFACTS0000000',
  secretAccessKey: 'artifact-secret',
  sessionToken: 'artifact-session-token',
};

export function codePipelineClient(endpoint: string): CodePipelineClient {
  return new CodePipelineClient({
    endpoint,
    region: 'us-east-1',
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
  });
}

/** The exception name an SDK call rejected with (fails the test if it resolved). */
export async function errorNameOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
