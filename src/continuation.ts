import { JobFailedError } from './errors.js';
import { LIMITS } from './outcome.js';

/**
 * The continuation token is the only state that survives between rounds of a
 * long-running job. We store the user's state with the round number and the time
 * the first round started, as versioned JSON so a later version of the framework
 * can read (or clearly refuse) tokens written by an earlier one.
 */
export const TOKEN_VERSION = 1;

export interface ContinuationData<State = unknown> {
  readonly state: State;
  /** The round that wrote the token; the next round is `round + 1`. */
  readonly round: number;
  /** Epoch milliseconds when round 1 started. */
  readonly startedAt: number;
}

interface TokenV1 {
  v: 1;
  r: number;
  t: number;
  s?: unknown;
}

/** Encodes the state for `PutJobSuccessResult.continuationToken`; throws when over 2048 characters. */
export function encodeContinuation(data: ContinuationData): string {
  const token: TokenV1 = { v: TOKEN_VERSION, r: data.round, t: data.startedAt };
  if (data.state !== undefined) token.s = data.state;
  let encoded: string;
  try {
    encoded = JSON.stringify(token);
  } catch (error) {
    throw new JobFailedError(
      `The continuation state cannot be stored: it is not JSON-serialisable (${(error as Error).message})`,
    );
  }
  if (encoded.length > LIMITS.continuationToken) {
    throw new JobFailedError(
      `The continuation state is too large: it encodes to ${encoded.length} characters and a continuation token holds at most ${LIMITS.continuationToken}. Keep only ids and counters in the state, and fetch the rest again in the next round.`,
    );
  }
  return encoded;
}

/** Reads a token written by `encodeContinuation`; a foreign or newer token is a clear error. */
export function decodeContinuation(token: string): ContinuationData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(token);
  } catch {
    throw new JobFailedError(
      'The continuation token was not written by codepipeline-handler (it is not JSON); this job cannot be continued',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || !('v' in parsed)) {
    throw new JobFailedError(
      'The continuation token was not written by codepipeline-handler (no version field); this job cannot be continued',
    );
  }
  const candidate = parsed as Partial<TokenV1> & { v: unknown };
  if (candidate.v !== TOKEN_VERSION) {
    throw new JobFailedError(
      `The continuation token has version ${JSON.stringify(candidate.v)}, but this version of codepipeline-handler reads version ${TOKEN_VERSION}; redeploying mid-job changed the token format`,
    );
  }
  if (
    typeof candidate.r !== 'number' ||
    !Number.isInteger(candidate.r) ||
    candidate.r < 1 ||
    typeof candidate.t !== 'number' ||
    !Number.isFinite(candidate.t)
  ) {
    throw new JobFailedError(
      'The continuation token is damaged: its round or start time is missing',
    );
  }
  return { state: candidate.s, round: candidate.r, startedAt: candidate.t };
}
