/**
 * Input checks, one function per operation, with the constraints of the CodePipeline
 * API reference. Wrong JSON types are a `SerializationException` (the service cannot
 * even read them); values out of range are one `ValidationException` that lists every
 * violation, in the service's "N validation errors detected" form.
 */
import { JOB_ID_PATTERN, LIMITS, OUTPUT_VARIABLE_KEY_PATTERN } from '../../api-limits.js';
import { FAILURE_TYPES, type FailureType } from '../../errors.js';
import { JobApiError } from './protocol.js';

const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9.@\-_]+$/;
const CLIENT_REQUEST_TOKEN_PATTERN = /^[a-zA-Z0-9-]+$/;
const PIPELINE_VARIABLE_NAME_PATTERN = /^[A-Za-z0-9@\-_]+$/;

/**
 * Total size of one action's output variables (keys and values, UTF-8 bytes). The API
 * reference only names `OutputVariablesSizeExceededException`; the figure is the
 * CodePipeline quotas page's, so it is an option of the server, not a hard rule.
 */
export const DEFAULT_OUTPUT_VARIABLES_SIZE_LIMIT: number = LIMITS.outputVariablesBytes;

export interface ExecutionDetails {
  readonly summary?: string;
  readonly externalExecutionId?: string;
  readonly percentComplete?: number;
}

export interface CurrentRevision {
  readonly revision: string;
  readonly changeIdentifier: string;
  readonly created?: number;
  readonly revisionSummary?: string;
}

/** `failureDetails` of PutJobFailureResult, as the API takes it (not the engine's `ApiFailureDetails` options). */
export interface ApiFailureDetails {
  readonly type: FailureType;
  readonly message: string;
  readonly externalExecutionId?: string;
}

export interface PutJobSuccessResultInput {
  readonly jobId: string;
  readonly continuationToken?: string;
  readonly currentRevision?: CurrentRevision;
  readonly executionDetails?: ExecutionDetails;
  readonly outputVariables?: Readonly<Record<string, string>>;
}

export interface PutJobFailureResultInput {
  readonly jobId: string;
  readonly failureDetails: ApiFailureDetails;
}

export interface StartPipelineExecutionInput {
  readonly name: string;
  readonly clientRequestToken?: string;
  readonly variables?: readonly { name: string; value: string }[];
  readonly sourceRevisions?: readonly Record<string, unknown>[];
}

/** Collects violations so one answer names all of them, as the service does. */
class Violations {
  private readonly messages: string[] = [];

  length(path: string, value: string | undefined, min: number, max: number): void {
    if (value === undefined) return;
    if (value.length < min) {
      this.add(path, `Member must have length greater than or equal to ${min}`);
    } else if (value.length > max) {
      this.add(path, `Member must have length less than or equal to ${max}`);
    }
  }

  pattern(path: string, value: string | undefined, pattern: RegExp): void {
    if (value !== undefined && !pattern.test(value)) {
      this.add(path, `Member must satisfy regular expression pattern: ${pattern.source}`);
    }
  }

  range(path: string, value: number | undefined, min: number, max: number): void {
    if (value === undefined) return;
    if (value < min) this.add(path, `Member must have value greater than or equal to ${min}`);
    else if (value > max) this.add(path, `Member must have value less than or equal to ${max}`);
  }

  required(path: string, value: unknown): boolean {
    if (value === undefined) this.add(path, 'Member must not be null');
    return value !== undefined;
  }

  add(path: string, constraint: string): void {
    this.messages.push(`Value at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  throwIfAny(): void {
    const count = this.messages.length;
    if (count === 0) return;
    const noun = count === 1 ? 'error' : 'errors';
    throw new JobApiError(
      'ValidationException',
      `${count} validation ${noun} detected: ${this.messages.join('; ')}`,
    );
  }
}

// Type readers: a value of the wrong JSON type is unreadable, not invalid.

function serializationError(path: string, expected: string): JobApiError {
  return new JobApiError('SerializationException', `'${path}' must be ${expected}`);
}

function optionalString(input: Record<string, unknown>, key: string, path = key) {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serializationError(path, 'a string');
  return value;
}

function optionalInteger(input: Record<string, unknown>, key: string, path = key) {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw serializationError(path, 'an integer');
  }
  return value;
}

function optionalTimestamp(input: Record<string, unknown>, key: string, path = key) {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  // JSON 1.1 timestamps are epoch seconds (the SDK may send fractions).
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw serializationError(path, 'a timestamp in epoch seconds');
  }
  return value;
}

function optionalObject(input: Record<string, unknown>, key: string, path = key) {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw serializationError(path, 'an object');
  return value as Record<string, unknown>;
}

function optionalArray(input: Record<string, unknown>, key: string, path = key) {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw serializationError(path, 'a list');
  return value as unknown[];
}

function readJobId(input: Record<string, unknown>, violations: Violations): string {
  const jobId = optionalString(input, 'jobId');
  if (violations.required('jobId', jobId)) violations.pattern('jobId', jobId, JOB_ID_PATTERN);
  return jobId ?? '';
}

function readExecutionDetails(input: Record<string, unknown>, violations: Violations) {
  const raw = optionalObject(input, 'executionDetails');
  if (raw === undefined) return undefined;
  const details: ExecutionDetails = {
    summary: optionalString(raw, 'summary', 'executionDetails.summary'),
    externalExecutionId: optionalString(
      raw,
      'externalExecutionId',
      'executionDetails.externalExecutionId',
    ),
    percentComplete: optionalInteger(raw, 'percentComplete', 'executionDetails.percentComplete'),
  };
  violations.length('executionDetails.summary', details.summary, 1, LIMITS.summary);
  violations.length(
    'executionDetails.externalExecutionId',
    details.externalExecutionId,
    1,
    LIMITS.externalExecutionId,
  );
  violations.range(
    'executionDetails.percentComplete',
    details.percentComplete,
    LIMITS.percentComplete.min,
    LIMITS.percentComplete.max,
  );
  return details;
}

function readCurrentRevision(input: Record<string, unknown>, violations: Violations) {
  const raw = optionalObject(input, 'currentRevision');
  if (raw === undefined) return undefined;
  const revision = optionalString(raw, 'revision', 'currentRevision.revision');
  const changeIdentifier = optionalString(
    raw,
    'changeIdentifier',
    'currentRevision.changeIdentifier',
  );
  const revisionSummary = optionalString(raw, 'revisionSummary', 'currentRevision.revisionSummary');
  const created = optionalTimestamp(raw, 'created', 'currentRevision.created');
  if (violations.required('currentRevision.revision', revision)) {
    violations.length('currentRevision.revision', revision, 1, 1500);
  }
  if (violations.required('currentRevision.changeIdentifier', changeIdentifier)) {
    violations.length('currentRevision.changeIdentifier', changeIdentifier, 1, 100);
  }
  violations.length('currentRevision.revisionSummary', revisionSummary, 1, 2048);
  return {
    revision: revision ?? '',
    changeIdentifier: changeIdentifier ?? '',
    created,
    revisionSummary,
  } satisfies CurrentRevision;
}

function readOutputVariables(input: Record<string, unknown>, violations: Violations) {
  const raw = optionalObject(input, 'outputVariables');
  if (raw === undefined) return undefined;
  const variables: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw serializationError(`outputVariables.${key}`, 'a string');
    // The reference gives keys a pattern and no length limit; values are unconstrained.
    violations.pattern(`outputVariables.${key}.key`, key, OUTPUT_VARIABLE_KEY_PATTERN);
    variables[key] = value;
  }
  return variables;
}

/** Checks a `PutJobSuccessResult` input. */
export function validatePutJobSuccessResult(
  input: Record<string, unknown>,
  outputVariablesSizeLimit = DEFAULT_OUTPUT_VARIABLES_SIZE_LIMIT,
): PutJobSuccessResultInput {
  const violations = new Violations();
  const jobId = readJobId(input, violations);
  const continuationToken = optionalString(input, 'continuationToken');
  violations.length('continuationToken', continuationToken, 1, LIMITS.continuationToken);
  const executionDetails = readExecutionDetails(input, violations);
  const currentRevision = readCurrentRevision(input, violations);
  const outputVariables = readOutputVariables(input, violations);
  violations.throwIfAny();

  if (continuationToken !== undefined && outputVariables !== undefined) {
    throw new JobApiError(
      'ValidationException',
      'outputVariables can only be sent when there is no continuationToken',
    );
  }
  if (outputVariables !== undefined) {
    const size = Object.entries(outputVariables).reduce(
      (total, [key, value]) => total + Buffer.byteLength(key) + Buffer.byteLength(value),
      0,
    );
    if (size > outputVariablesSizeLimit) {
      throw new JobApiError(
        'OutputVariablesSizeExceededException',
        `Output variables total ${size} bytes; the limit is ${outputVariablesSizeLimit} bytes`,
      );
    }
  }
  return { jobId, continuationToken, executionDetails, currentRevision, outputVariables };
}

/** Checks a `PutJobFailureResult` input. */
export function validatePutJobFailureResult(
  input: Record<string, unknown>,
): PutJobFailureResultInput {
  const violations = new Violations();
  const jobId = readJobId(input, violations);
  const raw = optionalObject(input, 'failureDetails');
  let failureDetails: ApiFailureDetails = { type: 'JobFailed', message: '' };
  if (violations.required('failureDetails', raw) && raw !== undefined) {
    const type = optionalString(raw, 'type', 'failureDetails.type');
    const message = optionalString(raw, 'message', 'failureDetails.message');
    const externalExecutionId = optionalString(
      raw,
      'externalExecutionId',
      'failureDetails.externalExecutionId',
    );
    if (
      violations.required('failureDetails.type', type) &&
      !FAILURE_TYPES.includes(type as FailureType)
    ) {
      violations.add(
        'failureDetails.type',
        `Member must satisfy enum value set: [${FAILURE_TYPES.join(', ')}]`,
      );
    }
    if (violations.required('failureDetails.message', message)) {
      violations.length('failureDetails.message', message, 1, LIMITS.failureMessage);
    }
    violations.length(
      'failureDetails.externalExecutionId',
      externalExecutionId,
      1,
      LIMITS.externalExecutionId,
    );
    failureDetails = {
      type: type as FailureType,
      message: message ?? '',
      externalExecutionId,
    };
  }
  violations.throwIfAny();
  return { jobId, failureDetails };
}

/** Checks a `GetJobDetails` input. */
export function validateGetJobDetails(input: Record<string, unknown>): { jobId: string } {
  const violations = new Violations();
  const jobId = readJobId(input, violations);
  violations.throwIfAny();
  return { jobId };
}

function readPipelineName(input: Record<string, unknown>, violations: Violations): string {
  const name = optionalString(input, 'name');
  if (violations.required('name', name)) {
    violations.length('name', name, 1, 100);
    violations.pattern('name', name, PIPELINE_NAME_PATTERN);
  }
  return name ?? '';
}

/** Checks a `GetPipelineState` input. */
export function validateGetPipelineState(input: Record<string, unknown>): { name: string } {
  const violations = new Violations();
  const name = readPipelineName(input, violations);
  violations.throwIfAny();
  return { name };
}

/** Checks a `StartPipelineExecution` input. */
export function validateStartPipelineExecution(
  input: Record<string, unknown>,
): StartPipelineExecutionInput {
  const violations = new Violations();
  const name = readPipelineName(input, violations);
  const clientRequestToken = optionalString(input, 'clientRequestToken');
  violations.length('clientRequestToken', clientRequestToken, 1, 128);
  violations.pattern('clientRequestToken', clientRequestToken, CLIENT_REQUEST_TOKEN_PATTERN);

  const rawVariables = optionalArray(input, 'variables');
  const variables = rawVariables?.map((item, index) => {
    const path = `variables.${index + 1}`;
    if (item === null || typeof item !== 'object') throw serializationError(path, 'an object');
    const variable = item as Record<string, unknown>;
    const variableName = optionalString(variable, 'name', `${path}.name`);
    const value = optionalString(variable, 'value', `${path}.value`);
    if (violations.required(`${path}.name`, variableName)) {
      violations.length(`${path}.name`, variableName, 1, 128);
      violations.pattern(`${path}.name`, variableName, PIPELINE_VARIABLE_NAME_PATTERN);
    }
    if (violations.required(`${path}.value`, value)) {
      violations.length(`${path}.value`, value, 1, 1000);
    }
    return { name: variableName ?? '', value: value ?? '' };
  });
  if (rawVariables !== undefined && rawVariables.length > 50) {
    violations.add('variables', 'Member must have length less than or equal to 50');
  }

  const rawRevisions = optionalArray(input, 'sourceRevisions');
  if (rawRevisions !== undefined && rawRevisions.length > 50) {
    violations.add('sourceRevisions', 'Member must have length less than or equal to 50');
  }
  violations.throwIfAny();
  return {
    name,
    clientRequestToken,
    variables,
    sourceRevisions: rawRevisions as Record<string, unknown>[] | undefined,
  };
}
