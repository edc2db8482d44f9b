import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  errorCodeOf,
  isAccessDeniedError,
  isSdkError,
  isUnavailableError,
  sdkFailureType,
} from '../../src/aws-errors.js';

const sdkError = (name: string, status: number | undefined) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: status === undefined ? { attempts: 3 } : { httpStatusCode: status, attempts: 3 },
  });

describe('Function: errorCodeOf', () => {
  it('prefers the S3 error code and reads the HTTP status', () => {
    // Act
    const result = errorCodeOf(
      new S3ServiceException({
        name: 'NoSuchKey',
        $fault: 'client',
        $metadata: { httpStatusCode: 404 },
        message: 'x',
      }),
    );

    // Assess
    expect(result).toEqual({ code: 'NoSuchKey', status: 404 });
  });

  it('copes with values that are not errors', () => {
    expect(errorCodeOf(undefined)).toEqual({ code: 'UnknownError', status: undefined });
    expect(errorCodeOf(new Error('plain'))).toEqual({ code: 'UnknownError', status: undefined });
  });
});

describe('Function: sdkFailureType', () => {
  it.each([
    'ThrottlingException',
    'TooManyRequestsException',
    'RequestLimitExceeded',
    'SlowDown',
    'ProvisionedThroughputExceededException',
    'TimeoutError',
    'AbortError',
  ])('reports %s as SystemUnavailable', (name) => {
    expect(sdkFailureType(sdkError(name, name.endsWith('Error') ? undefined : 400))).toBe(
      'SystemUnavailable',
    );
  });

  it.each([
    'AccessDenied',
    'AccessDeniedException',
    'UnauthorizedOperation',
    'ExpiredTokenException',
  ])('reports %s as PermissionError', (name) => {
    expect(sdkFailureType(sdkError(name, 400))).toBe('PermissionError');
  });

  it('reads the status when the code is unknown: 403 is a permission, 429 and 5xx unavailability', () => {
    expect(sdkFailureType(sdkError('Whatever', 403))).toBe('PermissionError');
    expect(sdkFailureType(sdkError('Whatever', 429))).toBe('SystemUnavailable');
    expect(sdkFailureType(sdkError('Whatever', 502))).toBe('SystemUnavailable');
    expect(sdkFailureType(sdkError('LimitExceededException', 400))).toBeUndefined();
  });

  it('classifies only errors that came from the SDK', () => {
    const plain = Object.assign(new Error('x'), { name: 'ThrottlingException' });
    expect(isSdkError(plain)).toBe(false);
    expect(sdkFailureType(plain)).toBeUndefined();
    expect(isUnavailableError(plain)).toBe(true);
    expect(isAccessDeniedError(undefined)).toBe(false);
  });
});
