import * as z from 'zod/mini';
import './schema.js';
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

/**
 * The zod shape of `ResponseExpectations`, to spread into a gate's schema.
 *
 * The gates' schemas are built inside `@__PURE__` functions: zod/mini applies checks
 * with a method call (`.check()`), which a bundler must otherwise keep, so importing
 * one gate from `codepipeline-handler/gates` would build every gate's schema at init.
 */
export const expectationsShape = /* @__PURE__ */ (() => {
  const statusCode = z.int().check(z.gte(100), z.lte(599));
  const nonEmptyString = z.string().check(z.minLength(1));
  return {
    expectStatus: z.optional(z.union([statusCode, z.array(statusCode).check(z.minLength(1))])),
    bodyIncludes: z.optional(
      z.union([nonEmptyString, z.array(nonEmptyString).check(z.minLength(1))]),
    ),
    bodyMatches: z.optional(
      z
        .string()
        .check(
          z.minLength(1),
          z.refine(isValidRegExp, { error: 'is not a valid regular expression' }),
        ),
    ),
    maxLatencyMs: z.optional(z.number().check(z.gt(0))),
  };
})();

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
