/**
 * A CodePipeline client for unit tests that records every call and checks it the way
 * the service would, with the job-API emulator's independent validation (the API
 * reference's constraints): a call CodePipeline would refuse throws the way the SDK
 * throws a service error, so the code under test sees a real ValidationException.
 */
import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { JobApiError } from '../../src/local/job-api/protocol.js';
import {
  validatePutJobFailureResult,
  validatePutJobSuccessResult,
} from '../../src/local/job-api/validation.js';

export interface SentResult {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  /** The error name CodePipeline would have answered with, if it refused the call. */
  readonly refusedWith?: string;
  readonly refusal?: string;
}

export function validatingCodePipeline(): { client: CodePipelineClient; sent: SentResult[] } {
  const sent: SentResult[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const operation = command.constructor.name.replace(/Command$/, '');
      try {
        if (operation === 'PutJobSuccessResult') validatePutJobSuccessResult(command.input);
        else validatePutJobFailureResult(command.input);
      } catch (error) {
        const { errorName, message } = error as JobApiError;
        sent.push({ operation, input: command.input, refusedWith: errorName, refusal: message });
        throw Object.assign(new Error(message), {
          name: errorName,
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      sent.push({ operation, input: command.input });
      return {};
    },
  };
  return { client: client as unknown as CodePipelineClient, sent };
}
