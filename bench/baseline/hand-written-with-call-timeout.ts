/**
 * A diagnosis for figure 2, not a baseline of its own: the hand-written handler plus
 * the one thing every report of ours does on top of the SDK call, an abort timeout
 * per call (an AbortController, a timer, and the signal passed to `send`). Without
 * it a hung connection would hold the invocation until Lambda kills it. Its
 * difference from the plain hand-written handler is the price of that bound inside
 * the SDK (listeners on the signal in the retry middleware and the HTTP handler), so
 * that share of our overhead can be told from the engine's own.
 */
import { CodePipelineClient, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';

const codepipeline = new CodePipelineClient({});

interface CodePipelineEvent {
  readonly 'CodePipeline.job': { readonly id: string };
}

export const handler = async (event: CodePipelineEvent): Promise<void> => {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 5000);
  try {
    await codepipeline.send(
      new PutJobSuccessResultCommand({ jobId: event['CodePipeline.job'].id }),
      {
        abortSignal: abort.signal,
      },
    );
  } finally {
    clearTimeout(timer);
  }
};
