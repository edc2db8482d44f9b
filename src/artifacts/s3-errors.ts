/**
 * Turns S3 SDK errors into the CodePipeline failure type an operator can act on:
 * a permission problem names the bucket, key and role that was denied; a missing
 * object names the artifact; throttling and outages are `SystemUnavailable` (the
 * SDK has already retried by the time we see them). Every message built from an
 * SDK error goes through the job's Redactor.
 */
import {
  type CodePipelineJobError,
  ConfigurationError,
  JobFailedError,
  PermissionError,
  RevisionUnavailableError,
  SystemUnavailableError,
} from '../errors.js';
import type { Redactor } from '../redact.js';

/** What was being done when S3 failed; all of it ends up in the message. */
export interface S3ErrorContext {
  readonly operation: string;
  readonly artifactName: string;
  readonly bucket: string;
  readonly key: string;
  readonly redactor: Redactor;
  /** Who the credentials belong to; only called for permission errors. */
  readonly describeIdentity: () => Promise<string>;
}

const PERMISSION_CODES = new Set([
  'AccessDenied',
  'Forbidden',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'KMS.AccessDeniedException',
  'KMS.DisabledException',
  'KMS.NotFoundException',
  'KMS.KMSInvalidStateException',
]);

const MISSING_CODES = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound', 'NoSuchVersion']);

const UNAVAILABLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'InternalError',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
}

/** The error code and HTTP status of whatever the SDK threw (or a network error). */
export function errorCodeOf(error: unknown): { code: string; status: number | undefined } {
  const shape = (error ?? {}) as SdkErrorShape;
  const code = [shape.Code, shape.code, shape.name].find(
    (value): value is string => typeof value === 'string' && value !== 'Error' && value !== '',
  );
  const status = shape.$metadata?.httpStatusCode;
  return { code: code ?? 'UnknownError', status: typeof status === 'number' ? status : undefined };
}

/** The SDK found no region: a deployment setting, not an S3 answer. */
export function isMissingRegion(error: unknown): boolean {
  return error instanceof Error && /^Region (is missing|not accepted)/.test(error.message);
}

/** Throttling, timeouts, network failures and 5xx: worth retrying later. */
export function isUnavailable(code: string, status: number | undefined): boolean {
  return UNAVAILABLE_CODES.has(code) || status === 429 || (status !== undefined && status >= 500);
}

/** Maps an S3 error to a CodePipelineJobError; `cause` keeps the original for debugging. */
export async function mapS3Error(
  error: unknown,
  context: S3ErrorContext,
): Promise<CodePipelineJobError> {
  const { code, status } = errorCodeOf(error);
  const where = `s3://${context.bucket}/${context.key}`;
  const detail = sdkDetail(error, code, status);
  const redact = (text: string) => context.redactor.redact(text);

  if (isMissingRegion(error)) {
    return new ConfigurationError(
      `No AWS region is configured to ${context.operation} artifact "${context.artifactName}": set AWS_REGION (Lambda sets it)`,
      { cause: error },
    );
  }

  if (PERMISSION_CODES.has(code) || status === 403) {
    const identity = await context.describeIdentity();
    return new PermissionError(
      redact(
        `Access denied trying to ${context.operation} artifact "${context.artifactName}" (bucket ${context.bucket}, key ${context.key}) with the job's artifact credentials, which belong to ${identity}. ` +
          `That role needs s3:GetObject (read) or s3:PutObject (write) on the artifact bucket and kms:Decrypt / kms:GenerateDataKey on its KMS key. (${detail})`,
      ),
      { cause: error },
    );
  }
  if (MISSING_CODES.has(code) || status === 404) {
    return new RevisionUnavailableError(
      redact(
        `Artifact "${context.artifactName}" is not available at ${where}: ${code === 'NoSuchBucket' ? 'the bucket does not exist' : 'the object does not exist'} (${detail})`,
      ),
      { cause: error },
    );
  }
  if (code === 'PreconditionFailed' || status === 412) {
    return new RevisionUnavailableError(
      redact(
        `Artifact "${context.artifactName}" at ${where} changed while it was being read (${detail})`,
      ),
      { cause: error },
    );
  }
  if (isUnavailable(code, status)) {
    return new SystemUnavailableError(
      redact(
        `S3 is unavailable for ${context.operation} artifact "${context.artifactName}" at ${where} after retries (${detail})`,
      ),
      { cause: error },
    );
  }
  return new JobFailedError(
    redact(
      `Could not ${context.operation} artifact "${context.artifactName}" at ${where}: ${detail}`,
    ),
    { cause: error },
  );
}

function sdkDetail(error: unknown, code: string, status: number | undefined): string {
  const shape = (error ?? {}) as SdkErrorShape;
  const message = typeof shape.message === 'string' && shape.message !== code ? shape.message : '';
  const requestId = shape.$metadata?.requestId;
  return [
    code,
    status === undefined ? '' : `HTTP ${status}`,
    message,
    typeof requestId === 'string' ? `request id ${requestId}` : '',
  ]
    .filter((part) => part !== '')
    .join(', ');
}
