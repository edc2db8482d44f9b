import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigurationError } from './errors.js';

/** The validated parameters' type: the schema's output, or `undefined` without a schema. */
export type ParamsOf<Schema> = Schema extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<Schema>
  : undefined;

/**
 * Decodes and validates `UserParameters`.
 *
 * The raw string is JSON-decoded first. A string that is not JSON is still offered
 * to the schema as-is (so `z.string().url()` accepts a bare URL); only when that
 * also fails is the JSON error reported. Missing `UserParameters` is validated as
 * `undefined`, so schemas decide whether parameters are optional.
 */
export async function parseUserParameters<Schema extends StandardSchemaV1>(
  schema: Schema,
  raw: string | undefined,
): Promise<StandardSchemaV1.InferOutput<Schema>> {
  let decoded: unknown;
  let jsonError: string | undefined;
  if (raw !== undefined) {
    try {
      decoded = JSON.parse(raw);
    } catch (error) {
      jsonError = (error as Error).message;
      decoded = raw;
    }
  }
  let result = schema['~standard'].validate(decoded);
  if (result instanceof Promise) result = await result;
  if (!result.issues) return result.value;

  if (jsonError !== undefined) {
    throw new ConfigurationError(`UserParameters is not valid JSON: ${jsonError}`);
  }
  if (raw === undefined) {
    throw new ConfigurationError(
      `UserParameters is missing from the action configuration, and this function requires it: ${describeIssues(result.issues)}`,
    );
  }
  throw new ConfigurationError(`UserParameters is invalid: ${describeIssues(result.issues)}`);
}

/** `UserParameters.minRating: expected number, received string; ...` */
export function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  const shown = issues.slice(0, 10).map((issue) => {
    const path = (issue.path ?? []).map((segment) =>
      typeof segment === 'object' ? String(segment.key) : String(segment),
    );
    return `${['UserParameters', ...path].join('.')}: ${issue.message}`;
  });
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  return shown.join('; ') + more;
}
