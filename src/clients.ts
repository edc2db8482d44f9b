import { CodePipelineClient } from '@aws-sdk/client-codepipeline';

let shared: CodePipelineClient | undefined;

/**
 * The CodePipeline client used when none is passed in the options: built once per
 * container from the SDK's standard configuration (region, credential chain,
 * `AWS_ENDPOINT_URL_CODEPIPELINE`), so the same handler reports to AWS or to a local
 * endpoint. The SDK's own retries are off because `report.ts` retries with a timeout
 * per attempt, which the SDK does not have.
 */
export function defaultCodePipelineClient(): CodePipelineClient {
  shared ??= new CodePipelineClient({ maxAttempts: 1 });
  return shared;
}
