import * as v from 'valibot';
import type { HttpResult } from './http.js';

/** What a response must look like to pass (smokeTest checks, waitForUrl). */
export interface ResponseExpectations {
  /** Accepted status code(s). @default any 2xx */
  readonly expectStatus?: number | readonly number[] | undefined;
  /** Text(s) the body must contain. */
  readonly bodyIncludes?: string | readonly string[] | undefined;
  /** A regular expression (JavaScript syntax, no slashes) the body must match. */
  readonly bodyMatches?: string | undefined;
  /** The response must be complete within this many milliseconds. */
  readonly maxLatencyMs?: number | undefined;
}

const statusCode = v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599));
const nonEmptyString = v.pipe(v.string(), v.minLength(1));

/** The valibot entries of `ResponseExpectations`, to spread into a gate's schema. */
export const expectationsEntries = {
  expectStatus: v.optional(v.union([statusCode, v.pipe(v.array(statusCode), v.minLength(1))])),
  bodyIncludes: v.optional(
    v.union([nonEmptyString, v.pipe(v.array(nonEmptyString), v.minLength(1))]),
  ),
  bodyMatches: v.optional(
    v.pipe(v.string(), v.minLength(1), v.check(isValidRegExp, 'is not a valid regular expression')),
  ),
  maxLatencyMs: v.optional(v.pipe(v.number(), v.gtValue(0))),
};

function isValidRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why `result` does not meet `expected`: one short phrase per problem, empty when it
 * passes. Pure, so gates in user code can reuse it on their own requests.
 */
export function evaluateResponse(result: HttpResult, expected: ResponseExpectations): string[] {
  if (result.kind !== 'response') return [result.message];
  const problems: string[] = [];
  const accepted = expected.expectStatus === undefined ? undefined : [expected.expectStatus].flat();
  if (accepted ? !accepted.includes(result.status) : result.status < 200 || result.status > 299) {
    problems.push(`status ${result.status}, expected ${accepted ? accepted.join(' or ') : '2xx'}`);
  }
  for (const text of expected.bodyIncludes === undefined ? [] : [expected.bodyIncludes].flat()) {
    if (!result.body.includes(text)) {
      problems.push(`body does not include ${JSON.stringify(shorten(text))}${cutNote(result)}`);
    }
  }
  if (expected.bodyMatches !== undefined && !new RegExp(expected.bodyMatches).test(result.body)) {
    problems.push(`body does not match /${shorten(expected.bodyMatches)}/${cutNote(result)}`);
  }
  if (expected.maxLatencyMs !== undefined && result.latencyMs > expected.maxLatencyMs) {
    problems.push(`took ${result.latencyMs} ms, over maxLatencyMs ${expected.maxLatencyMs}`);
  }
  return problems;
}

function cutNote(result: { bodyTruncated: boolean }): string {
  return result.bodyTruncated ? ' (the body was read only up to its size limit)' : '';
}

function shorten(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
