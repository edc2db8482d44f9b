import { describe, expect, it } from 'vitest';
import {
  CodePipelineJobError,
  ConfigurationError,
  FAILURE_TYPES,
  failureOf,
  JobFailedError,
  PermissionError,
  RevisionOutOfSyncError,
  RevisionUnavailableError,
  SystemUnavailableError,
} from '../../src/errors.js';

describe('Errors: failure types', () => {
  it.each([
    [JobFailedError, 'JobFailed'],
    [ConfigurationError, 'ConfigurationError'],
    [PermissionError, 'PermissionError'],
    [RevisionOutOfSyncError, 'RevisionOutOfSync'],
    [RevisionUnavailableError, 'RevisionUnavailable'],
    [SystemUnavailableError, 'SystemUnavailable'],
  ])('%o reports as %s, keeps its cause and its own name', (ErrorClass, failureType) => {
    // Prepare
    const cause = new Error('root');

    // Act
    const error = new ErrorClass('message', { cause });

    // Assess
    expect(error).toBeInstanceOf(CodePipelineJobError);
    expect(error.failureType).toBe(failureType);
    expect(error.cause).toBe(cause);
    expect(error.name).toBe(ErrorClass.name);
    expect(FAILURE_TYPES).toContain(failureType);
  });

  it('lets the base class carry any failure type', () => {
    expect(failureOf(new CodePipelineJobError('stale', 'RevisionOutOfSync'))).toEqual({
      failureType: 'RevisionOutOfSync',
      message: 'stale',
    });
  });

  it('reports other errors as JobFailed with their name, and non-errors as text', () => {
    expect(failureOf(new TypeError('bad'))).toEqual({
      failureType: 'JobFailed',
      message: 'TypeError: bad',
    });
    expect(failureOf(42)).toEqual({ failureType: 'JobFailed', message: 'Non-error thrown: 42' });
  });
});
