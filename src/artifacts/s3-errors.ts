/**
 * Turns S3 SDK errors into the CodePipeline failure type an operator can act on:
 * a permission problem names the bucket, key and role that was denied; a missing
 * object names the artifact; throttling and outages are `SystemUnavailable` (the
 * SDK has already retried by the time we see them). Every message built from an
 * SDK error goes through the job's Redactor.
 */

import {
  errorCodeOf,
  isAccessDenied,
  isMissingRegion,
  isUnavailable,
  sdkErrorDetail,
} from '../aws-errors.js';
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

const MISSING_CODES = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound', 'NoSuchVersion']);

/** Maps an S3 error to a CodePipelineJobError; `cause` keeps the original for debugging. */
export async function mapS3Error(
  error: unknown,
  context: S3ErrorContext,
): Promise<CodePipelineJobError> {
  const { code, status } = errorCodeOf(error);
  const where = `s3://${context.bucket}/${context.key}`;
  const detail = sdkErrorDetail(error);
  const redact = (text: string) => context.redactor.redact(text);

  if (isMissingRegion(error)) {
    return new ConfigurationError(
      `No AWS region is configured to ${context.operation} artifact "${context.artifactName}": set AWS_REGION (Lambda sets it)`,
      { cause: error },
    );
  }

  if (isAccessDenied(code, status)) {
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
