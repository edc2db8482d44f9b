/**
 * Everything a handler needs to run locally against AWS look-alikes: the embedded S3,
 * the embedded CodePipeline job API and an STS stub, plus the environment variables
 * that point an unchanged AWS SDK (or the AWS CLI) at them.
 */

import { DEFAULT_ACCOUNT_ID } from '../job-event-builder.js';
import { type EmbeddedS3, startEmbeddedS3 } from './embedded-s3.js';
import { type JobApi, startJobApi } from './job-api/index.js';
import { type StsStub, startStsStub } from './sts-stub.js';

export interface LocalEnvironmentOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default DEFAULT_ACCOUNT_ID ('123456789012') */
  readonly accountId?: string;
  /** @default 0 (a free port) */
  readonly s3Port?: number;
  /** @default 0 (a free port) */
  readonly jobApiPort?: number;
  /** @default 0 (a free port) */
  readonly stsPort?: number;
}

export interface LocalEnvironment {
  readonly region: string;
  readonly accountId: string;
  readonly s3: EmbeddedS3;
  readonly jobApi: JobApi;
  readonly sts: StsStub;
  /** Variables to set for a handler (or a shell); dummy credentials, local endpoints. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Variables to remove, so a real profile or session token in the parent environment
   * cannot mix with the dummy keys (or send a request to AWS).
   */
  readonly envToUnset: readonly string[];
  close(): Promise<void>;
}

/** Dummy keys: the local services accept any signature, and these work nowhere else. */
export const LOCAL_ACCESS_KEY_ID = 'AKIALOCALDUMMY000000';
export const LOCAL_SECRET_ACCESS_KEY = 'local-dummy-secret-access-key';

const ENV_TO_UNSET = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN'] as const;

/** Starts the three local services; if one fails to start, the others are closed. */
export async function startLocalEnvironment(
  options: LocalEnvironmentOptions = {},
): Promise<LocalEnvironment> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const started: { close(): Promise<void> }[] = [];
  try {
    const s3 = await startEmbeddedS3({ port: options.s3Port, region });
    started.push(s3);
    const jobApi = await startJobApi({ port: options.jobApiPort, region });
    started.push(jobApi);
    const sts = await startStsStub({ port: options.stsPort, accountId });
    started.push(sts);
    const env = {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_CODEPIPELINE: jobApi.endpoint,
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_ACCESS_KEY,
      // Keep credential lookups from probing the EC2 metadata service.
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    return {
      region,
      accountId,
      s3,
      jobApi,
      sts,
      env,
      envToUnset: ENV_TO_UNSET,
      close: () => closeAll(started),
    };
  } catch (error) {
    await closeAll(started);
    throw error;
  }
}

async function closeAll(services: readonly { close(): Promise<void> }[]): Promise<void> {
  const results = await Promise.allSettled(
    [...services].reverse().map((service) => service.close()),
  );
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
}
