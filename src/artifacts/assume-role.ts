/**
 * Cross-account access: credentials for a role in another account, from STS
 * AssumeRole. The call is made with the function's own credentials (its execution
 * role, via the SDK's default chain), not the job's artifact credentials: the
 * artifact credentials are scoped by CodePipeline to the artifact bucket, and it is
 * the function's role that the target role's trust policy names.
 */

import { errorCodeOf, isUnavailable } from '../aws-errors.js';
import type { JobClientSetup } from '../clients.js';
import {
  type CodePipelineJobError,
  ConfigurationError,
  JobFailedError,
  PermissionError,
  SystemUnavailableError,
} from '../errors.js';
import type { Redactor } from '../redact.js';
import { type IdentityLookup, lookupCallerIdentity } from './caller-identity.js';

export interface AssumeRoleOptions {
  /**
   * Name of the role session, visible in the target account's CloudTrail.
   * @default `codepipeline-<job id>` (characters outside [\w+=,.@-] replaced, at most 64)
   */
  readonly sessionName?: string;
  /**
   * Lifetime of the credentials in seconds (900 to the role's maximum).
   * @default 3600
   */
  readonly durationSeconds?: number;
  /** The external id the target role's trust policy requires, if any. */
  readonly externalId?: string;
}

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
/** Cached credentials are renewed when they have less than this left. */
const RENEW_BEFORE_MS = 5 * 60_000;
const STS_TIMEOUT_MS = 10_000;

/** Session names allow [\w+=,.@-] and at most 64 characters. */
export function sessionNameFor(jobId: string): string {
  return `codepipeline-${jobId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

export class RoleAssumer {
  readonly #jobId: string;
  readonly #redactor: Redactor;
  readonly #describeIdentity: IdentityLookup;
  readonly #setup: JobClientSetup;
  readonly #cache = new Map<string, Promise<AwsCredentials>>();

  /** `setup` is a harness's (the testing kit's): its STS endpoint, and `adoptClient` for each client. */
  constructor(
    jobId: string,
    redactor: Redactor,
    describeIdentity: IdentityLookup = lookupCallerIdentity,
    setup: JobClientSetup = {},
  ) {
    this.#jobId = jobId;
    this.#redactor = redactor;
    this.#describeIdentity = describeIdentity;
    this.#setup = setup;
  }

  /** Credentials for `roleArn`, cached per role ARN and options for this job. */
  assumeRole(roleArn: string, options: AssumeRoleOptions = {}): Promise<AwsCredentials> {
    if (!ROLE_ARN.test(roleArn)) {
      return Promise.reject(
        new ConfigurationError(
          `"${roleArn}" is not an IAM role ARN (expected arn:aws:iam::<account id>:role/<name>)`,
        ),
      );
    }
    const cacheKey = JSON.stringify([
      roleArn,
      options.sessionName,
      options.durationSeconds,
      options.externalId,
    ]);
    const cached = this.#cache.get(cacheKey);
    if (cached) {
      return cached.then((credentials) =>
        credentials.expiration && credentials.expiration.getTime() - Date.now() < RENEW_BEFORE_MS
          ? this.#fetch(cacheKey, roleArn, options)
          : credentials,
      );
    }
    return this.#fetch(cacheKey, roleArn, options);
  }

  #fetch(cacheKey: string, roleArn: string, options: AssumeRoleOptions): Promise<AwsCredentials> {
    const pending = this.#call(roleArn, options);
    this.#cache.set(cacheKey, pending);
    pending.catch(() => {
      if (this.#cache.get(cacheKey) === pending) this.#cache.delete(cacheKey);
    });
    return pending;
  }

  async #call(roleArn: string, options: AssumeRoleOptions): Promise<AwsCredentials> {
    const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    const { endpoints } = this.#setup;
    const client = new STSClient({
      ...(endpoints ? { endpoint: endpoints.sts, credentials: endpoints.functionCredentials } : {}),
      requestHandler: { connectionTimeout: STS_TIMEOUT_MS, requestTimeout: STS_TIMEOUT_MS },
    });
    this.#setup.adoptClient?.(client);
    try {
      const response = await client.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: options.sessionName ?? sessionNameFor(this.#jobId),
          DurationSeconds: options.durationSeconds ?? 3600,
          ...(options.externalId ? { ExternalId: options.externalId } : {}),
        }),
      );
      const credentials = response.Credentials;
      if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
        throw new PermissionError(`STS AssumeRole for ${roleArn} returned no credentials`);
      }
      // The new secrets must never show up in a log or message either.
      this.#redactor.add(credentials.SecretAccessKey);
      this.#redactor.add(credentials.SessionToken);
      return {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
        ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
      };
    } catch (error) {
      throw await this.#mapError(error, roleArn);
    } finally {
      client.destroy();
    }
  }

  async #mapError(error: unknown, roleArn: string): Promise<CodePipelineJobError> {
    if (error instanceof PermissionError) return error;
    const { code, status } = errorCodeOf(error);
    if (code === 'AccessDenied' || code === 'AccessDeniedException' || status === 403) {
      const identity = await this.#describeIdentity(undefined);
      const detail = error instanceof Error ? error.message : String(error);
      return new PermissionError(
        this.#redactor.redact(
          `Could not assume role ${roleArn}: access denied for the function's own credentials, which belong to ${identity}. ` +
            `The target role's trust policy must allow it, and the function's role needs sts:AssumeRole on ${roleArn}. (${code}: ${detail})`,
        ),
        { cause: error },
      );
    }
    const detail = this.#redactor.redact(
      `${code}: ${error instanceof Error ? error.message : String(error)}`,
    );
    if (isUnavailable(code, status)) {
      return new SystemUnavailableError(
        `STS is unavailable to assume role ${roleArn} after retries (${detail})`,
        { cause: error },
      );
    }
    if (code === 'ValidationError' || code === 'MalformedPolicyDocument') {
      return new ConfigurationError(`Could not assume role ${roleArn}: ${detail}`, {
        cause: error,
      });
    }
    return new JobFailedError(`Could not assume role ${roleArn}: ${detail}`, { cause: error });
  }
}
