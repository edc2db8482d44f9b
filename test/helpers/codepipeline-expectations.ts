/**
 * What CodePipeline accepts in PutJobSuccessResult and PutJobFailureResult, written in
 * the tests from the CodePipeline API reference (deliberately not imported from src/),
 * so the engine's answers are judged against the documentation, not against the code
 * under test. Plus a CodePipeline client that only records what it is sent.
 */
import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';

/** One call a recording client was sent. */
export interface SentCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** A CodePipeline client that takes every call, records it, and answers `{}`. */
export function recordingCodePipeline(): { client: CodePipelineClient; sent: SentCall[] } {
  const sent: SentCall[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({
        operation: command.constructor.name.replace(/Command$/, ''),
        input: command.input,
      });
      return {};
    },
  };
  return { client: client as unknown as CodePipelineClient, sent };
}

// The API reference's constraints (PutJobSuccessResult, PutJobFailureResult, ExecutionDetails,
// FailureDetails) and the quotas page's limit on one action's output variables.
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OUTPUT_VARIABLE_KEY = /^[A-Za-z0-9@\-_]+$/;
const FAILURE_TYPES = [
  'JobFailed',
  'ConfigurationError',
  'PermissionError',
  'RevisionOutOfSync',
  'RevisionUnavailable',
  'SystemUnavailable',
];

function lengthProblem(path: string, value: unknown, max: number): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string') return [`${path} is not a string`];
  return value.length >= 1 && value.length <= max
    ? []
    : [`${path} has length ${value.length}, not 1..${max}`];
}

/**
 * Why CodePipeline would refuse this call, one line per broken rule; empty when it
 * would take it.
 */
export function apiReferenceViolations(
  operation: string,
  input: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  if (typeof input.jobId !== 'string' || !JOB_ID.test(input.jobId))
    problems.push('jobId is not a UUID');
  if (operation === 'PutJobFailureResult') {
    const details = input.failureDetails as Record<string, unknown> | undefined;
    if (details === undefined) return [...problems, 'failureDetails is missing'];
    if (!FAILURE_TYPES.includes(String(details.type)))
      problems.push(`failureDetails.type ${String(details.type)} is not a failure type`);
    if (details.message === undefined) problems.push('failureDetails.message is missing');
    problems.push(...lengthProblem('failureDetails.message', details.message, 5000));
    problems.push(
      ...lengthProblem('failureDetails.externalExecutionId', details.externalExecutionId, 1500),
    );
    return problems;
  }
  if (operation !== 'PutJobSuccessResult') return [...problems, `${operation} is not a job answer`];
  problems.push(...lengthProblem('continuationToken', input.continuationToken, 2048));
  const execution = input.executionDetails as Record<string, unknown> | undefined;
  if (execution !== undefined) {
    problems.push(...lengthProblem('executionDetails.summary', execution.summary, 2048));
    problems.push(
      ...lengthProblem('executionDetails.externalExecutionId', execution.externalExecutionId, 1500),
    );
    const percent = execution.percentComplete;
    if (
      percent !== undefined &&
      !(Number.isInteger(percent) && (percent as number) >= 0 && (percent as number) <= 100)
    ) {
      problems.push(`executionDetails.percentComplete ${String(percent)} is not an integer 0..100`);
    }
  }
  const variables = input.outputVariables as Record<string, unknown> | undefined;
  if (variables !== undefined) {
    if (input.continuationToken !== undefined)
      problems.push('outputVariables sent with a continuationToken');
    let bytes = 0;
    for (const [key, value] of Object.entries(variables)) {
      if (!OUTPUT_VARIABLE_KEY.test(key))
        problems.push(`output variable key ${JSON.stringify(key)} breaks the pattern`);
      if (typeof value !== 'string')
        problems.push(`output variable ${JSON.stringify(key)} is not a string`);
      else bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    }
    if (bytes > 122_880) problems.push(`output variables total ${bytes} bytes, over 122880`);
  }
  return problems;
}
