import { LIMITS } from './api-limits.js';
import { ConfigurationError, JobFailedError } from './errors.js';

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

/**
 * Encodes the state for `PutJobSuccessResult.continuationToken`; throws when over 2048 characters.
 *
 * @example
 * ```ts
 * const token = encodeContinuation({ state: { attempt: 1 }, round: 1, startedAt: Date.now() });
 * decodeContinuation(token).state; // { attempt: 1 }
 * ```
 */
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

/**
 * Turns a continuation token this framework did not write into the state
 * `job.state()` returns (the `foreignContinuationToken` option).
 */
export type ForeignTokenReader = (token: string) => unknown;

/**
 * The placeholder text public sample events carry instead of a token ("A continuation
 * token if continuing job"), and the API reference's `"string"`.
 */
const PLACEHOLDER_TOKEN = /continuation[\s_-]*token|^\s*string\s*$/i;

/**
 * The continuation of a job that carries `token`:
 *
 * - a token `encodeContinuation` wrote gives back its state, round and start time;
 * - a token the framework did not write (the function this one replaced wrote it,
 *   mid-job) is handed to `foreign`, whose return value becomes the state; the round
 *   is then 2 and `startedAt` this invocation's start, since the token holds neither;
 * - without `foreign`, such a token fails the job, saying how to continue it; a
 *   sample event's placeholder text gets a `ConfigurationError` that says how to fix
 *   the fixture.
 */
export async function readContinuation(
  token: string,
  foreign?: ForeignTokenReader,
): Promise<ContinuationData> {
  const own = parseOwnToken(token);
  if (own !== undefined) return own;
  if (foreign) {
    return { state: await foreign(token), round: 1, startedAt: Date.now() };
  }
  throw foreignTokenError(token);
}

/** Reads a token written by `encodeContinuation`; a foreign or newer token is a clear error. */
export function decodeContinuation(token: string): ContinuationData {
  const own = parseOwnToken(token);
  if (own === undefined) throw foreignTokenError(token);
  return own;
}

function foreignTokenError(token: string): Error {
  if (PLACEHOLDER_TOKEN.test(token)) {
    return new ConfigurationError(
      `The event's continuation token is placeholder text from a sample event (${JSON.stringify(token.slice(0, 60))}), not a token from an earlier round. ` +
        'To run the first round, remove "continuationToken" from the event\'s CodePipeline.job.data; ' +
        'to test a later round, let the testing kit write the token: runJob(handler, { state, round }).',
    );
  }
  return new JobFailedError(
    'The continuation token was not written by codepipeline-handler, so this job cannot be continued: ' +
      'it was probably started by the function this one replaced. ' +
      'To take such jobs over, set the option foreignContinuationToken: (token) => state, which turns the old token into job.state().',
  );
}

/** The token's continuation when this framework wrote it; undefined for a foreign token. */
function parseOwnToken(token: string): ContinuationData | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(token);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('v' in parsed)) return undefined;
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
