import { LIMITS } from './api-limits.js';
import { JobFailedError } from './errors.js';

/**
 * The continuation token is the only state that survives between rounds of a
 * long-running job. We store the user's state with the round number and the time
 * the first round started, as versioned JSON so a later version of the framework
 * can read (or clearly refuse) tokens written by an earlier one.
 */
export const TOKEN_VERSION = 1;

/** The furthest a JavaScript Date reaches from 1970, in milliseconds. */
const MAX_DATE_MS = 8.64e15;

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
  // JSON.stringify succeeds on values it silently changes (undefined dropped, NaN to
  // null, a Date to a string, a Map to {}): the next round would get different state.
  const change = jsonChange(data.state, 'state');
  if (change !== undefined) {
    throw new JobFailedError(
      `The continuation state cannot be stored: ${change}. Keep the state to plain objects, arrays, strings, finite numbers, booleans and null.`,
    );
  }
  return encoded;
}

/**
 * How JSON would change `value` (named by `at`), or undefined when it comes back
 * equal. -0 (read back as 0) and objects without a prototype (read back as plain
 * objects) count as equal. Only called on values that encode within the token limit,
 * so the walk is short.
 */
function jsonChange(value: unknown, at: string): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${at} is ${value}, which JSON stores as null`;
    case 'undefined':
      // No state at all is fine: the next round's job.state() is undefined too.
      return at === 'state' ? undefined : `${at} has no value (undefined), which JSON drops`;
    case 'object':
      break;
    default:
      return `${at} is a ${typeof value}, which JSON cannot store`;
  }
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    if (Object.keys(value).length !== value.length) {
      return `${at} is a sparse array or has named properties, which JSON does not keep`;
    }
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (item === undefined) return `${at}[${index}] is undefined, which JSON stores as null`;
      const change = jsonChange(item, `${at}[${index}]`);
      if (change !== undefined) return change;
    }
    return undefined;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    const kind =
      value instanceof Date ? 'a Date' : `a ${prototype?.constructor?.name ?? 'class'} instance`;
    return `${at} is ${kind}, which JSON does not read back as the same type`;
  }
  if (Object.getOwnPropertySymbols(value).length > 0) {
    return `${at} has symbol keys, which JSON drops`;
  }
  for (const [key, item] of Object.entries(value)) {
    const place = /^[A-Za-z_$][\w$]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`;
    const change = jsonChange(item, place);
    if (change !== undefined) return change;
  }
  return undefined;
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
    !Number.isSafeInteger(candidate.r) ||
    candidate.r < 1 ||
    typeof candidate.t !== 'number' ||
    !Number.isFinite(candidate.t) ||
    Math.abs(candidate.t) > MAX_DATE_MS
  ) {
    throw new JobFailedError(
      'The continuation token is damaged: its round or start time is missing',
    );
  }
  return { state: candidate.s, round: candidate.r, startedAt: candidate.t };
}
