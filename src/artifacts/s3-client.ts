/**
 * The S3 client for one job, built on first use. Most gates never touch an
 * artifact, and loading `@aws-sdk/client-s3` costs cold-start time, so the SDK is
 * only reached through dynamic `import()` here; everything else imports types.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { JobClientSetup } from '../clients.js';
import type { ArtifactCredentials } from '../event.js';

export type S3Module = typeof import('@aws-sdk/client-s3');

/**
 * Socket timeouts: the SDK waits forever by default, and a hung call must not eat
 * the rest of the invocation. `requestTimeout` is idle time on the socket, so
 * long downloads that keep flowing are not cut off.
 */
export const S3_CONNECTION_TIMEOUT_MS = 5_000;
export const S3_REQUEST_TIMEOUT_MS = 60_000;

/**
 * The client configuration: the job's artifact credentials (the pipeline's role,
 * not the function's), region and endpoint from the SDK's default chain
 * (`AWS_REGION`, `AWS_ENDPOINT_URL_S3`, ...), SigV4 (the SDK's only signer for S3).
 * `endpoint` (a harness's local S3, see `JobClientSetup`) overrides the chain's.
 */
export function s3ClientConfig(
  credentials: ArtifactCredentials,
  env: NodeJS.ProcessEnv = process.env,
  endpoint?: string,
): S3ClientConfig {
  // Custom endpoints are S3-compatible servers on loopback or in a lab; they have
  // no wildcard DNS for virtual-hosted buckets, so path style is the one that works.
  const customEndpoint = Boolean(endpoint || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return {
    ...(endpoint ? { endpoint } : {}),
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    ...(customEndpoint ? { forcePathStyle: true } : {}),
    // Checksums only where S3 requires them: S3-compatible servers (and older
    // proxies) reject the aws-chunked trailers the newer SDK default sends.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: S3_CONNECTION_TIMEOUT_MS,
      requestTimeout: S3_REQUEST_TIMEOUT_MS,
    },
  };
}

export interface S3Handle {
  readonly s3: S3Module;
  readonly client: S3Client;
}

/** Loads the SDK module; a seam so tests can count how often (if ever) it happens. */
export async function loadS3Module(): Promise<S3Module> {
  return import('@aws-sdk/client-s3');
}

/** One client per job, created on the first call to `get()` and shared afterwards. */
export class LazyS3Client {
  readonly #credentials: ArtifactCredentials;
  readonly #load: () => Promise<S3Module>;
  readonly #setup: JobClientSetup;
  #handle: Promise<S3Handle> | undefined;

  /** `setup` is a harness's (the testing kit's): its S3 endpoint, and `adoptClient` before the first call. */
  constructor(
    credentials: ArtifactCredentials,
    load: () => Promise<S3Module> = loadS3Module,
    setup: JobClientSetup = {},
  ) {
    this.#credentials = credentials;
    this.#load = load;
    this.#setup = setup;
  }

  /** Whether a client was ever requested (for tests and debug logs). */
  get created(): boolean {
    return this.#handle !== undefined;
  }

  get(): Promise<S3Handle> {
    if (this.#handle) return this.#handle;
    const handle = this.#load().then((s3) => {
      const client = new s3.S3Client(
        s3ClientConfig(this.#credentials, process.env, this.#setup.endpoints?.s3),
      );
      this.#setup.adoptClient?.(client);
      return { s3, client };
    });
    // A failed load is not cached: the next call tries again.
    handle.catch(() => {
      if (this.#handle === handle) this.#handle = undefined;
    });
    this.#handle = handle;
    return handle;
  }
}
