/**
 * The baseline for cold start and per-invocation overhead: an Invoke action handler
 * written by hand the way the AWS samples do it, with nothing but
 * `@aws-sdk/client-codepipeline`. It reports success and, if that throws, tries to
 * report the failure. No validation, no deadline, no retries, no logging: the
 * least a correct-looking handler can do, so any cost of ours shows against it.
 *
 * Like the samples, the client is created at module scope (reused by warm
 * invocations), with the SDK's default configuration, so `AWS_ENDPOINT_URL_CODEPIPELINE`
 * points it at the loopback endpoint exactly as it does our default client.
 */
import {
  CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';

const codepipeline = new CodePipelineClient({});

interface CodePipelineEvent {
  readonly 'CodePipeline.job': { readonly id: string };
}

export const handler = async (event: CodePipelineEvent): Promise<void> => {
  const jobId = event['CodePipeline.job'].id;
  try {
    await codepipeline.send(new PutJobSuccessResultCommand({ jobId }));
  } catch (error) {
    await codepipeline.send(
      new PutJobFailureResultCommand({
        jobId,
        failureDetails: { type: 'JobFailed', message: String(error).slice(0, 5000) },
      }),
    );
  }
};
