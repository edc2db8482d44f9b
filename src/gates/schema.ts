/**
 * The gates' `UserParameters` schemas are valibot, the library that also validates the
 * event: one schema library in the runtime. valibot's schemas are plain objects whose
 * builders bundlers can drop when unused, so a handler that imports one gate builds
 * only that gate's schema at init (zod/mini cost the rating gate ~3 ms of cold start).
 * Users bring their own library for their own gates through Standard Schema.
 *
 * This module gives every gate schema the same English messages, built from each
 * issue's kind and bounds. Never from the value received: valibot's own messages quote
 * it, and a parameter may hold a token (`headers`, a URL's query).
 */
import * as v from 'valibot';

/**
 * `schema`, answering with the gates' messages (`expected number, received string`,
 * `must be <= 599`, `is not a known key`). A message given to a schema or check itself
 * (`v.check(fn, 'is not a valid regular expression')`) still wins.
 */
export function withGateMessages<Schema extends v.GenericSchema>(schema: Schema) {
  return v.config(schema, { message: describeGateIssue });
}

/** What is wrong with one parameter; `describeIssues` prefixes its path. */
export function describeGateIssue(issue: v.BaseIssue<unknown>): string {
  const { input } = issue;
  if (issue.kind === 'schema') {
    if (issue.type === 'strict_object' && issue.expected === 'never') return 'is not a known key';
    if (input === undefined) return 'is required';
    if (issue.type === 'picklist') return `must be one of ${alternatives(issue.expected)}`;
    return `expected ${alternatives(issue.expected)}, received ${kindOf(input)}`;
  }
  const bound = issue.requirement;
  switch (issue.type) {
    case 'min_length':
      if (bound === 1) return 'must not be empty';
      return typeof input === 'string'
        ? `must have at least ${bound} characters`
        : `must have at least ${bound} items`;
    case 'max_length':
      return typeof input === 'string'
        ? `must have at most ${bound} characters`
        : `must have at most ${bound} items`;
    case 'min_value':
      return `must be >= ${bound}`;
    case 'max_value':
      return `must be <= ${bound}`;
    case 'gt_value':
      return `must be > ${bound}`;
    case 'integer':
      return 'must be an integer';
    default:
      return 'is invalid';
  }
}

/** valibot's `("json" | "csv")` or `(number | Array)` as `"json" | "csv"`, `number | array`. */
function alternatives(expected: string | null): string {
  return (expected ?? 'a valid value')
    .replace(/^\((.*)\)$/, '$1')
    .replace(/\b(Object|Array)\b/g, (name) => name.toLowerCase());
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
