/**
 * What an error thrown by an AWS SDK v3 call means for a job, in one place: the
 * artifact code (S3, STS), the reporter (whether to retry `PutJob*Result`) and errors
 * from the user's own SDK calls (`failureOf`) all classify with these.
 *
 * An SDK call's error carries `$metadata` (the SDK's retry layer adds it to every
 * error, network failures and timeouts included) and a service error also `$fault`
 * and the service's error code as `name`. The SDK has already retried throttling,
 * 5xx and timeouts by the time the caller sees them.
 */
import type { FailureType } from './errors.js';

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown; attempts?: unknown };
}

/** A role or policy does not allow the call, or the credentials are not accepted. */
const ACCESS_DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'Forbidden',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'KMS.AccessDeniedException',
  'KMS.DisabledException',
  'KMS.NotFoundException',
  'KMS.KMSInvalidStateException',
]);

/**
 * Throttling, outages, timeouts and network failures: worth trying again later.
 * `LimitExceededException` is left out on purpose: most services use it for a quota
 * (too many stacks, functions), which waiting does not fix.
 */
const UNAVAILABLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'EC2ThrottledException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceeded',
  'ProvisionedThroughputExceededException',
  'PriorRequestNotComplete',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'TimeoutError',
  'AbortError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** The error code and HTTP status of whatever the SDK threw (or a network error). */
export function errorCodeOf(error: unknown): { code: string; status: number | undefined } {
  const shape = shapeOf(error);
  const code = [shape.Code, shape.code, shape.name].find(
    (value): value is string => typeof value === 'string' && value !== 'Error' && value !== '',
  );
  return { code: code ?? 'UnknownError', status: statusOf(shape) };
}

/** The error came out of an SDK v3 call: it carries the SDK's `$metadata` or a `$fault`. */
export function isSdkError(error: unknown): boolean {
  const shape = shapeOf(error);
  return (
    (typeof shape.$metadata === 'object' && shape.$metadata !== null) ||
    typeof shape.$fault === 'string'
  );
}

/** The SDK found no region: a deployment setting, not an answer from AWS. */
export function isMissingRegion(error: unknown): boolean {
  return error instanceof Error && /^Region (is missing|not accepted)/.test(error.message);
}

/** Throttling, timeouts, network failures and 5xx, by code and HTTP status. */
export function isUnavailable(code: string, status: number | undefined): boolean {
  return UNAVAILABLE_CODES.has(code) || status === 429 || (status !== undefined && status >= 500);
}

/** Access denied or credentials refused, by code and HTTP status. */
export function isAccessDenied(code: string, status: number | undefined): boolean {
  return ACCESS_DENIED_CODES.has(code) || status === 403;
}

/** `isUnavailable` on any of the error's names (`name`, `code`, `Code`) and its status. */
export function isUnavailableError(error: unknown): boolean {
  const shape = shapeOf(error);
  const status = statusOf(shape);
  return namesOf(shape).some((name) => isUnavailable(name, status)) || isUnavailable('', status);
}

/** `isAccessDenied` on any of the error's names and its status. */
export function isAccessDeniedError(error: unknown): boolean {
  const shape = shapeOf(error);
  const status = statusOf(shape);
  return namesOf(shape).some((name) => isAccessDenied(name, status)) || status === 403;
}

/**
 * The failure type an SDK error reports as, or undefined for anything that is not
 * an SDK error (or is one without a more specific type: `JobFailed`). Access denied
 * comes first: a 403 is never "unavailable".
 */
export function sdkFailureType(error: unknown): FailureType | undefined {
  if (!isSdkError(error)) return undefined;
  if (isAccessDeniedError(error)) return 'PermissionError';
  if (isUnavailableError(error)) return 'SystemUnavailable';
  return undefined;
}

/** `Code, HTTP 403, message, request id …` for a message built from an SDK error. */
export function sdkErrorDetail(error: unknown): string {
  const { code, status } = errorCodeOf(error);
  const shape = shapeOf(error);
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

/** `HTTP 503, 3 attempts` from an SDK error's metadata (empty when it has none). */
export function sdkCallSummary(error: unknown): string {
  const metadata = shapeOf(error).$metadata;
  if (typeof metadata !== 'object' || metadata === null) return '';
  const status = statusOf(shapeOf(error));
  const attempts = metadata.attempts;
  return [
    status === undefined ? 'no HTTP response' : `HTTP ${status}`,
    typeof attempts === 'number' ? `${attempts} attempt${attempts === 1 ? '' : 's'}` : '',
    typeof metadata.requestId === 'string' ? `request id ${metadata.requestId}` : '',
  ]
    .filter((part) => part !== '')
    .join(', ');
}

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

function statusOf(shape: SdkErrorShape): number | undefined {
  const status = shape.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function namesOf(shape: SdkErrorShape): string[] {
  return [shape.Code, shape.code, shape.name].filter(
    (value): value is string => typeof value === 'string' && value !== '',
  );
}
